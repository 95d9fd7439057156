"""A small real project for the export tests, built once per test on a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .corpus import Corpus, build_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "exports.db")
    yield built
    built.project.close()

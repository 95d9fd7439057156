"""Interface tests run their Pilot coroutines on asyncio through the anyio plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codage.services import Project
from tests.tui.screens_study import build_project


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Project]:
    """The small project of :mod:`tests.tui.screens_study`, on a real SQLite file."""
    project = build_project(tmp_path / "study.db")
    yield project
    project.close()

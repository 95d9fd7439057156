"""The REFI-QDA schemas for the conformance tests: ``$CODAGE_REFI_SCHEMAS`` when set, else
``../shared/refi-qda/`` from the project's root. Where they are absent the conformance
tests are skipped with that reason; the tests that read exports back still run."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]


def schema_folder() -> Path | None:
    """The folder holding Project.xsd and Codebook.xsd, or None."""
    candidates = [Path(p) for p in [os.environ.get("CODAGE_REFI_SCHEMAS")] if p]
    candidates.append(ROOT.parent / "shared" / "refi-qda")
    for folder in candidates:
        if (folder / "Project.xsd").is_file() and (folder / "Codebook.xsd").is_file():
            return folder
    return None


@functools.cache
def _load(name: str) -> etree.XMLSchema:
    folder = schema_folder()
    assert folder is not None
    return etree.XMLSchema(etree.parse(str(folder / name)))


def assert_valid(document: etree._Element | etree._ElementTree, name: str) -> None:
    """Validate against ``Project.xsd`` or ``Codebook.xsd``; skip when they are absent."""
    if schema_folder() is None:
        pytest.skip(
            "REFI-QDA schemas not found: set CODAGE_REFI_SCHEMAS or put them in ../shared/refi-qda/"
        )
    _load(name).assertValid(document)

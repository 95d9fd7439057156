"""Fixtures of the ingest tests: the real French spaCy model, loaded once."""

from __future__ import annotations

import pytest

from codage.domain import NewDocument, Unit


@pytest.fixture(scope="session")
def nlp():
    from codage.ingest.nlp import load_nlp

    return load_nlp()


def texts_of(document: NewDocument, kind: str) -> list[str]:
    """The text of every unit of one kind, in order."""
    return [document.text[u.start : u.end] for u in document.units if u.kind == kind]


def units_of(document: NewDocument, kind: str) -> list[Unit]:
    return [u for u in document.units if u.kind == kind]

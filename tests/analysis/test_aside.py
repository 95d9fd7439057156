"""Suggested places for codings kept aside, on a real project file."""

from __future__ import annotations

from pathlib import Path

from codage.analysis.aside import suggest_placement, suggestions
from codage.domain import AsideCoding, NewDocument
from codage.services import Project

TEXT = "Nous avons un intranet communal. Tout va mieux. Le serveur a brulé en mars."


def kept(text: str, start: int) -> AsideCoding:
    return AsideCoding(1, 1, "d1", 1, "X", "A", start, start + len(text), text)


def test_exact_passage_moved_far_is_found_anywhere() -> None:
    found = suggest_placement(kept("Tout va mieux.", 60), TEXT)
    assert found is not None
    assert TEXT[found.start : found.end] == "Tout va mieux."


def test_corrected_passage_gets_the_similar_one() -> None:
    found = suggest_placement(kept("Le serveur a brûlé en mars.", 24), TEXT)
    assert found is not None
    assert "serveur a brulé en mars" in TEXT[found.start : found.end]
    assert found.score < 1.0


def test_nothing_close_gives_no_suggestion() -> None:
    assert suggest_placement(kept("Les réunions se font en visioconférence.", 3), TEXT) is None


def test_suggestions_of_a_document(tmp_path: Path) -> None:
    with Project.open(str(tmp_path / "p.db")) as p:
        doc = p.add_document(NewDocument("d1", "text", TEXT))
        x = p.create_code("X", coder="A")
        p.set_aside(
            document_name="d1",
            document_id=doc.id,
            code_id=x.id,
            coder="A",
            start=0,
            end=11,
            text="Nous avions",
        )
        (s,) = suggestions(p, doc.id)
        assert s.aside.coder == "A"
        assert s.match is not None and s.matched_text(TEXT).startswith("Nous av")

"""A merge matches a source's documents to the target's by text from one reading of the
target's documents, kept up to date as it goes (not one query per document): a text
the source holds twice lands on one document, whose case is the first one linked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codage.analysis.merge import merge_projects
from codage.domain import NewDocument
from codage.services import Project

TEXT = "Le télétravail a changé la messagerie du service."


def _links(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT d.name, c.name FROM case_links AS l JOIN documents AS d"
            " ON d.id = l.document_id JOIN cases AS c ON c.id = l.case_id"
            " WHERE l.unit_id IS NULL ORDER BY 1, 2"
        ).fetchall()


def test_a_text_held_twice_takes_the_first_case_linked(tmp_path: Path) -> None:
    source_path = tmp_path / "source.db"
    with Project.open(str(source_path)) as source:
        for name, case in (("b-entretien", "R-2"), ("a-entretien", "R-1"), ("c", None)):
            source.add_document(NewDocument(name, "interview", TEXT, case=case))
        source.add_document(NewDocument("autre", "interview", "Un autre texte.", case="R-3"))
    # into a target that holds the text without a case, and into an empty one
    held = tmp_path / "held.db"
    with Project.open(str(held)) as target:
        target.add_document(NewDocument("entretien", "interview", TEXT))
    empty = tmp_path / "empty.db"
    for target_path in (held, empty):
        with (
            Project.open(str(target_path)) as target,
            Project.open(str(source_path), create=False) as source,
        ):
            report = merge_projects(target, [source], coder="lead")
            again = merge_projects(target, [source], coder="lead", backup=False)
        part = report.sources[0]
        assert part.documents_added == (
            ["autre"] if target_path == held else ["a-entretien", "autre"]
        )
        assert len(part.documents_matched_sha) == (3 if target_path == held else 2)
        assert len(again.sources[0].documents_matched_sha) == 4
    # the source's documents in name order: a-entretien comes first
    assert _links(held) == [("autre", "R-3"), ("entretien", "R-1")]
    assert _links(empty) == [("a-entretien", "R-1"), ("autre", "R-3")]

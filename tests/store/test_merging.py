"""The store's bulk path for merges: codings written a document at a time, journaled as
``import_codings`` journals them; documents copied with their units, cases and index."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.domain import NewDocument, Unit
from codage.services import Project
from codage.store.base import Conflict

TEXT = "Alice : Nous avons installé l'intranet en 2019. Les agents ne le lisaient pas."


def _project(path: Path) -> tuple[Project, int, int]:
    project = Project.open(str(path))
    doc = project.add_document(
        NewDocument(
            "entretien",
            "interview",
            TEXT,
            [Unit("turn", 0, len(TEXT), speaker="Alice"), Unit("sentence", 8, 47)],
            unit_cases={0: "R-1"},
            case="R-1",
        )
    )
    code = project.create_code("Intranet", coder="lead")
    return project, doc.id, code.id


def test_the_writer_skips_what_is_held_and_one_undo_takes_back_what_it_added(
    tmp_path: Path,
) -> None:
    project, doc, code = _project(tmp_path / "p.db")
    held = project.add_coding(doc, code, 0, 10, coder="ana")
    writer = project.coding_writer(actor="lead")
    placed = writer.add(
        doc,
        [
            (code, "ana", 0, 10, None, False, False),  # ana holds it already
            (code, "ana", 12, 20, "mémo", False, True),
            (code, "bruno", 0, 10, None, True, False),  # another coder's: a new coding
            (code, "ana", 12, 20, None, False, False),  # repeats the second
        ],
    )
    assert writer.close() == 2
    new_ana, new_bruno = placed[1][0], placed[2][0]
    assert placed == [(held.id, False), (new_ana, True), (new_bruno, True), (new_ana, False)]
    codings = {c.id: c for c in project.codings()}
    assert codings[new_ana].memo == "mémo" and codings[new_ana].suggested
    assert codings[new_ana].text == TEXT[12:20] and codings[new_bruno].automatic
    entry = project.history(limit=1)[0]
    assert entry.action == "import_codings" and entry.details["counts"] == {"codings.insert": 2}
    project.undo(coder="lead")
    assert [c.id for c in project.codings()] == [held.id]
    project.redo(coder="lead")
    assert {c.id for c in project.codings()} == {held.id, new_ana, new_bruno}
    project.close()


def test_a_span_outside_the_text_fails_the_whole_write(tmp_path: Path) -> None:
    project, doc, code = _project(tmp_path / "p.db")
    writer = project.coding_writer(actor="lead")
    with pytest.raises(Conflict, match="outside document"), project.batch(coder="lead"):
        writer.add(doc, [(code, "ana", 0, 5, None, False, False)])
        writer.add(doc, [(code, "ana", 70, 900, None, False, False)])
    assert project.codings() == []
    project.close()


def test_a_copied_document_is_the_document_added(tmp_path: Path) -> None:
    source, doc, _ = _project(tmp_path / "source.db")
    target = Project.open(str(tmp_path / "target.db"))
    copied = target.copy_document(source, source.document_info(doc))
    assert copied.name == "entretien" and copied.case == "R-1"
    assert target.document(copied.id).text == TEXT
    ours, theirs = target.units(copied.id, with_lemmas=True), source.units(doc, with_lemmas=True)
    assert [(u.kind, u.start, u.end, u.speaker, u.position) for u in ours] == [
        (u.kind, u.start, u.end, u.speaker, u.position) for u in theirs
    ]
    assert {u: c.name for u, c in target.unit_cases(copied.id).items()} == {ours[0].id: "R-1"}
    # the index came along, its containers naming the target's units
    assert target.search_texts([copied.id])[copied.id].containers.tolist() == [
        0,
        len(TEXT),
        ours[0].id,
    ]
    source.close()
    target.close()

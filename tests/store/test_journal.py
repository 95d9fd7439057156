"""Undo and redo from the journal: per coder, across processes, compound changes whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.services import Project, UndoConflict
from tests.conftest import sample_document


def snapshot(p: Project) -> tuple:
    return (
        [(c.path_str, c.colour, c.description, c.position) for c in p.codes()],
        [(c.document_id, c.code_id, c.coder, c.start, c.end, c.memo) for c in p.codings()],
        [(m.target, m.target_id, m.text) for m in p.memos()],
    )


def test_undo_redo_round_trip_for_every_kind_of_change(project: Project) -> None:
    doc = project.add_document(sample_document())
    states = [snapshot(project)]
    a = project.create_code("A", coder="ana")
    states.append(snapshot(project))
    b = project.create_code("B", coder="ana", description="deux")
    states.append(snapshot(project))
    coding = project.add_coding(doc.id, a.id, 0, 10, coder="ana")
    states.append(snapshot(project))
    project.set_coding_memo(coding.id, "important", coder="ana")
    states.append(snapshot(project))
    project.add_memo("coding", coding.id, "long memo", coder="ana")
    states.append(snapshot(project))
    project.update_code(a.id, name="A2", colour="#123456", coder="ana")
    states.append(snapshot(project))
    project.move_code(b.id, a.id, coder="ana")
    states.append(snapshot(project))
    project.merge_codes(b.id, a.id, coder="ana")
    states.append(snapshot(project))
    project.delete_code(a.id, coder="ana")
    states.append(snapshot(project))

    for expected in reversed(states[:-1]):
        assert project.undo(coder="ana") is not None
        assert snapshot(project) == expected
    assert project.undo(coder="ana") is None
    for expected in states[1:]:
        assert project.redo(coder="ana") is not None
        assert snapshot(project) == expected
    assert project.redo(coder="ana") is None


def test_undo_is_per_coder(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="ana")
    project.add_coding(doc.id, code.id, 0, 5, coder="ana")
    project.add_coding(doc.id, code.id, 6, 9, coder="ben")
    project.undo(coder="ana")
    assert [(c.coder, c.start) for c in project.codings()] == [("ben", 6)]


def test_a_new_change_clears_redo(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="ana")
    project.add_coding(doc.id, code.id, 0, 5, coder="ana")
    project.undo(coder="ana")
    project.add_coding(doc.id, code.id, 7, 9, coder="ana")
    assert project.redo(coder="ana") is None


def test_undo_survives_a_restart(project_path: Path) -> None:
    with Project.open(str(project_path)) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("A", coder="ana")
        p.add_coding(doc.id, code.id, 0, 5, coder="ana")
    with Project.open(str(project_path)) as p:
        entry = p.undo(coder="ana")
        assert entry is not None and entry.action == "add_coding"
        assert p.codings() == []
    with Project.open(str(project_path)) as p:
        p.redo(coder="ana")
        assert len(p.codings()) == 1


def test_a_batch_with_a_coder_is_one_undo(project: Project) -> None:
    doc = project.add_document(sample_document())
    with project.batch(coder="ana", action="import", summary="two codes"):
        a = project.create_code("A", coder="ana")
        project.create_code("B", coder="ana")
        project.add_coding(doc.id, a.id, 0, 5, coder="ana")
    entry = project.undo(coder="ana")
    assert entry.summary == "two codes"
    assert project.codes() == [] and project.codings() == []


def test_undo_refuses_when_others_built_on_the_change(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="ana")
    project.add_coding(doc.id, code.id, 0, 5, coder="ben")
    with pytest.raises(UndoConflict):
        project.undo(coder="ana")
    # nothing changed, and the entry is still there to undo later
    assert len(project.codes()) == 1 and len(project.codings()) == 1
    assert project.history(coder="ana")[0].undone is False

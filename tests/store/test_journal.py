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


# -- identities are never reused (issue 10) -----------------------------------


def test_an_undo_is_not_stuck_when_another_coder_added_after_a_removal(project: Project) -> None:
    """SQLite handed the freed highest id to bob, and alice's undo failed for good."""
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="alice")
    project.add_coding(doc.id, code.id, 0, 5, coder="alice")
    mine = project.add_coding(doc.id, code.id, 0, 6, coder="alice")
    project.remove_coding(mine.id, coder="alice")
    bob = project.add_coding(doc.id, code.id, 0, 7, coder="bob")
    assert bob.id > mine.id
    entry = project.undo(coder="alice")
    assert entry is not None and entry.action == "remove_coding"
    assert project.coding(mine.id).end == 6
    assert project.coding(bob.id).coder == "bob"
    assert project.undo(coder="alice") is not None  # and the one before
    assert [(c.coder, c.end) for c in project.codings()] == [("alice", 5), ("bob", 7)]


def test_no_journaled_table_hands_a_freed_id_out_again(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="ana")
    extra = project.create_code("B", coder="ana")
    project.delete_code(extra.id, coder="ana")
    assert project.create_code("C", coder="ana").id > extra.id
    memo = project.add_memo("project", None, "x", coder="ana")
    project.delete_memo(memo.id, coder="ana")
    assert project.add_memo("project", None, "y", coder="ana").id > memo.id
    aside = project.set_aside(
        document_name=doc.name, code_id=code.id, coder="ana", start=0, end=3, text="Enq"
    )
    project.discard_aside(aside.id)
    again = project.set_aside(
        document_name=doc.name, code_id=code.id, coder="ana", start=0, end=3, text="Enq"
    )
    assert again.id > aside.id


# -- the acting coder --------------------------------------------------------


def test_a_batch_belongs_to_the_person_who_ran_it_whoever_owns_the_codings(
    project: Project,
) -> None:
    from codage.analysis.consensus import build_consensus

    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="lead")
    project.add_coding(doc.id, code.id, 0, 20, coder="ana")
    project.add_coding(doc.id, code.id, 5, 30, coder="ben")
    report = build_consensus(
        project, coders=["ana", "ben"], rule="intersection", as_coder="accord", actor="lead"
    )
    assert report.added == 1
    newest = project.history(limit=1)[0]
    assert (newest.coder, newest.action, newest.coders) == ("lead", "consensus", ("accord",))
    assert newest.details is not None and newest.details["layer"] == "accord"
    assert project.undo(coder="accord") is None  # the layer did nothing itself
    entry = project.undo(coder="lead")
    assert entry is not None and entry.action == "consensus"
    assert project.codings(coders=["accord"]) == []
    assert [e.coder for e in project.history(coder="lead")] == ["lead", "lead"]
    assert project.redo(coder="lead") is not None
    assert len(project.codings(coders=["accord"])) == 1


def test_removing_someone_elses_coding_is_the_remover_s_change(project: Project) -> None:
    doc = project.add_document(sample_document())
    code = project.create_code("A", coder="lead")
    coding = project.add_coding(doc.id, code.id, 0, 20, coder="ana")
    # only as an explicit decision of the lead's own (a batch in their name, as a
    # consensus decision is): ana's coding is in ana's lane
    with project.batch(coder="lead", action="remove_coding", summary="remove ana's coding"):
        project.remove_coding(coding.id, coder="ana")
    entry = project.history(limit=1)[0]
    assert (entry.coder, entry.coders) == ("lead", ("ana",))
    assert entry.details is not None and entry.details["owner"] == "ana"
    # ana's own last change (the coding) cannot be undone while it is removed ...
    with pytest.raises(UndoConflict) as refused:
        project.undo(coder="ana")
    assert refused.value.entry is not None and refused.value.entry.action == "add_coding"
    assert project.codings() == []
    # ... and can once the lead takes the removal back: nothing is stuck.
    assert project.undo(coder="lead") is not None
    assert project.undo(coder="ana") is not None
    assert project.codings() == []


def test_entries_carry_what_it_takes_to_tell_them(project: Project) -> None:
    from codage.i18n import set_language
    from codage.journal_text import describe_change

    text = "Au début, personne ne lisait l'intranet. Puis la crise sanitaire est arrivée."
    doc = project.add_document(sample_document("entretien-01-region", text))
    part = project.create_code("Partie 1", coder="ana")
    code = project.create_code("Intranet", parent_id=part.id, coder="ana")
    start = text.index("personne")
    project.add_coding(doc.id, code.id, start, text.index("."), coder="ana")
    entry = project.undo(coder="ana")
    assert entry is not None
    assert entry.details is not None
    assert entry.details["passage"] == "personne ne lisait l'intranet"
    set_language("en")
    assert describe_change(entry) == (
        'coded "Partie 1/Intranet" on entretien-01-region « personne ne lisait l\'intranet »'
    )
    set_language("fr")
    assert describe_change(entry) == (
        "codé « Partie 1/Intranet » sur entretien-01-region « personne ne lisait l'intranet »"
    )
    set_language("en")
    long = project.add_coding(doc.id, code.id, 0, len(text), coder="ana")
    project.remove_coding(long.id, coder="ana")
    told = describe_change(project.undo(coder="ana"))
    assert (
        told
        == 'uncoded "Partie 1/Intranet" on entretien-01-region « Au début, personne ne lisait… »'
    )
    project.update_code(code.id, name="Intranet et portail", coder="ana")
    assert describe_change(project.history(limit=1)[0]) == (
        'renamed code "Partie 1/Intranet" to "Partie 1/Intranet et portail"'
    )


def test_batches_are_told_by_their_summary_and_counts(project: Project) -> None:
    from codage.journal_text import change_record, describe_change

    doc = project.add_document(sample_document())
    with project.batch(coder="ana", action="create_code", summary="Intranet"):
        code = project.create_code("Intranet", coder="ana")
        project.add_coding(doc.id, code.id, 0, 10, coder="ana")
    entry = project.history(limit=1)[0]
    assert describe_change(entry) == (
        'created code "Intranet": 1 code(s) created, 1 coding(s) added'
    )
    with project.batch(coder="ana", action="uncode", summary="uncode 1"):
        project.remove_coding(project.codings()[0].id, coder="ana")
    told = describe_change(project.history(limit=1)[0])
    assert told == 'uncoded "Intranet" on entretien-test « Enquêtrice »'
    record = change_record(project.undo(coder="ana"))
    assert (record["by"], record["state"], record["undone"]) == ("ana", "undone", True)
    assert record["at"].endswith("Z") and record["coders"] == ["ana"]

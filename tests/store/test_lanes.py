"""Lanes: each coder changes only their own codings and memos; others' codings change
only through explicit, journaled decisions; the codebook is everyone's, each edit
signed; undo and redo take back one's own changes only. On SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from codage.analysis.consensus import build_consensus
from codage.analysis.merge import merge_projects
from codage.services import NotYours, Project
from tests.conftest import sample_document


@pytest.fixture
def lanes(backend_url: str) -> Project:
    proj = Project.open(backend_url)
    yield proj  # type: ignore[misc]
    proj.close()


def _codings(p: Project) -> list[tuple[str, int, int, str | None]]:
    return [(c.coder, c.start, c.end, c.memo) for c in p.codings()]


def test_a_coder_cannot_remove_or_annotate_another_coders_coding(lanes: Project) -> None:
    doc = lanes.add_document(sample_document())
    code = lanes.create_code("A", coder="lead")
    theirs = lanes.add_coding(doc.id, code.id, 0, 20, coder="ana", memo="ana's note")
    entries = len(lanes.history(limit=None))
    with pytest.raises(
        NotYours, match=r"coding \d+ is ana's: only ana may remove it \(you are ben\)"
    ):
        lanes.remove_coding(theirs.id, coder="ben")
    with pytest.raises(NotYours, match="is ana's: only ana may write the memo of it"):
        lanes.set_coding_memo(theirs.id, "ben was here", coder="ben")
    # nothing changed and nothing was journaled
    assert _codings(lanes) == [("ana", 0, 20, "ana's note")]
    assert len(lanes.history(limit=None)) == entries
    # the owner still can
    lanes.set_coding_memo(theirs.id, "revised", coder=" ana ")
    assert _codings(lanes) == [("ana", 0, 20, "revised")]
    lanes.remove_coding(theirs.id, coder="ana")
    assert lanes.codings() == []


def test_a_coder_cannot_edit_or_delete_another_coders_memo(lanes: Project) -> None:
    doc = lanes.add_document(sample_document())
    memo = lanes.add_memo("document", doc.id, "ana thinks", coder="ana")
    with pytest.raises(NotYours, match=r"memo \d+ is ana's: only ana may edit it"):
        lanes.update_memo(memo.id, "ben thinks", coder="ben")
    with pytest.raises(NotYours, match=r"memo \d+ is ana's: only ana may delete it"):
        lanes.delete_memo(memo.id, coder="ben")
    assert [(m.text, m.author) for m in lanes.memos()] == [("ana thinks", "ana")]
    # ben writes a memo of his own on the same document, beside ana's
    lanes.add_memo("document", doc.id, "ben thinks", coder="ben")
    assert lanes.update_memo(memo.id, "ana thinks again", coder="ana").text == "ana thinks again"
    lanes.delete_memo(memo.id, coder="ana")
    assert [(m.text, m.author) for m in lanes.memos()] == [("ben thinks", "ben")]


def test_a_consensus_decision_is_the_deciders_journaled_change(lanes: Project) -> None:
    doc = lanes.add_document(sample_document())
    code = lanes.create_code("A", coder="lead")
    lanes.add_coding(doc.id, code.id, 0, 20, coder="ana")
    lanes.add_coding(doc.id, code.id, 5, 30, coder="ben")
    report = build_consensus(
        lanes, coders=["ana", "ben"], rule="intersection", as_coder="accord", actor="lead"
    )
    assert report.added == 1
    # a later decision (as the comparison screen makes it): the lead, in one batch of
    # their own, replaces the consensus layer's coding
    [layer] = lanes.codings(coders=["accord"])
    with lanes.batch(coder="lead", action="consensus_decision", summary="widen"):
        lanes.remove_coding(layer.id, coder="accord")
        lanes.add_coding(doc.id, code.id, 0, 30, coder="accord")
    newest = lanes.history(limit=2)
    assert [(e.coder, e.action, e.coders) for e in newest] == [
        ("lead", "consensus_decision", ("accord",)),
        ("lead", "consensus", ("accord",)),
    ]
    assert [(c.start, c.end) for c in lanes.codings(coders=["accord"])] == [(0, 30)]
    # neither ana nor ben can touch the layer by hand
    with pytest.raises(NotYours, match="is accord's"):
        lanes.remove_coding(lanes.codings(coders=["accord"])[0].id, coder="ana")
    assert lanes.undo(coder="lead") is not None
    assert [(c.start, c.end) for c in lanes.codings(coders=["accord"])] == [(5, 20)]


def test_placing_a_coding_kept_aside_keeps_its_owner_and_is_the_placers_change(
    lanes: Project,
) -> None:
    doc = lanes.add_document(sample_document())
    code = lanes.create_code("A", coder="lead")
    aside = lanes.set_aside(
        document_name=doc.name, code_id=code.id, coder="ana", start=0, end=3, text="Enq",
        actor="lead",
    )  # fmt: skip
    placed = lanes.place_aside(aside.id, 0, 11, coder="ben")
    assert placed.coder == "ana"
    newest = lanes.history(limit=1)[0]
    assert (newest.coder, newest.action, newest.coders) == ("ben", "place_aside", ("ana",))
    # ana's coding is now in ana's lane: ben placed it but cannot remove it
    with pytest.raises(NotYours):
        lanes.remove_coding(placed.id, coder="ben")
    # ben's undo puts it back aside
    assert lanes.undo(coder="ben") is not None
    assert lanes.codings() == []
    assert [a.coder for a in lanes.codings_aside()] == ["ana"]
    lanes.discard_aside(aside.id, coder="ben")
    assert lanes.history(limit=1)[0].coder == "ben"


def test_a_merge_brings_codings_in_their_owners_lanes_as_the_mergers_change(
    lanes: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source_path = tmp_path_factory.mktemp("source") / "source.db"
    with Project.open(str(source_path)) as source:
        doc = source.add_document(sample_document())
        code = source.create_code("A", coder="ana")
        source.add_coding(doc.id, code.id, 0, 20, coder="ana")
        source.add_coding(doc.id, code.id, 5, 30, coder="ben")
        merge_projects(lanes, [source], coder="lead")
    assert sorted(c.coder for c in lanes.codings()) == ["ana", "ben"]
    newest = lanes.history(limit=1)[0]
    assert (newest.coder, sorted(newest.coders)) == ("lead", ["ana", "ben"])
    assert lanes.undo(coder="ana") is None  # ana did nothing in this project
    assert lanes.undo(coder="lead") is not None
    assert lanes.codings() == []


def test_the_codebook_is_everyones_and_each_edit_is_signed(lanes: Project) -> None:
    doc = lanes.add_document(sample_document())
    a = lanes.create_code("A", coder="ana")
    b = lanes.create_code("B", coder="ben")
    lanes.update_code(a.id, name="A2", coder="ben")
    lanes.move_code(b.id, a.id, coder="carla")
    lanes.add_coding(doc.id, b.id, 0, 10, coder="ana")
    lanes.merge_codes(b.id, a.id, coder="ben")  # moves ana's coding: a codebook decision
    assert [(c.coder, c.code_id) for c in lanes.codings()] == [("ana", a.id)]
    lanes.delete_code(a.id, coder="carla")  # and takes ana's coding with it
    assert lanes.codings() == []
    actions = [(e.coder, e.action) for e in reversed(lanes.history(limit=None))]
    assert actions == [
        ("ana", "create_code"),
        ("ben", "create_code"),
        ("ben", "update_code"),
        ("carla", "move_code"),
        ("ana", "add_coding"),
        ("ben", "merge_codes"),
        ("carla", "delete_code"),
    ]
    # ana's undo cannot take back carla's deletion: it is refused whole ...
    from codage.services import UndoConflict

    with pytest.raises(UndoConflict):
        lanes.undo(coder="ana")
    # ... carla's own undo can
    assert lanes.undo(coder="carla") is not None
    assert [c.path_str for c in lanes.codes()] == ["A2"]
    assert [(c.coder, c.code_id) for c in lanes.codings()] == [("ana", a.id)]


def test_undo_and_redo_take_back_only_ones_own_changes_when_entries_interleave(
    lanes: Project,
) -> None:
    """Three coders interleave adds, removals and memos; each then undoes everything of
    theirs, in any order: the others' codings are exactly as they left them."""
    doc = lanes.add_document(sample_document())
    code = lanes.create_code("A", coder="lead")
    rng = random.Random(15)
    coders = ["ana", "ben", "carla"]
    held: dict[str, dict[int, tuple[int, int]]] = {c: {} for c in coders}
    for _ in range(60):
        who = rng.choice(coders)
        mine = held[who]
        if mine and rng.random() < 0.3:
            coding_id = rng.choice(sorted(mine))
            lanes.remove_coding(coding_id, coder=who)
            del mine[coding_id]
        else:
            start = rng.randrange(0, doc.length - 10)
            span = (start, start + rng.randrange(1, 10))
            if span in mine.values():
                continue
            mine[lanes.add_coding(doc.id, code.id, *span, coder=who).id] = span

    def spans(who: str) -> list[tuple[int, int]]:
        return sorted((c.start, c.end) for c in lanes.codings(coders=[who]))

    final = {c: spans(c) for c in coders}
    assert final == {c: sorted(held[c].values()) for c in coders}
    order = ["ben", "ana", "carla"]
    for who in order:
        undone = 0
        while (entry := lanes.undo(coder=who)) is not None:
            assert entry.coder == who
            undone += 1
        assert spans(who) == []
        assert undone == len(lanes.history(coder=who, limit=None))
        for other in coders:
            if other != who and order.index(other) > order.index(who):
                assert spans(other) == final[other]
    # redo, interleaved one step at a time, brings everyone back exactly
    pending = list(coders)
    while pending:
        who = pending[rng.randrange(len(pending))]
        entry = lanes.redo(coder=who)
        if entry is None:
            pending.remove(who)
        else:
            assert entry.coder == who
    assert {c: spans(c) for c in coders} == final


def test_the_journal_mark_moves_with_every_change_by_anyone_and_only_then(
    lanes: Project,
) -> None:
    doc = lanes.add_document(sample_document())
    code = lanes.create_code("A", coder="lead")
    marks = [lanes.journal_mark()]

    def moved() -> bool:
        marks.append(lanes.journal_mark())
        return marks[-1] != marks[-2]

    lanes.codings()
    lanes.history()
    assert not moved()  # reading changes nothing
    coding = lanes.add_coding(doc.id, code.id, 0, 10, coder="ana")
    assert moved()
    lanes.undo(coder="ana")
    assert moved()
    lanes.redo(coder="ana")
    assert moved()
    lanes.set_coding_memo(coding.id, "note", coder="ana")
    assert moved()
    lanes.update_code(code.id, name="B", coder="ben")
    assert moved()
    lanes.add_document(sample_document("second"))
    assert moved()
    # an undo and the redo of the same entry between two polls leave the very same rows
    before = lanes.journal_mark()
    lanes.undo(coder="ben")
    assert lanes.journal_mark() != before
    lanes.redo(coder="ben")
    assert lanes.journal_mark() == before

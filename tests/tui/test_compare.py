"""Comparison mode: disagreements from hand-made spans, consensus decisions, undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from codage.domain import Coding, NewDocument, Span, Unit
from codage.services import Project
from codage.tui.screens.compare import (
    CONSENSUS,
    CoderView,
    CompareScreen,
    consensus_change,
    find_disagreements,
)
from tests.tui.screens_study import SIZES, HostApp, settle

pytestmark = pytest.mark.anyio


TEXT = "\n".join(
    f"Paragraphe {n} : l'intranet et la messagerie ont changé le travail des agents ici."
    for n in range(1, 41)
)


def c(coder: str, code_id: int, start: int, end: int, id: int = 0) -> Coding:
    return Coding(id, 1, code_id, coder, start, end, "")


# ---------------------------------------------------------------- pure


def test_overlapping_spans_make_one_disagreement_with_its_parts() -> None:
    found = find_disagreements([c("a", 1, 0, 10), c("b", 1, 5, 15)], ["a", "b"])
    assert len(found) == 1
    d = found[0]
    assert d.span == Span(0, 15)
    assert d.parts == ((Span(0, 5), frozenset({"a"})), (Span(10, 15), frozenset({"b"})))
    assert d.version("a") == [Span(0, 10)]
    assert d.union() == [Span(0, 15)]
    assert d.intersection() == [Span(5, 10)]


def test_agreement_is_not_a_disagreement_and_codes_are_apart() -> None:
    codings = [
        c("a", 1, 0, 10),
        c("b", 1, 0, 4),
        c("b", 1, 4, 10),  # the same characters in two codings: agreement
        c("a", 2, 20, 30),  # only a: a disagreement of code 2
        c("b", 2, 40, 50),  # only b, elsewhere: another one
        c("z", 2, 60, 70),  # not a compared coder
    ]
    found = find_disagreements(codings, ["a", "b"])
    assert [(d.code_id, d.span) for d in found] == [(2, Span(20, 30)), (2, Span(40, 50))]
    assert found[0].coded_by == ["a"]
    assert found[0].intersection() == []
    assert found[1].parts == ((Span(40, 50), frozenset({"b"})),)


def test_three_coders() -> None:
    codings = [c("a", 1, 0, 10), c("b", 1, 0, 10), c("c", 1, 5, 12)]
    (d,) = find_disagreements(codings, ["a", "b", "c"])
    assert d.span == Span(0, 12)
    assert d.parts == (
        (Span(0, 5), frozenset({"a", "b"})),
        (Span(10, 12), frozenset({"c"})),
    )
    assert d.intersection() == [Span(5, 10)]
    assert d.matching([Span(0, 10)]) == ["a", "b"]


def test_adjacent_spans_of_two_coders_are_one_stretch() -> None:
    (d,) = find_disagreements([c("a", 1, 0, 10), c("b", 1, 10, 20)], ["a", "b"])
    assert d.span == Span(0, 20)
    assert d.intersection() == []


def test_consensus_change_keeps_what_lies_outside() -> None:
    existing = [c(CONSENSUS, 1, 0, 12, id=7), c(CONSENSUS, 1, 30, 40, id=8)]
    remove, add = consensus_change(existing, Span(8, 20), [Span(10, 15)])
    assert remove == [7]
    assert add == [Span(0, 8), Span(10, 15)]
    assert consensus_change(existing, Span(30, 40), [Span(30, 40)]) == ([], [])


# ---------------------------------------------------------------- screen


def para(n: int) -> Span:
    """Span of paragraph n (1-based)."""
    start = TEXT.index(f"Paragraphe {n} :")
    return Span(start, TEXT.index("\n", start) if n < 40 else len(TEXT))


def words(n: int, phrase: str) -> Span:
    p = para(n)
    start = TEXT.index(phrase, p.start)
    return Span(start, start + len(phrase))


@pytest.fixture
def compared(tmp_path: Path) -> Iterator[tuple[Project, int, dict[str, int]]]:
    project = Project.open(str(tmp_path / "compare.db"))
    units = [Unit("paragraph", para(n).start, para(n).end) for n in range(1, 41)]
    doc = project.add_document(NewDocument("entretien", "interview", TEXT, units=units))
    intranet = project.create_code("Intranet", coder="amelie", colour="#2e7d32")
    messagerie = project.create_code("Messagerie", coder="amelie", colour="#1565c0")
    plan = [
        # 1: same span: agreement
        ("amelie", intranet.id, words(1, "l'intranet")),
        ("bastien", intranet.id, words(1, "l'intranet")),
        # 2: overlapping spans
        ("amelie", intranet.id, words(2, "l'intranet et la messagerie")),
        ("bastien", intranet.id, words(2, "la messagerie ont changé")),
        # 3: only bastien
        ("bastien", messagerie.id, words(3, "la messagerie")),
        # 30: only amelie, far down the document
        ("amelie", messagerie.id, words(30, "le travail des agents")),
    ]
    for coder, code_id, span in plan:
        project.add_coding(doc.id, code_id, span.start, span.end, coder=coder)
    yield project, doc.id, {"intranet": intranet.id, "messagerie": messagerie.id}
    project.close()


def consensus(project: Project, code_id: int) -> list[Span]:
    return sorted(c.span for c in project.codings(code_ids=[code_id], coders=[CONSENSUS]))


@pytest.mark.parametrize("size", SIZES)
async def test_lists_the_disagreements(compared: Any, size: tuple[int, int]) -> None:
    project, doc_id, codes = compared
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        found = [(d.code_id, d.span) for d in screen.disagreements]
        assert found == [
            (codes["intranet"], Span(words(2, "l'intranet").start, words(2, "changé").end)),
            (codes["messagerie"], words(3, "la messagerie")),
            (codes["messagerie"], words(30, "le travail des agents")),
        ]
        assert screen.query_one(DataTable).row_count == 3
        views = screen.views()
        assert len(views) == 3  # two coders and the consensus
        # the first disagreement is selected in every view
        assert all(v.selection == found[0][1] for v in views)


async def test_views_scroll_together(compared: Any) -> None:
    project, doc_id, _ = compared
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = screen.query_one(DataTable)
        table.move_cursor(row=2)  # paragraph 30
        await pilot.pause()
        views = screen.views()
        assert all(v.visible_span().contains(words(30, "le travail")) for v in views)
        views[0].scroll_to(y=0, animate=False, force=True)
        await pilot.pause()
        assert all(v.scroll_offset.y == 0 for v in views[1:])
        assert isinstance(views[0], CoderView)


@pytest.mark.parametrize("size", SIZES)
async def test_decisions_write_the_consensus_and_undo(compared: Any, size: tuple[int, int]) -> None:
    project, doc_id, codes = compared
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    amelie2 = words(2, "l'intranet et la messagerie")
    bastien2 = words(2, "la messagerie ont changé")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("1")  # amelie's version of paragraph 2
        await settle(pilot)
        assert consensus(project, codes["intranet"]) == [amelie2]
        assert screen.consensus_spans(codes["intranet"]) == [amelie2]
        assert screen.current() == 1  # moved on to the next
        assert screen.decisions == {0: "amelie"}

        await pilot.press("n")  # leave paragraph 3 as it is
        await pilot.press("2")  # bastien's (empty) version of paragraph 30
        await settle(pilot)
        assert consensus(project, codes["messagerie"]) == []
        assert screen.decisions == {0: "amelie"}  # nothing to write: no journal entry

        screen.query_one(DataTable).move_cursor(row=0)
        await pilot.pause()
        await pilot.press("u")
        await settle(pilot)
        assert consensus(project, codes["intranet"]) == [Span(amelie2.start, bastien2.end)]

        screen.query_one(DataTable).move_cursor(row=0)
        await pilot.pause()
        await pilot.press("i")
        await settle(pilot)
        assert consensus(project, codes["intranet"]) == [Span(bastien2.start, amelie2.end)]
        assert screen.decisions[0] == "intersection"

        screen.query_one(DataTable).move_cursor(row=2)
        await pilot.pause()
        await pilot.press("1")
        await settle(pilot)
        assert consensus(project, codes["messagerie"]) == [words(30, "le travail des agents")]
        entries = [
            e
            for e in project.history(coder="amelie")
            if not e.undone and e.action == "consensus_decision"
        ]
        assert len(entries) == 4  # one per decision that changed something, the user's own
        assert all(e.coders == (CONSENSUS,) for e in entries)  # touching the consensus only
        assert project.history(coder=CONSENSUS) == []

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert consensus(project, codes["messagerie"]) == []
        assert 2 not in screen.decisions
        assert screen.views()[-1].codings_at(words(30, "le travail").start) == []

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert consensus(project, codes["intranet"]) == [Span(amelie2.start, bastien2.end)]
        assert screen.decisions[0] == "union"
        # the coders' own layers were never touched
        assert len(project.codings(coders=["amelie"])) == 3
        assert len(project.codings(coders=["bastien"])) == 3


async def test_an_earlier_consensus_shows_as_decided(compared: Any) -> None:
    project, doc_id, codes = compared
    span = words(3, "la messagerie")
    project.add_coding(doc_id, codes["messagerie"], span.start, span.end, coder=CONSENSUS)
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert screen.decisions == {1: "bastien"}
        consensus_view = screen.views()[-1]
        assert [c.span for c in consensus_view.codings_at(span.start)] == [span]


async def test_one_coder_is_not_a_comparison(compared: Any) -> None:
    project, doc_id, _ = compared
    screen = CompareScreen(doc_id, ["amelie"])
    app = HostApp(project, screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "two coders" in str(screen.query_one("#compare-status").render())


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    gen = compared.__wrapped__(tmp_path)  # type: ignore[attr-defined]
    project, doc_id, _ = next(gen)
    app = HostApp(project, CompareScreen(doc_id, ["amelie", "bastien"]))

    async def ready(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(120, 30), run_before=ready)
    finally:
        project.close()


@pytest.fixture
def five(tmp_path: Path) -> Iterator[tuple[Project, int, int]]:
    """Five disagreements (paragraphs 1, 5, 10, 20, 35), a third coder, one code."""
    project = Project.open(str(tmp_path / "five.db"))
    units = [Unit("paragraph", para(n).start, para(n).end) for n in range(1, 41)]
    doc = project.add_document(NewDocument("entretien", "interview", TEXT, units=units))
    code = project.create_code("Intranet", coder="amelie")
    for n in (1, 5, 10, 20, 35):
        span = words(n, "l'intranet")
        project.add_coding(doc.id, code.id, span.start, span.end, coder="amelie")
        project.add_coding(doc.id, code.id, span.start, span.end + 7, coder="bastien")
    for n in (2, 3):
        span = words(n, "la messagerie")
        project.add_coding(doc.id, code.id, span.start, span.end, coder="chloe")
    yield project, doc.id, code.id
    project.close()


@pytest.mark.parametrize("size", SIZES)
async def test_deciding_moves_on_and_next_skips_none(five: Any, size: tuple[int, int]) -> None:
    project, doc_id, code_id = five
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert len(screen.disagreements) == 5
        assert screen.current() == 0
        await pilot.press("1")  # decide #1
        await settle(pilot)
        assert screen.current() == 1
        await pilot.press("n")
        await settle(pilot)
        assert screen.current() == 2
        await pilot.press("2")  # decide #3
        await settle(pilot)
        assert screen.current() == 3
        await pilot.press("u")  # decide #4
        await settle(pilot)
        assert screen.current() == 4
        await pilot.press("n")  # the last: stays
        await settle(pilot)
        assert screen.current() == 4
        assert screen.decisions == {0: "amelie", 2: "bastien", 3: "union"}
        wider = words(10, "l'intranet")
        assert consensus(project, code_id) == [
            words(1, "l'intranet"),
            Span(wider.start, wider.end + 7),
            Span(words(20, "l'intranet").start, words(20, "l'intranet").end + 7),
        ]
        # every view shows the focused disagreement
        assert all(v.selection == screen.disagreements[4].span for v in screen.views())
        # the journal names whose version was taken and whose left
        summaries = [e.summary for e in project.history(coder="amelie")]
        assert any("amelie's version taken, bastien's left" in s for s in summaries)
        assert any("bastien's version taken, amelie's left" in s for s in summaries)
        assert any("union of amelie, bastien" in s for s in summaries)


async def test_choose_the_coders_to_compare(five: Any) -> None:
    project, doc_id, _ = five
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        from textual.widgets import SelectionList

        picker = app.screen
        options = picker.query_one(SelectionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["amelie — 5 codings", "bastien — 5 codings", "chloe — 2 codings"]
        await pilot.press("space")  # amelie off
        await pilot.press("down", "down", "space")  # chloe on
        await pilot.press("enter")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.coders == ["bastien", "chloe"]
        assert len(compare.disagreements) == 7


async def test_undo_in_comparison_takes_back_decisions_only(compared: Any) -> None:
    """ctrl+z here undoes the user's consensus decisions, never their own coding work."""
    project, doc_id, codes = compared
    mine = len(project.codings(coders=["amelie"]))
    screen = CompareScreen(doc_id, ["amelie", "bastien"])
    app = HostApp(project, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert consensus(project, codes["intranet"]) != []
        notes = [n.message for n in app._notifications]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert consensus(project, codes["intranet"]) == []
        notes = [n.message for n in app._notifications][len(notes) :]
        assert any("«" in n and "[" not in n.split("«")[0] for n in notes), notes
        await pilot.press("ctrl+z")  # nothing of the kind left: amelie's codings stay
        await settle(pilot)
        assert len(project.codings(coders=["amelie"])) == mine

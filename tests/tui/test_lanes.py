"""Each coder's lane in the workbench, the two coders shown, and codings kept aside:
driven with Pilot on a real SQLite project where another coder has codings and memos."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, SelectionList, TextArea

from codage.config import load_settings
from codage.domain import Span
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.aside import AsideScreen
from codage.tui.screens.coder_pair import CoderPairPicker, default_pair
from codage.tui.screens.compare import CompareScreen
from codage.tui.screens.dialogs import Choice, Confirm, MemoEditor, TextPrompt
from codage.tui.screens.help import HelpScreen
from codage.tui.widgets.code_picker import CodePicker
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.workbench_project import ME, OTHER, build_project

pytestmark = pytest.mark.anyio

SIZES = [(80, 24), (160, 48)]
THIRD = "chloe"


@pytest.fixture
def location(tmp_path: Path) -> str:
    """The workbench project, where bob has several codings (one with a memo) that overlap
    alice's, a third coder has some, and a merge kept one of bob's codings aside."""
    path = build_project(tmp_path / "lanes.db")
    with Project.open(str(path), create=False) as p:
        doc = next(d for d in p.documents() if d.kind == "interview")
        text = p.document(doc.id).text
        codes = {c.name: c.id for c in p.codes()}
        for phrase, code in (
            ("Au début, personne ne le lisait. Puis la crise", "Intranet"),
            ("Comment l'intranet a-t-il changé", "Intranet"),
            ("La messagerie déborde", "Messagerie"),
            ("Le télétravail a tout changé pour l'équipe.", "Télétravail"),
        ):
            start = text.index(phrase)
            coding = p.add_coding(doc.id, codes[code], start, start + len(phrase), coder=OTHER)
        p.set_coding_memo(coding.id, "Note de bob", coder=OTHER)
        for phrase in ("la crise sanitaire", "deux demi-journées", "cent courriels"):
            start = text.index(phrase)
            p.add_coding(doc.id, codes["Formation"], start, start + len(phrase), coder=THIRD)
        old = "Les réunions se font en visio."
        p.set_aside(
            document_name=doc.name,
            document_id=doc.id,
            code_id=codes["Télétravail"],
            coder=OTHER,
            start=text.index("Les réunions"),
            end=text.index("Les réunions") + len(old),
            text=old,
            source="bob.db",
            reason="the passage is not in the target's text (best match 70%)",
            actor="lead",
        )
    return str(path)


@pytest.fixture
def store(location: str) -> Iterator[Project]:
    project = Project.open(location, create=False)
    yield project
    project.close()


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_interview(pilot: Pilot[None], store: Project) -> TranscriptView:
    app = pilot.app
    assert isinstance(app, CodageApp)
    await settle(pilot)
    doc = next(d for d in store.documents() if d.kind == "interview")
    app.open_document(doc.id)
    await settle(pilot)
    return app.workbench.view


def lane_of(store: Project, coder: str) -> list[tuple[Any, ...]]:
    """Everything of a coder's codings: rows (with memo and times) and memos on them."""
    rows = [
        (c.id, c.document_id, c.code_id, c.start, c.end, c.text, c.memo, c.created_at, c.updated_at)
        for c in store.codings(coders=[coder])
    ]
    memos = [
        (m.id, m.target, m.target_id, m.text)
        for c in store.codings(coders=[coder])
        for m in store.memos("coding", c.id)
    ]
    return [*rows, *memos]


# ---------------------------------------------------------------------- pure


def test_default_pair_is_the_two_with_most_codings_never_an_idle_me() -> None:
    assert default_pair({"bob": 3, "chloe": 5, "alice": 1}, "alice") == ["chloe", "bob"]
    # the current coder with codings in the pair goes on the left
    assert default_pair({"bob": 3, "alice": 5}, "alice") == ["alice", "bob"]
    assert default_pair({"bob": 3, "alice": 3}, "alice") == ["alice", "bob"]
    assert default_pair({"bob": 3, "chloe": 1, "alice": 0}, "alice") == ["bob", "chloe"]
    # a remembered pair where both coded, in its order; else filled from the counts
    assert default_pair({"bob": 3, "chloe": 1, "alice": 9}, "alice", ["chloe", "bob"]) == [
        "chloe",
        "bob",
    ]
    assert default_pair({"bob": 3, "alice": 9}, "alice", ["chloe", "bob"]) == ["bob", "alice"]
    assert default_pair({"consensus": 9, "bob": 1, "alice": 1}, "alice") == ["alice", "bob"]
    assert default_pair({"bob": 1}, "alice") == ["bob"]


# ---------------------------------------------------------------------- lanes


@pytest.mark.parametrize("size", SIZES)
async def test_x_and_m_on_another_coders_coding(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    before = lane_of(store, OTHER)
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        await pilot.press("l")  # all coders
        await settle(pilot)
        text = view.document.text  # type: ignore[union-attr]
        # only bob's coding here: nothing is offered, a line says why
        view.jump_to(text.index("l'équipe"))
        await pilot.pause()
        assert {c.coder for c in view.codings_at(view.cursor)} == {OTHER}
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is app.workbench
        notes = [n.message for n in app._notifications]
        assert any("Coded by bob" in n for n in notes)
        # alice's and bob's codings here: only alice's is offered, and goes
        view.jump_to(text.index("personne ne"))
        await pilot.pause()
        assert {c.coder for c in view.codings_at(view.cursor)} == {ME, OTHER}
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, Choice)
        assert not [c for c in store.codings(coders=[ME]) if c.start <= view.cursor < c.end]
        # bob's memo can be read, not written
        view.jump_to(text.index("l'équipe"))
        await pilot.press("m")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, MemoEditor)
        area = editor.query_one(TextArea)
        assert area.read_only and area.text == "Note de bob"
        assert "read only" in str(editor.query_one(".dialog-title").render())
        await pilot.press("z", "ctrl+s")
        await settle(pilot)
        assert app.screen is app.workbench
    assert lane_of(store, OTHER) == before


@pytest.mark.parametrize("seed", [7, 2026])
async def test_random_keys_never_change_another_coders_codings(
    location: str, store: Project, seed: int
) -> None:
    """A seeded random walk over the workbench's keys; bob's lane stays byte for byte."""
    before = {coder: lane_of(store, coder) for coder in (OTHER, THIRD)}
    rng = random.Random(seed)
    moves = ["right", "left", "down", "up", "shift+right", "shift+down", "s", "t", "escape"]
    actions = ["c", "x", "x", "m", "m", "ctrl+z", "ctrl+y", "l", "l"]
    app = CodageApp(location, ME)
    tried = {"x_on_other": 0, "m_on_other": 0, "coded": 0}
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_interview(pilot, store)
        text = view.document.text  # type: ignore[union-attr]
        for step in range(90):
            if step % 6 == 0:  # land inside the others' codings now and then
                view.jump_to(rng.choice([text.index("personne"), text.index("l'équipe")]))
            key = rng.choice(actions) if rng.random() < 0.45 else rng.choice(moves)
            here = {c.coder for c in view.codings_at(view.cursor)}
            if key == "x" and here - {ME}:
                tried["x_on_other"] += 1
            if key == "m" and here - {ME}:
                tried["m_on_other"] += 1
            await pilot.press(key)
            await settle(pilot)
            # answer whatever dialog the key opened
            for _ in range(3):
                screen = app.screen
                if isinstance(screen, CodePicker):
                    await pilot.press(*rng.choice(["form", "intra", "tele"]), "enter")
                    tried["coded"] += 1
                elif isinstance(screen, Choice):
                    await pilot.press(rng.choice(["enter", "down"]), "enter")
                elif isinstance(screen, MemoEditor):
                    await pilot.press("n", "o", "t", "e", "ctrl+s")
                elif isinstance(screen, TextPrompt | Confirm):
                    await pilot.press("escape")
                else:
                    break
                await settle(pilot)
            if app.screen is app.workbench and app.focused is not view:
                view.focus()
    assert tried["x_on_other"] and tried["m_on_other"] and tried["coded"], tried
    for coder, lane in before.items():
        assert lane_of(store, coder) == lane, coder


async def test_deleting_or_merging_a_code_names_the_other_coders_whose_codings_go(
    location: str, store: Project
) -> None:
    from codage.tui.widgets.codebook_tree import CodebookTree

    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        tree = app.screen.query_one(CodebookTree)
        await pilot.press("g")
        tree.select_code(store.code("Outils").id)
        await pilot.pause()
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".dialog-question").render())
        assert "other coders' codings: bob (3)" in question
        await pilot.press("n")
        await settle(pilot)
        # merging moves bob's codings too: the question says so
        tree.select_code(store.code("Outils/Messagerie").id)
        await pilot.pause()
        await pilot.press("M")
        tree.select_code(store.code("Outils/Intranet").id)
        await pilot.pause()
        await pilot.press("G")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".dialog-question").render())
        assert "Other coders' codings follow too: bob (1)" in question
        await pilot.press("n")
        await settle(pilot)
        assert len(store.codings(coders=[OTHER])) == 5


# ---------------------------------------------------------------------- the two coders


@pytest.mark.parametrize("size", SIZES)
async def test_choose_the_two_coders_remembered_for_the_project(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        # default: bob (5) and chloe (3) have most codings here; alice (1) is not shown
        assert app.workbench.current_pair() == [OTHER, THIRD]
        await pilot.press("L")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CoderPairPicker)
        options = picker.query_one(SelectionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["bob — 5 codings", "chloe — 3 codings", "alice — 1 codings"]
        await pilot.press("enter")  # two chosen already: kept as they are
        await pilot.pause()
        assert app.screen is app.workbench
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("down", "space")  # chloe off: only one, Enter refuses
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CoderPairPicker)
        await pilot.press("down", "space", "enter")  # alice on
        await settle(pilot)
        assert app.workbench.current_pair() == [OTHER, ME]
        assert list(load_settings().pairs.values()) == [[OTHER, ME]]
        await pilot.press("l", "l")  # all coders, then side by side
        await settle(pilot)
        other = app.workbench.other_view
        assert other.display
        assert {c.coder for c in view.codings} == {OTHER}
        assert {c.coder for c in other.codings} == {ME}
        await pilot.press("v")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.coders == [OTHER, ME]
    # a new session on the same project starts with the remembered pair
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        await open_interview(pilot, store)
        assert app.workbench.current_pair() == [OTHER, ME]


async def test_new_keys_are_in_help_and_palette(location: str, store: Project) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = [
            tuple(str(cell) for cell in table.get_row_at(i))
            for table in app.screen.query(DataTable)
            for i in range(table.row_count)
        ]
        assert ("A", "Kept aside", "aside") in rows
        assert ("L", "Choose two coders", "choose_pair") in rows
        await pilot.press("escape")
        await pilot.pause()
        from codage.tui.commands import WorkbenchCommands

        provider = WorkbenchCommands(app.workbench)
        titles = [title for title, _, _ in provider._entries()]
        assert "Kept aside  (A)" in titles
        assert "Choose two coders  (L)" in titles


# ---------------------------------------------------------------------- kept aside


@pytest.mark.parametrize("size", SIZES)
async def test_aside_list_places_on_the_suggestion_and_undoes(
    location: str, store: Project, size: tuple[int, int]
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=size) as pilot:
        view = await open_interview(pilot, store)
        text = view.document.text  # type: ignore[union-attr]
        await pilot.press("A")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AsideScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        (item,) = screen.items
        assert item.aside.text == "Les réunions se font en visio."
        assert item.match is not None
        assert screen.text[item.match.start : item.match.end] == "Les réunions sont en visio."
        detail = str(screen.query_one("#aside-detail").render())
        assert "Les réunions se font en visio." in detail
        assert "Les réunions sont en visio." in detail
        await pilot.press("p")
        await settle(pilot)
        placed = [c for c in store.codings(coders=[OTHER]) if c.text.startswith("Les réunions")]
        assert [(c.start, c.end) for c in placed] == [(item.match.start, item.match.end)]
        assert store.codings_aside() == [] and table.row_count == 0
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not [c for c in store.codings(coders=[OTHER]) if c.text.startswith("Les réu")]
        assert [a.text for a in store.codings_aside()] == [item.aside.text]
        assert table.row_count == 1
        # discard, and back in the workbench ctrl+z brings it back too
        await pilot.press("d")
        await settle(pilot)
        assert store.codings_aside() == []
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.workbench
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert len(store.codings_aside()) == 1
        # placing on the selection
        start = text.index("Les réunions")
        view.jump_to(Span(start, start + len("Les réunions")))
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        placed = [c for c in store.codings(coders=[OTHER]) if c.start == start]
        assert [c.text for c in placed] == ["Les réunions"]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("l")  # all coders: the placed coding shows in the transcript
        await settle(pilot)
        assert any(c.coder == OTHER for c in view.codings_at(start + 1))


# ---------------------------------------------------------------------- snapshots


@pytest.mark.parametrize(("language", "key"), [("en", "A"), ("fr", "A"), ("fr", "L")])
def test_snapshot_aside_and_pair(snap_compare, location: str, language: str, key: str) -> None:  # type: ignore[no-untyped-def]
    from codage import i18n

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, CodageApp)
        await settle(pilot)
        doc = next(d for d in app.project.documents() if d.kind == "interview")
        app.open_document(doc.id)
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    app = CodageApp(location, ME, language=language)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        i18n.set_language(None)

"""Applying a code with the picker: the fast path shows exactly what reading again shows.

The workbench keeps one picker, holds it open until the coding is stored, and updates what it
shows from the coding itself (see codage.tui.screens.workbench_apply). These tests drive the
real app on a real SQLite project and hold that path to what a full reload of the project and
the document would show, to the store's own record, and to undo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from codage.i18n import t
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.workbench import WorkbenchScreen
from codage.tui.screens.workbench_workers import POLL_SECONDS
from codage.tui.widgets.code_picker import CodePicker
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.test_transcript_view import style_at
from tests.tui.test_workbench import location, open_interview, settle, store
from tests.tui.workbench_project import ME, OTHER

# the fixtures this module takes from the workbench's tests
__all__ = ["location", "store"]

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def workbench_on(
    location: str, store: Project
) -> AsyncIterator[tuple[CodageApp, Pilot[None], TranscriptView]]:
    """The app on ``location`` as coder ME, the interview open."""
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        yield app, pilot, await open_interview(pilot, store)


def shown(screen: WorkbenchScreen) -> dict[str, object]:
    """Everything the workbench shows that a coding changes, as plain values."""
    tree = screen.query_one(CodebookTree)
    options = screen.query_one("#documents", OptionList)
    view = screen.view
    return {
        "codings": [(c.id, c.code_id, c.coder, c.start, c.end, c.text) for c in view.codings],
        "lines": [view.render_line(y).text for y in range(view.scrollable_content_region.height)],
        "tree": [str(node.label) for node in tree._code_nodes.values()],
        "documents": [
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        ],
        "title": str(screen.query_one("#document-title", Static).render()),
        "panel": str(screen.query_one("#cursor-panel", Static).render()),
    }


async def pick(pilot: Pilot[None], view: TranscriptView, sentence: str, code: str) -> None:
    """Select the sentence starting with ``sentence``, open the picker, type, Enter."""
    start = view.document.text.index(sentence)  # type: ignore[union-attr]
    view.jump_to(start)
    await pilot.press("s", "c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CodePicker)
    await pilot.press(*code, "enter")


async def test_a_picked_code_is_stored_journaled_and_shown_as_a_reload_shows_it(
    location: str, store: Project
) -> None:
    async with workbench_on(location, store) as (app, pilot, view):
        screen = app.workbench
        start = view.document.text.index("La messagerie déborde")  # type: ignore[union-attr]
        plain = style_at(view, start + 2)
        before = store.history(coder=ME, limit=1)
        await pick(pilot, view, "La messagerie déborde", "messag")
        await settle(pilot)

        # closed, stored once, journaled as this coder's step
        assert app.screen is screen
        stored = [c for c in store.codings(coders=[ME]) if c.start == start]
        assert len(stored) == 1 and store.code(stored[0].code_id).name == "Messagerie"
        entry = store.history(coder=ME, limit=1)[0]
        assert entry.action == "add_coding" and (not before or entry.id != before[0].id)
        # shown: the tint, the count, the recent code, the toast after the repaint
        view.jump_to(start)  # drop the selection so the tint shows as it is
        await pilot.pause()
        assert style_at(view, start + 2).bgcolor != plain.bgcolor
        assert stored[0].id in [c.id for c in view.codings]
        assert app.recent_codes[0] == stored[0].code_id
        coded = t("tui.coded", code=store.code(stored[0].code_id).path_str)
        assert coded in [n.message for n in app._notifications]

        # what the screen worked out from the coding is what reading all again shows
        fast = shown(screen)
        screen.load_project()
        screen.reload_codings(view.document.id)  # type: ignore[union-attr]
        await settle(pilot)
        assert shown(screen) == fast

        # and undo takes it back, on screen and in the store
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not [c for c in store.codings(coders=[ME]) if c.start == start]
        assert not view.codings_at(start + 2)
        assert style_at(view, start + 2).bgcolor == plain.bgcolor


async def test_the_picker_is_kept_and_opens_anew_with_the_recent_code_first(
    location: str, store: Project
) -> None:
    async with workbench_on(location, store) as (app, pilot, view):
        mine = len(store.codings(coders=[ME]))
        await pick(pilot, view, "Au début", "intran")
        await settle(pilot)
        first = app.workbench._picker
        assert first is not None and not first.pending
        await pick(pilot, view, "Les réunions", "telet")
        await settle(pilot)
        intranet = next(c for c in store.codes() if c.name == "Intranet")
        view.jump_to(view.document.text.index("Puis la crise"))  # type: ignore[union-attr]
        await pilot.press("s", "c")
        await pilot.pause()
        picker = app.screen
        assert picker is first  # the same screen, not composed again
        assert isinstance(picker, CodePicker)
        assert picker.query_one("#picker-query").value == ""  # type: ignore[attr-defined]
        recent = [code.name for code in picker._shown[:2]]
        assert recent == ["Télétravail", intranet.name]  # latest first
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.workbench
        assert len(store.codings(coders=[ME])) == mine + 2  # Escape stored nothing


async def test_a_refused_coding_closes_the_picker_and_says_why(
    location: str, store: Project
) -> None:
    async with workbench_on(location, store) as (app, pilot, view):
        await pick(pilot, view, "Nous avons eu", "format")
        await settle(pilot)
        count = len(view.codings)
        # the same code on the same sentence: the store refuses a duplicate
        await pick(pilot, view, "Nous avons eu", "format")
        await settle(pilot)
        assert app.screen is app.workbench
        assert len(view.codings) == count
        start = view.document.text.index("Nous avons eu")  # type: ignore[union-attr]
        assert len([c for c in store.codings(coders=[ME]) if c.start == start]) == 1
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert any("already coded" in w for w in warnings)


async def test_own_codings_leave_nothing_for_the_poll_to_read_again(
    location: str, store: Project
) -> None:
    async with workbench_on(location, store) as (app, pilot, view):
        screen = app.workbench
        await pick(pilot, view, "Le télétravail a tout", "telet")
        await settle(pilot)
        # the worker took the journal's new mark after its own step
        assert screen._journal_mark == store.journal_mark()
        # a step of another coder still moves it: the poll reads that one again
        other = store.codes()[0]
        doc = view.document
        assert doc is not None
        made = store.add_coding(doc.id, other.id, 0, 10, coder=OTHER)
        assert screen._journal_mark != store.journal_mark()
        screen.poll_journal()
        await settle(pilot)
        assert screen._journal_mark == store.journal_mark()
        assert made.id in [c.id for c in screen._codings]


async def test_no_poll_while_a_dialog_covers_the_workbench(location: str, store: Project) -> None:
    async with workbench_on(location, store) as (app, pilot, view):
        screen = app.workbench
        view.jump_to(0)
        await pilot.press("s", "c")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        doc = view.document
        assert doc is not None
        made = store.add_coding(doc.id, store.codes()[0].id, 0, 10, coder=OTHER)
        await pilot.pause(2.5 * POLL_SECONDS)
        await settle(pilot)
        assert made.id not in [c.id for c in screen._codings]  # not read under the dialog
        await pilot.press("escape")
        await pilot.pause(2.5 * POLL_SECONDS)
        await settle(pilot)
        assert made.id in [c.id for c in screen._codings]  # read once back on top

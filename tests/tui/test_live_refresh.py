"""The workbench shows what other coders do while it is open: it polls the journal in a
worker and reloads through the incremental refresh, leaving the cursor, the selection and
the scroll where the user put them. Driven with Pilot on a real SQLite project, the other
coder writing through a Project handle of their own, as another process would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from codage.domain import Span
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.workbench_workers import POLL_SECONDS
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.workbench_project import ME, build_project

pytestmark = pytest.mark.anyio

OTHER_CODER = "dora"


@pytest.fixture
def location(tmp_path: Path) -> str:
    return str(build_project(tmp_path / "live.db"))


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool]) -> bool:
    """Let the app run (polls included) until ``condition`` holds or four polls went by."""
    deadline = 4 * POLL_SECONDS
    waited = 0.0
    while not condition() and waited < deadline:
        await pilot.pause(0.1)
        waited += 0.1
    await settle(pilot)
    return condition()


def row_text(view: TranscriptView, offset: int) -> str:
    cell = view.cell_of(offset)
    assert cell is not None, f"offset {offset} is not on screen"
    return view.render_line(cell[1]).text


def cell_style(view: TranscriptView, offset: int) -> object:
    cell = view.cell_of(offset)
    assert cell is not None
    x, y = cell
    position = 0
    for segment in view.render_line(y):
        if position <= x < position + segment.cell_length:
            return segment.style
        position += segment.cell_length
    raise AssertionError(f"no cell at {x}")


async def test_a_coding_another_coder_adds_appears_and_nothing_of_mine_moves(
    location: str,
) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.workbench
        with Project.open(location, create=False) as peek:
            doc = next(d for d in peek.documents() if d.kind == "interview")
            text = peek.document(doc.id).text
            code = next(c for c in peek.codes() if c.name == "Messagerie")
        screen.open_document(doc.id)
        await settle(pilot)
        while screen._layer != "all":  # everyone's codings, as a team lead reads
            await pilot.press("l")
        await settle(pilot)
        view = screen.view
        view.focus()
        # the user's place: a selection in the second turn
        chosen = text.index("Maintenant tout le monde")
        view.jump_to(Span(chosen, chosen + 24))
        await settle(pilot)
        mine = (view.cursor, view.selection, view.scroll_offset, screen.tree.cursor_line)
        phrase = "Et la formation ?"
        start = text.index(phrase)
        assert view.codings_at(start) == []
        plain = cell_style(view, start)
        assert "Messagerie" not in row_text(view, start)

        # another coder, from a handle of their own
        with Project.open(location, create=False) as other:
            added = other.add_coding(doc.id, code.id, start, start + len(phrase), coder=OTHER_CODER)
        assert await wait_until(pilot, lambda: any(c.id == added.id for c in view.codings))
        assert "Messagerie" in row_text(view, start)  # the margin names it
        assert cell_style(view, start) != plain  # and its colour is drawn
        assert (view.cursor, view.selection, view.scroll_offset, screen.tree.cursor_line) == mine
        assert app.focused is view

        # their undo takes it away again, as seen from here
        with Project.open(location, create=False) as other:
            assert other.undo(coder=OTHER_CODER) is not None
        assert await wait_until(pilot, lambda: all(c.id != added.id for c in view.codings))
        assert cell_style(view, start) == plain
        assert (view.cursor, view.selection, view.scroll_offset, screen.tree.cursor_line) == mine


async def test_a_poll_that_finds_nothing_new_changes_nothing(location: str) -> None:
    app = CodageApp(location, ME)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.workbench
        mark = screen._journal_mark
        assert mark is not None
        reloads: list[object] = []
        original = screen.load_project

        def counting(*args: object, **kwargs: object) -> object:
            reloads.append(args)
            return original(*args, **kwargs)

        screen.load_project = counting  # type: ignore[method-assign]
        await pilot.pause(3 * POLL_SECONDS)
        await settle(pilot)
        assert reloads == [] and screen._journal_mark == mark

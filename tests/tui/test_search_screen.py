"""The corpus search screen driven with Pilot on a real SQLite project: search, jump,
auto-code after a preview, and one undo that takes the auto-coding back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Select, Static

from codage.services import Project
from codage.services.search import search_corpus
from codage.tui.screens.dialogs import Confirm
from codage.tui.screens.search import SearchScreen
from codage.tui.widgets.code_picker import CodePicker
from tests.tui.screens_study import HostApp, build_project, settle

pytestmark = pytest.mark.anyio


async def searched(pilot: Any, screen: SearchScreen, query: str) -> None:
    field = screen.query_one("#search-query", Input)
    field.focus()
    field.value = ""
    await pilot.press(*query, "enter")
    await settle(pilot)


async def test_search_lists_the_hits_of_the_service(study: Project) -> None:
    screen = SearchScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await searched(pilot, screen, "messagerie")
        expected = search_corpus(study, "messagerie")
        assert [(h.document_id, h.start, h.end) for h in screen.hit_rows()] == [
            (h.document_id, h.start, h.end) for h in expected.hits
        ]
        assert len(screen.hit_rows()) == 4
        assert screen.query_one("#search-hits", OptionList).option_count == 4
        status = str(screen.query_one("#search-status", Static).render())
        assert "4 hit(s)" in status
        # documents in the project's order (by name): the survey, then the interviews
        assert screen.hit_rows()[0].case is not None and screen.hit_rows()[0].case.name == "R3"
        first = next(h for h in screen.hit_rows() if h.document == "entretien-a")
        assert first.speaker == "ENQ" and first.case is not None and first.case.name == "DSI-01"


async def test_a_bad_regex_is_one_line_on_screen(study: Project) -> None:
    screen = SearchScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen.query_one("#search-mode", Select).value = "regex"
        await searched(pilot, screen, "(oops")
        status = screen.query_one("#search-status", Static)
        assert status.has_class("error")
        assert "not a valid regular expression" in str(status.render())


async def test_enter_jumps_to_the_hit(study: Project) -> None:
    screen = SearchScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await searched(pilot, screen, "télétravail")
        hits = screen.hit_rows()
        assert len(hits) == 2
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.opened == [(hits[1].document_id, (hits[1].start, hits[1].end))]
        assert app.screen is not screen


@pytest.mark.parametrize(("key", "unit"), [("ctrl+a", False), ("ctrl+u", True)])
async def test_auto_code_after_preview_then_one_undo(study: Project, key: str, unit: bool) -> None:
    before = {c.id for c in study.codings()}
    screen = SearchScreen("messagerie")
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(screen.hit_rows()) == 4
        screen.query_one("#search-hits", OptionList).focus()
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"Formation", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        # the preview says how many and shows the first passages; nothing written yet
        question = str(app.screen.query_one(".dialog-question").render())
        assert "4 passage(s)" in question and "enquete-agents" in question
        assert {c.id for c in study.codings()} == before
        await pilot.press("y")
        await settle(pilot)
        added = [c for c in study.codings() if c.id not in before]
        assert len(added) == 4 and all(c.automatic and c.coder == "amelie" for c in added)
        hits = screen.hit_rows()
        if unit:
            spans = {(h.document_id, h.unit.start, h.unit.end) for h in hits if h.unit}
        else:
            spans = {(h.document_id, h.start, h.end) for h in hits}
        assert {(c.document_id, c.start, c.end) for c in added} == spans
        assert study.history(limit=1)[0].action == "autocode"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert {c.id for c in study.codings()} == before


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    screen = SearchScreen("intranet")
    app = HostApp(project, screen)

    async def ready(pilot: Any) -> None:
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
    finally:
        project.close()

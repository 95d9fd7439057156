"""The pseudonymisation review screen on a real project, driven with Pilot (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from codage.services import Project
from codage.tui.screens.pseudonyms import PseudonymScreen
from tests.tui.screens_study import HostApp, build_project, settle

pytestmark = pytest.mark.anyio


def names(screen: PseudonymScreen) -> list[str]:
    return [e.name for e in screen.entries]


async def test_review_toggle_edit_and_save(study: Project) -> None:
    screen = PseudonymScreen("amelie")
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        # no map yet: the screen proposes one, found by the NER in the texts
        assert "Durand" in names(screen)
        assert study.pseudonyms() == []
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.entries)
        row = names(screen).index("Durand")
        table.move_cursor(row=row)
        await pilot.press("e")
        editor = screen.query_one("#pseudo-edit", Input)
        assert editor.has_focus
        editor.value = ""
        await pilot.press(*"[Cheffe 1]", "enter")
        assert screen.entries[row].replacement == "[Cheffe 1]"
        other = next(i for i, n in enumerate(names(screen)) if n != "Durand")
        table.move_cursor(row=other)
        was = screen.entries[other].keep
        await pilot.press("space")
        dropped = screen.entries[other]
        assert dropped.keep is (not was)
        await pilot.press("ctrl+s")
        await settle(pilot)
    stored = {p.name: p for p in study.pseudonyms()}
    assert stored["Durand"].replacement == "[Cheffe 1]" and stored["Durand"].keep
    assert stored[dropped.name].keep == dropped.keep
    # one change in the coder's history: one undo takes the map back
    study.undo(coder="amelie")
    assert study.pseudonyms() == []


async def test_reopened_on_the_stored_map(study: Project) -> None:
    first = PseudonymScreen("amelie")
    async with HostApp(study, first).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = [(p.key, p.replacement) for p in study.pseudonyms()]
    assert saved
    again = PseudonymScreen("amelie")
    async with HostApp(study, again).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert sorted((e.key, e.replacement) for e in again.entries) == sorted(saved)


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    app = HostApp(project, PseudonymScreen("amelie"))

    async def ready(pilot: Any) -> None:
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 24), run_before=ready)
    finally:
        project.close()

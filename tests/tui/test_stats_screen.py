"""The statistics screen on a real project: every table against counts made by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Select, TabbedContent

from codage.services import Project
from codage.tui.screens.stats import StatsScreen
from tests.tui.screens_study import SIZES, HostApp, build_project, settle

pytestmark = pytest.mark.anyio


def column_labels(screen: StatsScreen, tab: str) -> list[str]:
    table = screen.query_one(f"#stats-{tab}", DataTable)
    return [str(c.label) for c in table.columns.values()]


def name(cell: str) -> str:
    return cell.strip().removeprefix("■ ").strip()


def by_code(rows: list[list[str]]) -> dict[str, list[str]]:
    return {name(row[0]): row[1:] for row in rows}


@pytest.mark.parametrize("size", SIZES)
async def test_frequencies(study: Project, size: tuple[int, int]) -> None:
    screen = StatsScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        rows = by_code(screen.table_rows("frequencies"))
        # codings, documents, cases, coders (sub-codes count for themselves)
        assert rows["Outils"][:4] == ["1", "1", "1", "1"]
        assert rows["Intranet"][:4] == ["5", "3", "4", "2"]
        assert rows["Messagerie"][:4] == ["3", "3", "3", "2"]
        assert rows["Formation"][:4] == ["2", "2", "2", "2"]
        assert screen.query_one(DataTable).row_count == 4


async def test_code_by_document(study: Project) -> None:
    screen = StatsScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert screen.query_one(TabbedContent).active == "documents"
        table = screen.query_one("#stats-documents", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers[1:] == ["enquete-agents", "entretien-a", "entretien-b", "Total"]
        rows = by_code(screen.table_rows("documents"))
        assert rows["Intranet (Outils)"] == ["2", "2", "1", "5"]
        assert rows["Messagerie (Outils)"] == ["1", "1", "1", "3"]
        assert rows["Formation"] == ["1", "0", "1", "2"]
        assert rows["Outils"] == ["0", "1", "0", "1"]


async def test_code_by_attribute_with_chooser_and_measure(study: Project) -> None:
    screen = StatsScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        select = screen.query_one("#stats-attribute", Select)
        assert screen.attribute == "grade"  # the first attribute, by name
        rows = by_code(screen.table_rows("attributes"))
        headers = [
            str(c.label) for c in screen.query_one("#stats-attributes", DataTable).columns.values()
        ]
        assert headers[1:] == ["A", "C"]
        assert rows["Intranet (Outils)"] == ["0", "2"]
        assert rows["Formation"] == ["1", "0"]

        select.value = "type"
        await pilot.pause()
        rows = by_code(screen.table_rows("attributes"))
        headers = [
            str(c.label) for c in screen.query_one("#stats-attributes", DataTable).columns.values()
        ]
        assert headers[1:] == ["Commune", "Région"]
        # DSI-01 (Région) holds two Intranet codings, R1 (Région) one; DSI-02 and R3 one each
        assert rows["Intranet (Outils)"] == ["2", "3"]

        screen.query_one("#stats-attributes", DataTable).focus()
        await pilot.press("m")
        rows = by_code(screen.table_rows("attributes"))
        assert screen.measure == "cases"
        assert rows["Intranet (Outils)"] == ["2", "2"]  # DSI-02, R3 | DSI-01, R1


async def test_cooccurrence(study: Project) -> None:
    screen = StatsScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        rows = {(name(r[0]), name(r[1])): (r[2], r[3]) for r in screen.table_rows("cooccurrence")}
        # "deux demi-journées de formation" overlaps "formation à l'intranet"
        assert rows[("Intranet (Outils)", "Formation")] == ("1", "1")
        # same turn or answer, no overlap
        assert rows[("Outils", "Messagerie (Outils)")] == ("0", "1")
        assert rows[("Intranet (Outils)", "Messagerie (Outils)")] == ("0", "1")


async def test_empty_project_says_so(tmp_path: Path) -> None:
    project = Project.open(str(tmp_path / "empty.db"))
    try:
        screen = StatsScreen()
        app = HostApp(project, screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            status = str(screen.query_one("#stats-status").render())
            assert "No coding" in status
    finally:
        project.close()


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    app = HostApp(project, StatsScreen())

    async def ready(pilot: Any) -> None:
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 24), run_before=ready)
    finally:
        project.close()

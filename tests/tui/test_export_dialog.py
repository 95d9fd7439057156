"""The export dialog writes a real dossier that python-docx reads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widgets import Checkbox, Input, ProgressBar, Select, SelectionList, Static

from codage.services import Project
from codage.tui.screens.export_dialog import (
    ExportDialog,
    RequestError,
    default_output,
    parse_cases,
)
from tests.tui.screens_study import SIZES, HostApp, build_project, settle

pytestmark = pytest.mark.anyio


def headings(path: Path) -> list[tuple[str, str]]:
    document = docx.Document(str(path))
    return [
        (p.style.name, p.text.removeprefix("■ "))
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]


def quotes(path: Path) -> list[str]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Quote"]


def result_line(dialog: ExportDialog) -> str:
    return str(dialog.query_one("#export-result", Static).render())


def test_case_filters_are_parsed_or_refused() -> None:
    assert parse_cases("type=Commune; grade=C;type=Région") == {
        "type": ["Commune", "Région"],
        "grade": ["C"],
    }
    assert parse_cases("  ") is None
    with pytest.raises(RequestError, match="KEY=VALUE"):
        parse_cases("type")


def test_default_output_sits_beside_the_project(study: Project) -> None:
    assert default_output(study) == Path(study.location).resolve().with_name("study-citations.docx")


@pytest.mark.parametrize("size", SIZES)
async def test_writes_the_whole_dossier(
    study: Project, tmp_path: Path, size: tuple[int, int]
) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    out = tmp_path / "dossier.docx"
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        output = dialog.query_one("#export-output", Input)
        assert output.value.endswith("study-citations.docx")
        output.value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.result is not None and not dialog.result.error
        assert dialog.result.extracts == len(quotes(out))
        assert str(out) in result_line(dialog)
        bar = dialog.query_one("#export-progress", ProgressBar)
        assert bar.display and bar.total and bar.progress == bar.total
    assert headings(out) == [
        ("Heading 1", "Outils"),
        ("Heading 2", "Intranet"),
        ("Heading 2", "Messagerie"),
        ("Heading 1", "Formation"),
    ]
    # identical spans of two coders would be one extract; here all eleven differ
    assert len(quotes(out)) == 11


async def test_filters_reach_the_dossier(study: Project, tmp_path: Path) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    out = tmp_path / "filtered.docx"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog.query_one("#export-codes", SelectionList).select(study.code("Outils").id)
        dialog.query_one("#export-subcodes", Checkbox).value = True
        dialog.query_one("#export-coders", SelectionList).select("amelie")
        dialog.query_one("#export-cases", Input).value = "grade=C"
        dialog.query_one("#export-context", Input).value = "1"
        dialog.query_one("#export-output", Input).value = str(out)
        await pilot.pause()
        await pilot.click("#export-run")
        await settle(pilot)
        assert dialog.result is not None and not dialog.result.error, result_line(dialog)
    # amelie's codings of Outils and its sub-codes, in answers of grade C respondents
    assert [h for _, h in headings(out)] == ["Outils", "Intranet", "Messagerie"]
    assert sorted(quotes(out)) == ["L'intranet est lent", "La messagerie sature"]


async def test_group_by_document_and_without_subcodes(study: Project, tmp_path: Path) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    out = tmp_path / "grouped.docx"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog.query_one("#export-codes", SelectionList).select(study.code("Outils").id)
        dialog.query_one("#export-subcodes", Checkbox).value = False
        dialog.query_one("#export-group", Select).value = "document"
        dialog.query_one("#export-output", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.result is not None and dialog.result.extracts == 1
    assert quotes(out) == ["nous recevons cent courriels par jour"]
    assert ("Heading 1", "entretien-a") in headings(out)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("#export-output", "dossier.txt", "should end with .docx"),
        ("#export-output", "/no/such/folder/d.docx", "does not exist"),
        ("#export-cases", "grade", "KEY=VALUE"),
        ("#export-cases", "couleur=bleu", "no case attribute"),
    ],
)
async def test_one_clear_line_on_error(
    study: Project, tmp_path: Path, field: str, value: str, expected: str
) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog.query_one("#export-output", Input).value = str(tmp_path / "d.docx")
        dialog.query_one(field, Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        line = result_line(dialog)
        assert expected in line
        assert "\n" not in line.strip()
        assert dialog.query_one("#export-result").has_class("error")
    assert not (tmp_path / "d.docx").exists()


async def test_escape_closes(study: Project) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not dialog


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    dialog = ExportDialog()
    app = HostApp(project, dialog)

    async def ready(pilot: Any) -> None:
        await settle(pilot)
        # a fixed path: the default holds the test's temporary folder
        dialog.query_one("#export-output", Input).value = "dossier.docx"
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
    finally:
        project.close()

"""Correcting the open document's text in the workbench (issue 17), driven with Pilot on
a real SQLite project: edit a word, delete a sentence, save; the codings show on the right
text, the one whose sentence went is listed aside, and ctrl+z restores everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.text_edit import TextEditScreen
from tests.tui.workbench_project import ME, OTHER, build_project

pytestmark = pytest.mark.anyio

GONE = " La messagerie déborde, nous recevons cent courriels par jour."


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("documents", "units", "codings", "codings_aside", "case_links")
        }


@pytest.fixture
def location(tmp_path: Path) -> Path:
    """The workbench project, where bob also coded the sentence that will be deleted."""
    path = build_project(tmp_path / "edit.db")
    with Project.open(str(path), create=False) as p:
        doc = next(d for d in p.documents() if d.kind == "interview")
        text = p.document(doc.id).text
        codes = {c.name: c.id for c in p.codes()}
        start = text.index("La messagerie déborde")
        p.add_coding(doc.id, codes["Messagerie"], start, start + 21, coder=OTHER)
    return path


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_edit_mode(pilot: Pilot[None]) -> TextEditScreen:
    app = pilot.app
    assert isinstance(app, CodageApp)
    await settle(pilot)
    doc = next(d for d in app.project.documents() if d.kind == "interview")
    app.open_document(doc.id)
    await settle(pilot)
    await pilot.press("E")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TextEditScreen)
    return screen


def _edit(editor: TextArea, old: str, new: str) -> None:
    start = editor.text.index(old)
    where = editor.document.get_location_from_index
    editor.replace(new, where(start), where(start + len(old)))


async def test_edit_save_shows_codings_on_their_text_and_undo_restores(location: Path) -> None:
    before = _rows(location)
    app = CodageApp(str(location), ME)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_edit_mode(pilot)
        editor = screen.editor
        old_text = editor.text
        assert old_text == app.workbench.view.document.text  # type: ignore[union-attr]
        editor.focus()
        _edit(editor, "deux demi-journées", "trois demi-journées")
        _edit(editor, GONE, "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        report = str(screen.query_one("#edit-report", Static).render())
        assert "La messagerie déborde" in report  # listed aside, with its old text
        assert "1 kept aside" in report
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.workbench
        view = app.workbench.view
        text = view.document.text  # type: ignore[union-attr]
        assert "trois demi-journées" in text and "messagerie" not in text
        with Project.open(str(location), create=False) as p:
            doc = next(d for d in p.documents() if d.kind == "interview")
            stored = p.document(doc.id).text
            assert stored == text
            spans = {(c.coder, stored[c.start : c.end]) for c in p.codings(document_id=doc.id)}
            assert spans == {
                (ME, "Au début, personne ne le lisait"),
                (OTHER, "Nous avons eu trois demi-journées de formation."),
            }
            assert [(a.coder, a.text) for a in p.codings_aside()] == [
                (OTHER, "La messagerie déborde")
            ]
        # the workbench shows the codings on the corrected text
        start = text.index("trois demi-journées")
        await pilot.press("l")  # all coders
        await settle(pilot)
        assert any(c.coder == OTHER for c in view.codings_at(start + 1))
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert _rows(location) == before
        assert view.document.text == old_text  # type: ignore[union-attr]
        after_undo = _rows(location)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert view.document.text == text  # type: ignore[union-attr]
        assert any(c.coder == OTHER for c in view.codings_at(start + 1))
        assert _rows(location) != after_undo


async def test_an_emptied_text_is_refused_in_one_line(location: Path) -> None:
    before = _rows(location)
    app = CodageApp(str(location), ME)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_edit_mode(pilot)
        screen.editor.load_text("   ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        report = str(screen.query_one("#edit-report", Static).render())
        assert "empty" in report and "\n" not in report.strip()
        assert isinstance(app.screen, TextEditScreen)
    assert _rows(location) == before


@pytest.mark.parametrize("language", ["en", "fr"])
def test_snapshot_edit_mode(snap_compare, location: Path, language: str) -> None:  # type: ignore[no-untyped-def]
    from codage import i18n

    async def run_before(pilot: Pilot[None]) -> None:
        await open_edit_mode(pilot)

    app = CodageApp(str(location), ME, language=language)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        i18n.set_language(None)


async def test_the_key_is_in_the_help_in_french(location: Path) -> None:
    from codage import i18n
    from codage.tui.bindings import listed

    app = CodageApp(str(location), ME, language="fr")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            rows = listed(app.workbench._bindings.key_to_bindings["E"], {})
            assert rows == [("E", "Corriger le texte", "edit_text")]
    finally:
        i18n.set_language(None)

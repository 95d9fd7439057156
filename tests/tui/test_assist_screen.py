"""Similar passages and code suggestions in the interface (issue 18), driven with Pilot on
real SQLite projects: the list of the service, Enter jumps, ``c`` codes, ``a`` accepts
a suggestion (marked suggested, and only then), and ``w``/``h`` in the workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList

from codage.domain import Span
from codage.services import Project
from codage.services.assist import build_index, similar_passages
from codage.tui.app import CodageApp
from codage.tui.screens.assist import AssistScreen
from codage.tui.widgets.code_picker import CodePicker
from tests.tui.screens_study import INTERVIEW_A, HostApp, build_project, settle, span_of
from tests.tui.workbench_project import ME
from tests.tui.workbench_project import build_project as build_workbench_project

pytestmark = pytest.mark.anyio

MESSAGERIE = "Mme Durand : La messagerie déborde, nous recevons cent courriels par jour."


def _turn(project: Project) -> tuple[int, Span]:
    doc = project.document("entretien-a")
    return doc.id, Span(*span_of(INTERVIEW_A, MESSAGERIE))


async def test_similar_lists_the_service_and_enter_jumps(study: Project) -> None:
    doc_id, span = _turn(study)
    screen = AssistScreen("similar", doc_id, span, method="tfidf")
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rows = screen.similar
        expected = similar_passages(
            study,
            build_index(study, "tfidf"),
            coder="t",
            document_id=doc_id,
            start=span.start,
            end=span.end,
            top=20,
            record=False,
        )
        assert [(p.document_id, p.start, p.end) for p in rows] == [
            (p.document_id, p.start, p.end) for p in expected
        ]
        assert (rows[0].document_id, rows[0].start, rows[0].end) == (doc_id, span.start, span.end)
        assert screen.query_one("#assist-rows", OptionList).option_count == len(rows)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.opened == [(rows[1].document_id, (rows[1].start, rows[1].end))]
        assert app.screen is not screen


async def test_c_codes_the_highlighted_passage(study: Project) -> None:
    doc_id, span = _turn(study)
    before = {c.id for c in study.codings()}
    screen = AssistScreen("similar", doc_id, span, method="tfidf")
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        target = screen.similar[1]
        await pilot.press("down", "c")
        await settle(pilot)
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"Formation", "enter")
        await settle(pilot)
    added = [c for c in study.codings() if c.id not in before]
    assert [(c.document_id, c.start, c.end, c.coder, c.suggested) for c in added] == [
        (target.document_id, target.start, target.end, "amelie", False)
    ]


async def test_suggestions_are_applied_only_when_accepted(study: Project) -> None:
    doc_id, span = _turn(study)
    before = {c.id for c in study.codings()}
    screen = AssistScreen("suggest", doc_id, span, method="tfidf")
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        found = screen.suggestions
        assert found is not None and found.suggestions
        assert all(s.evidence for s in found.suggestions)
        # the messagerie turn: its nearest coded neighbours say Messagerie
        assert found.suggestions[0].code == "Outils/Messagerie"
        assert {c.id for c in study.codings()} == before
        assert study.assist_runs()[-1].method == "tfidf"
        await pilot.press("a")
        await settle(pilot)
    added = [c for c in study.codings() if c.id not in before]
    assert [(c.code_id, c.start, c.end, c.coder, c.suggested) for c in added] == [
        (found.suggestions[0].code_id, span.start, span.end, "amelie", True)
    ]


@pytest.mark.parametrize(("key", "mode"), [("w", "similar"), ("h", "suggest")])
async def test_the_workbench_keys_open_the_screen_on_the_selection(
    tmp_path: Path, key: str, mode: str
) -> None:
    location = str(build_workbench_project(tmp_path / "etude.db"))
    app = CodageApp(location, ME)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        doc = next(d for d in app.project.documents() if d.kind == "interview")
        app.open_document(doc.id)
        await settle(pilot)
        view = app.workbench.view
        text = view.document.text  # type: ignore[union-attr]
        view.jump_to(text.index("Le télétravail a tout"))
        await pilot.press("s", key)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssistScreen)
        assert (screen.mode, screen.document_id, screen.span) == (mode, doc.id, view.selection)
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    doc_id, span = _turn(project)
    app = HostApp(project, AssistScreen("suggest", doc_id, span, method="tfidf"))

    async def ready(pilot: Any) -> None:
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
    finally:
        project.close()

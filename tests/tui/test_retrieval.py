"""Retrieval driven with Pilot on a real SQLite project: passages, sub-codes, filters, jump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select, Static

from codage.services import Project
from codage.services.retrieval import context_around
from codage.tui.screens.retrieval import RetrievalScreen
from codage.tui.widgets.passage_list import PassageList
from tests.tui.screens_study import (
    SIZES,
    HostApp,
    build_project,
    settle,
    span_of,
)

pytestmark = pytest.mark.anyio


def code_id(project: Project, path: str) -> int:
    return project.code(path).id


def expected(project: Project, code_ids: list[int], **filters: Any) -> set[int]:
    return {c.id for c in project.codings(code_ids=code_ids, **filters)}


# ---------------------------------------------------------------- pure parts


def test_context_is_whole_words_on_each_side() -> None:
    text = "un deux trois quatre cinq six sept huit neuf dix onze douze treize"
    start, end = span_of(text, "sept")
    before, after = context_around(text, start, end, words=3)
    assert before == "quatre cinq six "
    assert after == " huit neuf dix"
    start, end = span_of(text, "sep")  # a cut word: its rest is context, glued
    assert context_around(text, start, end, words=2) == ("cinq six ", "t huit")


# ---------------------------------------------------------------- screen


@pytest.mark.parametrize("size", SIZES)
async def test_lists_exactly_the_codings_of_the_code(study: Project, size: tuple[int, int]) -> None:
    intranet = code_id(study, "Outils/Intranet")
    screen = RetrievalScreen(intranet)
    app = HostApp(study, screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, screen)
        assert {p.coding_id for p in screen.passage_rows()} == expected(study, [intranet])
        table = screen.query_one(PassageList)
        assert table.row_count == 5
        first = screen.passage_rows()[0]
        assert first.document == "enquete-agents"  # documents by name, then position
        assert first.case == "R1" and first.attributes["grade"] == "C"
        by_text = {p.text: p for p in screen.passage_rows()}
        interview = by_text["personne ne le lisait"]
        assert interview.speaker == "Mme Durand"
        assert interview.case == "DSI-01" and interview.attributes["taille"] == "1200"
        assert interview.before.endswith("Au début, ")
        assert interview.after.startswith(". Puis la crise")


async def test_sub_codes_come_and_go_with_the_toggle(study: Project) -> None:
    outils = code_id(study, "Outils")
    subtree = [outils, code_id(study, "Outils/Intranet"), code_id(study, "Outils/Messagerie")]
    screen = RetrievalScreen(outils)
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, screen)
        assert {p.coding_id for p in screen.passage_rows()} == expected(study, subtree)
        screen.query_one(PassageList).focus()
        await pilot.press("s")
        await settle(pilot, screen)
        assert not screen.include_subcodes
        assert {p.coding_id for p in screen.passage_rows()} == expected(study, [outils])
        assert screen.query_one(PassageList).row_count == 1
        await pilot.press("s")
        await settle(pilot, screen)
        assert len(screen.passage_rows()) == len(expected(study, subtree))


async def test_filters_by_document_coder_and_case(study: Project) -> None:
    outils = code_id(study, "Outils")
    subtree = [outils, code_id(study, "Outils/Intranet"), code_id(study, "Outils/Messagerie")]
    screen = RetrievalScreen(outils)
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, screen)
        doc_a = study.document("entretien-a").id
        survey = study.document("enquete-agents").id

        screen.set_filters(document_id=doc_a)
        await pilot.pause()
        assert {p.coding_id for p in screen.passage_rows()} == {
            c.id for c in study.codings(document_id=doc_a, code_ids=subtree)
        }

        screen.set_filters(coder="bastien")
        await pilot.pause()
        assert {p.coding_id for p in screen.passage_rows()} == expected(
            study, subtree, coders=["bastien"]
        )

        screen.set_filters(attribute=("grade", "C"))
        await pilot.pause()
        rows = screen.passage_rows()
        assert {p.text for p in rows} == {
            "L'intranet est lent",
            "La messagerie sature",
            "l'intranet aussi",
        }
        assert all(p.document_id == survey for p in rows)

        screen.set_filters(attribute=("type", "Commune"), coder="amelie")
        await pilot.pause()
        assert {p.text for p in screen.passage_rows()} == {
            "formation à l'intranet",
            "La messagerie sature",
        }
        assert screen.query_one(PassageList).row_count == 2

        await pilot.press("r")
        await pilot.pause()
        assert len(screen.passage_rows()) == len(expected(study, subtree))


async def test_the_selects_drive_the_filters(study: Project) -> None:
    intranet = code_id(study, "Outils/Intranet")
    screen = RetrievalScreen(intranet)
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, screen)
        screen.query_one("#retrieval-coder", Select).value = "bastien"
        await pilot.pause()
        assert {p.coder for p in screen.passage_rows()} == {"bastien"}
        assert len(screen.passage_rows()) == 2


@pytest.mark.parametrize("size", SIZES)
async def test_enter_opens_the_passage_and_closes(study: Project, size: tuple[int, int]) -> None:
    intranet = code_id(study, "Outils/Intranet")
    screen = RetrievalScreen(intranet)
    app = HostApp(study, screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, screen)
        await pilot.press("down", "enter")
        await pilot.pause()
        wanted = screen.passage_rows()[1]
        assert app.opened == [(wanted.document_id, (wanted.start, wanted.end))]
        assert app.screen is not screen
        doc_text = study.document(wanted.document_id).text
        assert doc_text[wanted.start : wanted.end] == wanted.text


async def test_without_a_code_the_chooser_opens(study: Project) -> None:
    screen = RetrievalScreen()
    app = HostApp(study, screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, screen)
        chooser = screen.query_one("#retrieval-code", Select)
        assert chooser.expanded
        assert screen.query_one(PassageList).row_count == 0
        chooser.value = code_id(study, "Formation")
        await settle(pilot, screen)
        assert {p.text for p in screen.passage_rows()} == {
            "deux demi-journées de formation",
            "jamais formés aux outils",
        }


async def test_french_labels(study: Project) -> None:
    from codage import i18n

    i18n.set_language("fr")
    screen = RetrievalScreen(code_id(study, "Formation"))
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, screen)
        header = str(screen.query_one("#retrieval-columns", Static).render())
        assert "Locuteur" in header and "Extrait" in header
        groups = screen._bindings.key_to_bindings.values()
        descriptions = {b.id: b.description for group in groups for b in group}
        assert descriptions["retrieval.jump"] == "Ouvrir"


def test_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    project = build_project(tmp_path / "snap.db")
    screen = RetrievalScreen(project.code("Outils").id)
    app = HostApp(project, screen)

    async def ready(pilot: Any) -> None:
        await settle(pilot, screen)
        await pilot.press("down")

    try:
        assert snap_compare(app, terminal_size=(120, 24), run_before=ready)
    finally:
        project.close()

"""The interface on a project whose names, passages, memos and survey headers look like
markup or carry terminal controls: nothing crashes, everything is drawn literally, and
no control character reaches the terminal."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.retrieval import RetrievalScreen
from codage.tui.screens.stats import StatsScreen
from codage.tui.widgets.code_picker import CodePicker
from tests.hostile_project import (
    ATTRIBUTE,
    CODE_RIRES,
    CODER,
    CODER_ESC,
    CODER_ESC_SHOWN,
    DOC_NAME,
    DOC_SHOWN,
    ESC,
    MEMO_SHOWN,
    PASSAGE,
    SURVEY_HEADER,
    SURVEY_NAME,
    Hostile,
    build_hostile_project,
)

pytestmark = pytest.mark.anyio

SIZE = (160, 48)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return build_hostile_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def ids(hostile: Hostile) -> dict[str, int]:
    with Project.open(str(hostile.project), create=False) as project:
        found = {d.name: d.id for d in project.documents()}
        found.update({c.path_str: c.id for c in project.codes()})
    return found


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def drawn(app: CodageApp) -> str:
    """What the terminal shows, as text: the screenshot's lines with their markup removed."""
    svg = app.export_screenshot()
    body = svg[svg.index("<g ") :] if "<g " in svg else svg
    lines = re.findall(r"<text[^>]*>(.*?)</text>", body, flags=re.S)
    return html.unescape("".join(lines)).replace("\xa0", " ")


def assert_drawn(app: CodageApp, *texts: str) -> None:
    screen = drawn(app)
    assert ESC not in screen and "\x07" not in screen
    for text in texts:
        assert text in screen, (text, screen)


async def test_survey_with_a_bracketed_header_opens(hostile: Hostile, ids: dict[str, int]) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document(ids[SURVEY_NAME])
        await settle(pilot)
        view = app.workbench.view
        assert view.document is not None and view.document.id == ids[SURVEY_NAME]
        # the title bar, the document list, the codebook and the answers' headers
        assert_drawn(app, SURVEY_HEADER, DOC_SHOWN, CODE_RIRES, "[bold]x[", CODER)
        assert_drawn(app, ATTRIBUTE)  # a respondent's attribute over the answer


async def test_hostile_interview_title_margin_cursor_and_toast(
    hostile: Hostile, ids: dict[str, int]
) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document(ids[DOC_NAME])
        await settle(pilot)
        view = app.workbench.view
        assert view.document is not None
        view.jump_to(view.document.text.index(PASSAGE) + 2)
        await settle(pilot)
        # title, margin (code names), and the cursor panel with the memo's bell shown
        assert_drawn(app, DOC_SHOWN, CODE_RIRES, CODER, MEMO_SHOWN)
        # the passages themselves, and the margin naming the code on the coded line
        assert_drawn(
            app, f"{PASSAGE} la suite [/oops] │ {CODE_RIRES}", "[@click=app.quit]outils[/]"
        )
        # a search that finds nothing says so in a toast, with the query as typed
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one(Input).value = "[/nada] [@click=app.quit]x"
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        # toasts are not in headless screenshots: what they hold is checked instead
        notes = list(app._notifications)
        assert [n.message for n in notes] == ["No hit for [/nada] [@click=app.quit]x"]
        assert not any(n.markup for n in notes)
        app.workbench.notify(f"{DOC_NAME} [/x]", title=CODER_ESC)
        await pilot.pause()
        shown = {(n.message, n.title, n.markup) for n in app._notifications}
        assert (f"{DOC_SHOWN} [/x]", CODER_ESC_SHOWN, False) in shown


async def test_code_picker_lists_bracketed_codes(hostile: Hostile, ids: dict[str, int]) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document(ids[DOC_NAME])
        await settle(pilot)
        view = app.workbench.view
        assert view.document is not None
        view.jump_to(view.document.text.index("Dites-moi"))
        await pilot.press("s", "c")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CodePicker)
        assert_drawn(app, CODE_RIRES, "[bold]x[/bold]")
        picker.query_one(Input).value = "[/neuf]"
        await pilot.pause()
        assert_drawn(app, "« [/neuf] »")


async def test_retrieval_shows_names_passages_and_coders(
    hostile: Hostile, ids: dict[str, int]
) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = RetrievalScreen(ids[CODE_RIRES])
        app.push_screen(screen)
        await settle(pilot)
        assert {p.coder for p in screen.passage_rows()} == {CODER, "bob\x1b[31m"}
        assert_drawn(app, CODE_RIRES, DOC_SHOWN, CODER, CODER_ESC_SHOWN, PASSAGE)


async def test_stats_tables_show_names_and_attribute_values(
    hostile: Hostile, ids: dict[str, int]
) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = StatsScreen()
        app.push_screen(screen)
        await settle(pilot)
        assert_drawn(app, CODE_RIRES, "bold]")
        await pilot.press("2")
        await settle(pilot)
        # codes are named as the command line names them: leaf (parent), brackets literal
        assert_drawn(app, DOC_SHOWN, "bold] ([bold]x[)")
        await pilot.press("3")
        await settle(pilot)
        assert_drawn(app, ATTRIBUTE)


async def test_palette_offers_documents_by_their_literal_names(
    hostile: Hostile, ids: dict[str, int]
) -> None:
    app = CodageApp(str(hostile.project), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"oops")
        await pilot.pause(0.5)
        assert_drawn(app, f"Open document {DOC_SHOWN}")
        await pilot.press("enter")
        await settle(pilot)
        view = app.workbench.view
        assert view.document is not None and view.document.id == ids[DOC_NAME]


async def test_names_textual_would_read_as_tags(
    hostile: Hostile, ids: dict[str, int], tmp_path: Path
) -> None:
    """Textual reads more as tags than Rich ([$accent], [B], [ bold]) and a trailing
    backslash escapes the tag after it: the title and the cursor panel still show them."""
    location = tmp_path / "copy.db"
    shutil.copy(hostile.project, location)
    name = "[$accent]x [B]y[/B] [ bold]z fin\\"
    with Project.open(str(location), create=False) as project:
        project.rename_document(ids[DOC_NAME], name)
        project.update_code(ids[CODE_RIRES], coder=CODER, name="[$accent]r\\")
    app = CodageApp(str(location), CODER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document(ids[DOC_NAME])
        await settle(pilot)
        view = app.workbench.view
        assert view.document is not None
        view.jump_to(view.document.text.index(PASSAGE) + 2)
        await settle(pilot)
        assert_drawn(app, f"{name} · ", "■ [$accent]r\\ — ana[/]")

"""Opening large projects and documents (issues 19 and 20): the project's first state
without reading every coding, then its complete state; retrieval read a page at a time;
a large transcript shown right at its top and bottom; a damaged file found after the
window shows. Every new path is compared with the one it replaces on real projects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks import scale
from benchmarks.tui_bench import build_project as build_bench_project
from benchmarks.tui_bench import make_corpus
from codage.services import Project
from codage.services.retrieval import index_passages, read_page
from codage.services.workbench_state import (
    Coverage,
    complete_state,
    first_state,
    project_state,
)
from codage.store.schema import CoderRow, CodingRow
from codage.tui.app import CodageApp
from codage.tui.screens import retrieval as retrieval_screen
from codage.tui.screens.retrieval import RetrievalScreen, load_passages
from codage.tui.widgets.passage_list import PassageList
from tests.tui.screens_study import HostApp, settle
from tests.tui.test_transcript_view import bg, style_at
from tests.tui.workbench_project import ME, OTHER
from tests.tui.workbench_project import build_project as build_workbench_project

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smallest project of the scale benchmark: 20k words, 1,000 codings by three
    coders, built through the bulk API."""
    return scale.build("20k", tmp_path_factory.mktemp("scale"))


def old_recent_codes(project: Project, coder: str, limit: int) -> list[int]:
    """The latest codes as the window query before issue 20 ranked them."""
    with project._read() as s:
        coder_id = s.scalar(select(CoderRow.id).where(CoderRow.name == coder))
        if coder_id is None:
            return []
        at = func.coalesce(CodingRow.updated_at, CodingRow.created_at)
        order = (CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id)
        ranked = (
            select(
                CodingRow.code_id,
                at.label("at"),
                *order,
                func.row_number()
                .over(partition_by=CodingRow.code_id, order_by=(at.desc(), *order))
                .label("rank"),
            )
            .where(CodingRow.coder_id == coder_id)
            .subquery()
        )
        c = ranked.c
        query = (
            select(c.code_id)
            .where(c.rank == 1)
            .order_by(c.at.desc(), c.document_id, c.start, c.end, c.id)
            .limit(limit)
        )
        return list(s.scalars(query))


# ---------------------------------------------------------------- the project's state


def test_latest_codes_rank_as_the_window_query_did(generated: Path, tmp_path: Path) -> None:
    workbench = build_workbench_project(tmp_path / "etude.db")
    for location in (str(generated), str(workbench)):
        with Project.open(location, create=False) as project:
            coders = [c.name for c in project.coders()] + ["nobody"]
            for coder in coders:
                for limit in (1, 3, 12, 100):
                    assert project.recent_codes(coder, limit) == old_recent_codes(
                        project, coder, limit
                    ), (location, coder, limit)
            assert project.coders_with_codings() == sorted(project.coding_counts_by_coder())


def test_the_first_state_reads_no_share_and_the_complete_one_all(generated: Path) -> None:
    with Project.open(str(generated), create=False) as project:
        coder = project.coders()[0].name
        first = first_state(project, coder)
        assert first.partial and first.shares == {} and first.recent == []
        assert first.has_own is True
        assert first.project_counts == project.coding_counts()
        assert [d.id for d in first.documents] == [d.id for d in project.documents()]
        complete = complete_state(project, first, coder, Coverage())
        whole = project_state(project, coder, Coverage())
        assert not complete.partial
        assert complete.shares == whole.shares and len(complete.shares) == len(first.documents)
        assert complete.recent == whole.recent == old_recent_codes(project, coder, 12)
        assert complete.coders == whole.coders == sorted(c.name for c in project.coders())
        assert first_state(project, "new coder").has_own is False


async def test_the_list_shows_before_the_shares_then_with_them(tmp_path: Path) -> None:
    location = str(build_workbench_project(tmp_path / "etude.db"))
    app = CodageApp(location, ME, language="en")
    async with app.run_test(size=(160, 40)) as pilot:
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.workbench
        assert screen._shares_known
        with Project.open(location, create=False) as project:
            expected = project_state(project, ME, Coverage())
        assert screen._shares == expected.shares
        assert app.recent_codes == expected.recent
        assert OTHER in screen._coders
        labels = [
            str(option.prompt)
            for option in screen.query_one("#documents").options  # type: ignore[attr-defined]
        ]
        assert all(label[:4].strip().endswith("%") for label in labels)


async def test_a_damaged_file_closes_the_window_with_one_line(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a page of codings damaged: the schema reads, so the window opens, and the
    # check that runs once the list shows closes it with the line that says so
    path = tmp_path / "damaged.db"
    data = bytearray(generated.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    app = CodageApp(str(path), "ana", language="en")
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(100):
            if app.return_code:
                break
            await pilot.pause(0.05)
    assert app.return_code == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "the project file is damaged" in said and "restore" in said


# ---------------------------------------------------------------- retrieval


@pytest.mark.parametrize("subcodes", [True, False])
def test_paged_passages_are_the_passages_read_whole(
    generated: Path, study: Project, subcodes: bool
) -> None:
    with Project.open(str(generated), create=False) as project:
        projects = [project, study]
        for p in projects:
            counts = p.coding_counts()
            for code in p.codes():
                if code.id not in counts and code.parent_id is not None:
                    continue
                whole = load_passages(p, code.id, subcodes)
                index = index_passages(p, code.id, subcodes)
                assert [r.coding_id for r in index.rows] == [w.coding_id for w in whole]
                # read in pages of 7, as the screen reads them
                paged: list[Any] = []
                for first in range(0, len(index.rows), 7):
                    paged.extend(read_page(p, index, index.rows[first : first + 7]))
                assert paged == whole


async def test_retrieval_reads_the_rows_on_screen_and_more_as_it_scrolls(
    study: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval_screen, "PAGE", 2)
    outils = study.code("Outils").id
    whole = load_passages(study, outils, True)
    assert len(whole) > 4
    screen = RetrievalScreen(outils)
    app = HostApp(study, screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, screen)
        await settle(pilot, screen)
        table = screen.query_one(PassageList)
        # every row on screen asked for and read: the whole list, in order
        assert table.row_count == len(whole)
        assert screen.passage_rows() == whole
        assert "passages" in str(screen.query_one("#retrieval-status").render())


async def test_retrieval_pages_on_a_list_taller_than_the_screen(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval_screen, "PAGE", 5)
    with Project.open(str(generated), create=False) as project:
        counts = project.coding_counts()
        top = next(c for c in project.codes() if c.parent_id is None and c.id in counts)
        whole = load_passages(project, top.id, True)
        screen = RetrievalScreen(top.id)
        app = HostApp(project, screen)
        async with app.run_test(size=(120, 20)) as pilot:
            await settle(pilot, screen)
            table = screen.query_one(PassageList)
            assert table.row_count == len(whole) > 100
            shown = screen.passage_rows()
            # the first page and the rows on screen, not the whole code
            assert 5 <= len(shown) < len(whole)
            assert shown == whole[: len(shown)]
            table.focus()
            await pilot.press("end")
            await settle(pilot, screen)
            await settle(pilot, screen)
            read = {p.coding_id: p for p in screen.passage_rows()}
            assert whole[-1].coding_id in read and read[whole[-1].coding_id] == whole[-1]
            assert len(read) < len(whole)
            # the preview names the last passage once it is read
            preview = str(screen.query_one("#retrieval-preview").render())
            assert whole[-1].document in preview


# ---------------------------------------------------------------- a large transcript


async def test_a_large_transcript_opens_right_at_its_top_and_bottom(tmp_path: Path) -> None:
    corpus = make_corpus(1_500_000, codings=2000, seed=7)
    location, document_id = build_bench_project(corpus, tmp_path)
    text = corpus.document.text
    app = CodageApp(location, "bench", language="en")
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.open_document(document_id)
        view = app.workbench.view
        for _ in range(200):
            if view.document is not None and view.line_count:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert view.document is not None and view.document.text == text
        top = view.visible_span()
        assert top.start == 0 and text[: top.end].startswith(text.split("\n")[0][:60])
        # the first turn's header (its timestamp), then its first words
        assert "[00:00:00]" in view.render_line(0).text
        assert text[:40] in view.render_line(1).text
        # a coding near the top is tinted where it lies, the text just before it not
        coded = min((c for c in corpus.codings if c.start > 5), key=lambda c: c.start)
        view.jump_to(coded.start)
        await pilot.pause()
        assert style_at(view, coded.start).bgcolor is not None
        shown = view.visible_span()
        plain = next(
            (
                o
                for o in range(shown.start, shown.end)
                if text[o] not in " \n" and not any(c.start <= o < c.end for c in corpus.codings)
            ),
            None,
        )
        assert plain is not None, "every character on screen is coded"
        assert style_at(view, plain).bgcolor is None or bg(style_at(view, plain)) != bg(
            style_at(view, coded.start)
        )
        await pilot.press("ctrl+end")
        await pilot.pause()
        bottom = view.visible_span()
        assert bottom.end == len(text)
        last_line = text.rsplit("\n", 1)[-1]
        rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        assert any(last_line[-30:] in row for row in rows)
        # the last coding of the document is tinted at the bottom
        last = max(corpus.codings, key=lambda c: c.end)
        view.jump_to(last.end - 1)
        await pilot.pause()
        assert style_at(view, last.end - 1).bgcolor is not None


def test_units_and_bounds_for_any_lean_kinds(tmp_path: Path) -> None:
    location = str(build_workbench_project(tmp_path / "etude.db"))
    with Project.open(location, create=False) as project:
        for document in project.documents():
            every = project.units(document.id)
            for lean in ((), ("sentence",), ("sentence", "turn"), ("no such kind",)):
                units, bounds = project.units_and_bounds(document.id, lean)
                assert units == [u for u in every if u.kind not in lean]
                assert bounds == {
                    kind: (
                        [u.start for u in every if u.kind == kind],
                        [u.end for u in every if u.kind == kind],
                    )
                    for kind in lean
                    if any(u.kind == kind for u in every)
                }

"""Opening a long transcript in steps (issue 19): the lines wrapped while the document
already shows are the lines the whole wrap gives; a move past them finishes the wrap; the
sentences a worker reads after the document is posted are waited for by the first key
that needs them; the store's two reads give what its one read gave."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from benchmarks.tui_bench import build_project as build_bench_project
from benchmarks.tui_bench import make_corpus
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.widgets.transcript_layout import WRAP_STEP, LateBounds
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.test_transcript_view import ViewApp, style_at
from tests.tui.workbench_project import build_project as build_workbench_project

pytestmark = pytest.mark.anyio


def same_lines(view: TranscriptView) -> None:
    """The view's layout is, line for line, the whole document wrapped at once."""
    layout = view._layout
    assert layout is not None
    whole = view._wrap(layout.width)
    assert list(layout.starts) == list(whole.starts)
    assert list(layout.ends) == list(whole.ends)
    assert bytes(layout.kinds) == bytes(whole.kinds)
    assert list(layout.paras) == list(whole.paras)


async def test_a_long_document_wraps_in_steps_to_the_whole_wrap() -> None:
    corpus = make_corpus(1_200_000, codings=300, seed=3)
    assert corpus.document.text.count("\n") > WRAP_STEP
    app = ViewApp(corpus.document, corpus.units, corpus.codings, corpus.codes)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(TranscriptView)
        # the first paint has only the beginning: the rest is wrapped between events
        assert view._wrap_next is not None
        layout = view._layout
        assert layout is not None
        partial = layout.count
        assert view.virtual_size.height == partial
        for _ in range(500):
            if view._wrap_next is None:
                break
            await pilot.pause(0.01)
        assert view._wrap_next is None
        assert view.virtual_size.height == layout.count > partial
        same_lines(view)


async def test_a_move_past_the_lines_wrapped_finishes_the_wrap() -> None:
    corpus = make_corpus(1_200_000, codings=300, seed=5)
    text = corpus.document.text
    app = ViewApp(corpus.document, corpus.units, corpus.codings, corpus.codes)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(TranscriptView)
        assert view._wrap_next is not None
        # before any step ran: the end of the document, its last words on screen
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view._wrap_next is None
        same_lines(view)
        assert view.cursor == len(text)
        assert view.visible_span().end == len(text)
        rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        layout = view._layout
        assert layout is not None
        # the document's last visual line, drawn on screen
        assert any(text[layout.starts[layout.count - 1] :].strip() in row for row in rows)
        # a jump far down on a freshly loaded view lands where the whole wrap puts it
        view.load(corpus.document, corpus.units, corpus.codings, corpus.codes)
        assert view._wrap_next is not None
        last = max(corpus.codings, key=lambda c: c.start)
        view.jump_to(last.start)
        await pilot.pause()
        assert view._wrap_next is None
        same_lines(view)
        assert style_at(view, last.start).bgcolor is not None


def test_a_late_lookup_waits_for_the_worker() -> None:
    late = LateBounds()
    assert not late.ready
    delivered = {"sentence": ([0, 10], [9, 20])}

    def worker() -> None:
        late.wait_shown(timeout=5)
        time.sleep(0.05)
        late.deliver(delivered)

    thread = threading.Thread(target=worker)
    thread.start()
    late.shown()
    # the lookup blocks until the worker delivers, then sees what it read
    assert late["sentence"] == ([0, 10], [9, 20])
    assert dict(late) == delivered and late.ready
    thread.join()


def test_units_then_bounds_read_as_the_one_read(tmp_path: Path) -> None:
    location = str(build_workbench_project(tmp_path / "etude.db"))
    with Project.open(location, create=False) as project:
        for document in project.documents():
            whole = project.units_and_bounds(document.id)
            units, empty = project.units_and_bounds(document.id, with_bounds=False)
            assert empty == {}
            assert (units, project.document_unit_bounds(document.id)) == whole


async def test_sentence_keys_at_the_far_end_of_a_large_transcript(tmp_path: Path) -> None:
    corpus = make_corpus(1_200_000, codings=500, seed=11)
    location, document_id = build_bench_project(corpus, tmp_path)
    text = corpus.document.text
    sentences = sorted((u.start, u.end) for u in corpus.units if u.kind == "sentence")
    app = CodageApp(location, "bench", language="en")
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.open_document(document_id)
        view = app.workbench.view
        for _ in range(300):
            if view.document is not None:
                break
            await pilot.pause(0.02)
        assert view.document is not None and view.document.text == text
        # at once, before the worker may have delivered the sentences: the key waits
        view.focus()
        # on the document's last character (the end itself is in no sentence)
        await pilot.press("ctrl+end", "left")
        await pilot.press("s")
        await pilot.pause()
        last = sentences[-1]
        assert view.selection is not None
        assert (view.selection.start, view.selection.end) == last
        # the sentence before it, added by the backward key
        await pilot.press("S")
        await pilot.pause()
        assert view.selection is not None
        assert (view.selection.start, view.selection.end) == (sentences[-2][0], last[1])
        # a coding far down is tinted where it lies
        coded = max(corpus.codings, key=lambda c: c.start)
        view.jump_to(coded.start)
        await pilot.pause()
        assert style_at(view, coded.start).bgcolor is not None
        await app.workers.wait_for_complete()

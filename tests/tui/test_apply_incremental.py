"""Applying and removing codes updates the workbench from the change alone (see
codage.tui.screens.workbench_apply and TranscriptView.set_codings with ``added`` and
``removed``): the codings kept in text order, the coverage runs spliced from the codings
near the change, the counts and the coded share adjusted. These tests drive the real app
on a real SQLite project, with overlapping codings of two coders and one long coding, and
hold every step to what recomputing it all from every coding gives, and the end to what a
full reload of the document shows; the codings are the store's, journaled, and undo works.
"""

from __future__ import annotations

from collections import Counter

import pytest
from textual.pilot import Pilot

from codage.domain import Span
from codage.services import Project
from codage.tui.app import CodageApp
from codage.tui.screens.workbench import WorkbenchScreen
from codage.tui.screens.workbench_apply import _Tally
from codage.tui.screens.workbench_support import covered_by
from codage.tui.widgets.code_picker import CodePicker
from codage.tui.widgets.transcript_layout import FAR, coverage
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.test_picker_apply import shown
from tests.tui.test_workbench import location, open_interview, settle, store
from tests.tui.workbench_project import ME, OTHER

# the fixtures this module takes from the workbench's tests
__all__ = ["location", "store"]

pytestmark = pytest.mark.anyio


def _overlaps(store: Project) -> None:
    """More codings before the app opens: one long one of the other coder's (the bound
    the splice searches within), and some of mine nested in and across others."""
    doc = next(d for d in store.documents() if d.kind == "interview")
    text = store.document(doc.id).text
    codes = {c.name: c.id for c in store.codes()}
    store.add_coding(doc.id, codes["Outils"], 5, len(text) - 5, coder=OTHER)
    at = text.index("Puis la crise")
    store.add_coding(doc.id, codes["Messagerie"], at, at + 40, coder=ME)
    store.add_coding(doc.id, codes["Formation"], at + 10, at + 20, coder=ME)


def state(screen: WorkbenchScreen) -> dict[str, object]:
    """What the change alone updated, beside what the screen shows."""
    view = screen.view
    return {
        **shown(screen),
        "list": [c.id for c in screen._codings],
        "keys": sorted(view._coding_keys),
        "triples": sorted(view._coding_triples),
        "runs": (view._run_bounds, view._run_keys),
        "shares": dict(screen._shares),
    }


def check_against_everything(screen: WorkbenchScreen) -> None:
    """Each piece the change updated equals the same computed over every coding."""
    view = screen.view
    codings = screen._codings
    assert codings == sorted(codings, key=lambda c: (c.start, c.end, c.id))
    assert view.codings == screen._layer_codings()
    assert sorted(view._coding_keys) == sorted(
        (c.id, c.code_id, c.start, c.end) for c in view.codings
    )
    assert sorted(view._coding_triples) == sorted((c.start, c.end, c.code_id) for c in view.codings)
    # the triples stay in text order: the splice bisects them by start
    assert [t[0] for t in view._coding_triples] == sorted(t[0] for t in view._coding_triples)
    assert (view._run_bounds, view._run_keys) == coverage(view._coding_triples, 0, FAR)
    tally: _Tally = screen._tally  # type: ignore[attr-defined]
    fresh = _Tally(list(codings))
    assert (+tally.counts, tally.covered) == (+fresh.counts, fresh.covered)
    assert tally.covered == covered_by(codings)
    assert dict(screen.tree._document_counts) == dict(Counter(c.code_id for c in codings))


async def apply_from_tree(
    pilot: Pilot[None], screen: WorkbenchScreen, span: Span, code_id: int
) -> None:
    screen.view.jump_to(span)
    screen.tree.focus()
    screen.tree.select_code(code_id)
    await pilot.pause()
    await pilot.press("c")
    await settle(pilot)


async def test_codings_applied_and_removed_show_what_computing_it_all_shows(
    location: str, store: Project
) -> None:
    _overlaps(store)
    app = CodageApp(location, ME)
    async with app.run_test(size=(160, 48)) as pilot:
        view: TranscriptView = await open_interview(pilot, store)
        screen = app.workbench
        text = view.document.text  # type: ignore[union-attr]
        codes = {c.name: c.id for c in store.codes()}
        for layer_step in range(2):
            at = text.index("Maintenant") + layer_step
            # inside the long coding, across mine, at a line's end, on a span already coded
            # by the other coder with another code, and one more of the same span
            for span, code in (
                (Span(at, at + 25), "Intranet"),
                (Span(at - 30, at + 5), "Formation"),
                (Span(text.index("\nENQ : Et la") - 9, text.index("\nENQ : Et la") + 1), "Outils"),
                (Span(text.index("Nous avons eu"), text.index("Nous avons eu") + 46), "Outils"),
                (Span(at, at + 25), "Télétravail"),
            ):
                await apply_from_tree(pilot, screen, span, codes[code])
                check_against_everything(screen)
            # with the picker too
            view.focus()
            view.jump_to(text.index("La messagerie") + layer_step)
            await pilot.press("s", "c")
            await pilot.pause()
            assert isinstance(app.screen, CodePicker)
            await pilot.press(*"Messagerie", "enter")
            await settle(pilot)
            check_against_everything(screen)
            # removed: the last one applied, then one of the nested ones from before
            mine = sorted(
                (c for c in screen._codings if c.coder == ME), key=lambda c: c.id, reverse=True
            )
            for coding in (mine[0], mine[-1]):
                screen.remove_coding(coding)
                await settle(pilot)
                check_against_everything(screen)
            # everyone's codings shown: the same again over both coders' codings
            if layer_step == 0:
                screen.action_layers()
                await settle(pilot)
                assert screen._layer == "all"
                check_against_everything(screen)
        incremental = state(screen)
        screen.reload_codings(view.document.id)  # type: ignore[union-attr]
        await settle(pilot)
        assert state(screen) == incremental
        stored = store.codings(document_id=view.document.id)  # type: ignore[union-attr]
        assert [c.id for c in screen._codings] == [c.id for c in stored]
        # journaled: the last change undone takes the removal back
        history = store.history(coder=ME, limit=1)
        assert history[0].action == "remove_coding"
        undone = store.undo(coder=ME)
        assert undone is not None and undone.id == history[0].id
        assert len(store.codings(document_id=view.document.id)) == len(stored) + 1  # type: ignore[union-attr]

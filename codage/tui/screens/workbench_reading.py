"""Moving around the workbench: search hits, answers and turns, the answer filter, the side
panes, and the screens it opens (retrieval, export, statistics)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from textual.widgets import Input

from codage.i18n import t
from codage.tui.screens.dialogs import TextPrompt
from codage.tui.screens.workbench_support import (
    STEP_KINDS,
    WIDE,
    case_matches,
    parse_filter,
)

if TYPE_CHECKING:
    from codage.domain import Span, Unit
    from codage.tui.screens.workbench_host import WorkbenchHost
    from codage.tui.widgets.transcript_layout import LateUnits
    from codage.tui.widgets.transcript_view import TranscriptView


class ReadingActions:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    # The screen's state these actions set, as the screen declares it: without these
    # annotations mypy would infer the attributes from the assignments below, narrower.
    _query: str
    _hits: list[Span]
    _hit: int
    _steps: list[Span]
    _answer_filter: str
    _show_documents: bool | None
    _show_codebook: bool | None
    _late_units: LateUnits | None
    _units: list[Unit]
    _answer_count: int

    def take_units(self: WorkbenchHost) -> None:
        """Take in the open document's units past its first part (waiting for the
        worker if it has not read them yet): what needs every unit calls this first."""
        late = self._late_units
        if late is None:
            return
        self._late_units = None
        rest = late.take()
        gc.unfreeze()
        self._units = rest.units
        self._answer_count = sum(1 for u in self._units if u.kind == "answer")
        for view in (self.view, self.other_view):
            view.take_units(late)
        gc.freeze()
        self._apply_answer_filter()
        self._show_title()

    def action_search(self: WorkbenchHost) -> None:
        if self._document is None:
            self.notify(t("tui.open_document_first"))
            return

        def searched(query: str | None) -> None:
            if query is None or self._document is None:
                return
            self._query = query.strip()
            if not self._query:
                self._hits = []
                return
            # the search services load the full store: not before the first screen
            from codage.services.search import find_spans

            self._hits = find_spans(self._document.text, self._query)
            if not self._hits:
                self.notify(t("tui.search_none", query=self._query))
                return
            self.notify(t("tui.search_hits", count=len(self._hits), query=self._query), timeout=2)
            cursor = self.view.cursor
            self._hit = next((i for i, h in enumerate(self._hits) if h.start >= cursor), 0) - 1
            self.action_search_step(1)

        self.app.push_screen(TextPrompt(t("tui.search.title"), self._query), searched)

    def action_search_step(self: WorkbenchHost, step: int) -> None:
        if not self._hits:
            return
        self._hit = (self._hit + step) % len(self._hits)
        self.view.jump_to(self._hits[self._hit])
        self.view.focus()

    def action_step(self: WorkbenchHost, step: int) -> None:
        """Select the next (or previous) answer, turn or paragraph; only matching answers
        when a filter is set."""
        self.take_units()  # the steps come with every unit
        if not self._steps:
            if self._answer_filter:
                self.notify(t("tui.no_answer_match", filter=self._answer_filter))
            return
        selection = self.view.selection
        cursor = selection.start if selection is not None else self.view.cursor
        starts = [s.start for s in self._steps]
        if step > 0:
            index = next((i for i, s in enumerate(starts) if s > cursor), None)
            if index is None and selection is None and starts[-1] == cursor:
                index = len(starts) - 1
        else:
            index = next((i for i in range(len(starts) - 1, -1, -1) if starts[i] < cursor), None)
        if index is None:
            return
        self.view.jump_to(self._steps[index])
        self.view.focus()

    def action_filter_answers(self: WorkbenchHost) -> None:
        self.take_units()
        if not any(u.kind == "answer" for u in self._units):
            self.notify(t("tui.not_survey"))
            return

        def filtered(text: str | None) -> None:
            if text is None:
                return
            self._answer_filter = text.strip()
            self._apply_answer_filter()
            self._show_title()
            if self._steps and self._answer_filter:
                self.view.jump_to(self._steps[0])

        self.app.push_screen(
            TextPrompt(t("tui.answer_filter.title"), self._answer_filter), filtered
        )

    def _apply_answer_filter(self: WorkbenchHost) -> None:
        """Steps for ``]`` / ``[`` and the dimmed answers, from the answer filter."""
        kinds = {u.kind for u in self._units}
        kind = next((k for k in STEP_KINDS if k in kinds), None)
        units = [u for u in self._units if u.kind == kind] if kind else []
        if kind == "answer":
            _, attributes = parse_filter(self._answer_filter)
            matching = [
                u
                for u in units
                if case_matches(
                    self._unit_cases.get(u.id) if u.id is not None else None, attributes
                )
            ]
            dimmed = [u.span for u in units if attributes and u not in matching]
        else:
            matching, dimmed = units, []
        self._steps = [u.span for u in matching]
        self.view.set_dimmed(dimmed)
        if self._layer == "side":
            self.other_view.set_dimmed(dimmed)
        if kind == "answer" and self._answer_filter and not matching:
            self.notify(t("tui.no_answer_match", filter=self._answer_filter))

    def action_focus_documents(self: WorkbenchHost) -> None:
        self._show_documents = True
        self._apply_panes()
        self.query_one("#document-filter", Input).focus()

    def action_toggle_documents(self: WorkbenchHost) -> None:
        shown = self.query_one("#documents-pane").display
        self._show_documents = not shown
        if not shown and self.size.width < WIDE:
            self._show_codebook = False
        self._apply_panes()

    def action_toggle_codebook(self: WorkbenchHost) -> None:
        shown = self.query_one("#codebook-pane").display
        self._show_codebook = not shown
        if not shown and self.size.width < WIDE:
            self._show_documents = False
        self._apply_panes()

    def action_focus_codebook(self: WorkbenchHost) -> None:
        if not self.query_one("#codebook-pane").display:
            self.action_toggle_codebook()
        self.tree.focus()

    def action_focus_transcript(self: WorkbenchHost) -> None:
        if self._document is not None:
            if self.size.width < WIDE and self._show_documents:
                self._show_documents = None
                self._apply_panes()
            self.view.focus()

    def _code_for_retrieval(self: WorkbenchHost) -> int | None:
        focused = self.focused
        if focused is not self.tree and self._document is not None:
            here = self.view.codings_at(self.view.cursor)
            if here:
                return here[0].code_id
        code = self.tree.highlighted_code
        return code.id if code else None

    def action_retrieval(self: WorkbenchHost) -> None:
        code_id = self._code_for_retrieval()
        # the other screens are imported when first opened, to keep the start quick
        from codage.tui.screens.retrieval import RetrievalScreen

        self.app.push_screen(RetrievalScreen(code_id))

    def action_corpus_search(self: WorkbenchHost) -> None:
        """Search every document (the `/` query, if any, to start with)."""
        from codage.tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(self._query))

    def on_transcript_view_assist_requested(
        self: WorkbenchHost, message: TranscriptView.AssistRequested
    ) -> None:
        """Similar passages or code suggestions for the passage (issue 18)."""
        from codage.tui.screens.assist import AssistScreen

        self.app.push_screen(AssistScreen(message.mode, message.document_id, message.span))

    def action_export(self: WorkbenchHost) -> None:
        from codage.tui.screens.export_dialog import ExportDialog

        self.app.push_screen(ExportDialog())

    def action_pseudonyms(self: WorkbenchHost) -> None:
        from codage.tui.screens.pseudonyms import PseudonymScreen

        self.app.push_screen(PseudonymScreen(self.app.coder))  # type: ignore[attr-defined]

    def action_stats(self: WorkbenchHost) -> None:
        from codage.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

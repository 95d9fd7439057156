"""The coding workbench: documents, transcript, codebook, and what lies under the cursor.

Everything the researcher does here goes through the project in a thread worker (one write at
a time, under a lock, so that quick keystrokes never race in the database) and comes back as a
message; the handlers update what the screen holds and hand the widgets plain domain objects.
Adding or removing one coding updates the transcript with ``set_codings`` and the counts in
place; undo, redo and codebook edits read the codebook and the document's codings again.

Survey documents (answers linked to respondents) are shown in the same transcript view, each
answer under a header line naming its respondent and attributes. An attribute filter dims the
answers that do not match and makes ``]`` / ``[`` step through the matching ones only. This
keeps offsets, codings, search and undo exactly as for interviews (one view, one text), and a
researcher still sees where an answer sits among the others; a separate filtered text would
need its own offset mapping for every coding and every jump.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from codage.display import visible
from codage.domain import Case, Code, Coding, Document, DocumentInfo, Memo, Span, Unit, fold
from codage.i18n import t
from codage.tui.bindings import localize
from codage.tui.commands import WorkbenchCommands
from codage.tui.messages import (
    ActionFailed,
    ApplyCodeRequested,
    CodingsChanged,
    CodingsLoaded,
    DocumentMemoSaved,
    DocumentOpened,
    DocumentUnitsRead,
    EditCodeRequested,
    ProjectChanged,
    ProjectLoaded,
)
from codage.tui.screens.dialogs import Choice, MemoEditor
from codage.tui.screens.workbench_apply import CodingApply, document_label
from codage.tui.screens.workbench_codebook import CodebookEdits
from codage.tui.screens.workbench_reading import ReadingActions
from codage.tui.screens.workbench_support import (
    WIDE,
    answer_note,
    case_matches,
    height_of,
    parse_filter,
)
from codage.tui.screens.workbench_team import TeamActions
from codage.tui.screens.workbench_workers import WorkbenchWorkers
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.document_filter import DocumentFilter
from codage.tui.widgets.steady_footer import SteadyFooter
from codage.tui.widgets.transcript_layout import LateBounds, LateUnits
from codage.tui.widgets.transcript_view import TranscriptView

if TYPE_CHECKING:
    from codage.services import Project


class WorkbenchScreen(
    TeamActions, WorkbenchWorkers, CodingApply, ReadingActions, CodebookEdits, Screen[None]
):
    """Read, code and manage the codebook."""

    COMMANDS = {WorkbenchCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+z", "undo", "Undo", show=False, id="undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("m", "memo", "Memo", id="memo"),
        Binding("slash", "search", "Search", key_display="/", id="search"),
        Binding("ctrl+f,F", "corpus_search", "Search the corpus", show=False, id="corpus_search"),
        Binding("n", "search_step(1)", "Next hit", show=False, id="search_next"),
        Binding("N", "search_step(-1)", "Previous hit", show=False, id="search_previous"),
        Binding("right_square_bracket", "step(1)", "Next answer", show=False, id="next_answer"),
        Binding(
            "left_square_bracket", "step(-1)", "Previous answer", show=False, id="previous_answer"
        ),
        Binding("f", "filter_answers", "Filter answers", show=False, id="filter_answers"),
        Binding("l", "layers", "Coders", id="layers"),
        Binding("o", "focus_documents", "Open…", id="focus_documents"),
        Binding("d", "toggle_documents", "Documents", show=False, id="toggle_documents"),
        Binding("b", "toggle_codebook", "Codebook", show=False, id="toggle_codebook"),
        Binding("g", "focus_codebook", "Go to codebook", show=False, id="focus_codebook"),
        Binding("escape", "focus_transcript", show=False, id="focus_transcript"),
        Binding("r", "retrieval", "Retrieve", id="retrieval"),
        Binding("e", "export", "Export", show=False, id="export"),
        Binding("i", "stats", "Statistics", show=False, id="stats"),
        Binding("v", "compare", "Compare", show=False, id="compare"),
        Binding("L", "choose_pair", "Choose two coders", show=False, id="choose_pair"),
        Binding("A", "aside", "Kept aside", show=False, id="aside"),
        Binding("E", "edit_text", "Correct the text", show=False, id="edit_text"),
        Binding("P", "pseudonyms", "Pseudonymise", show=False, id="pseudonyms"),
    ]

    def __init__(self) -> None:
        super().__init__()
        localize(self)
        self._write_lock = threading.Lock()
        self._documents: list[DocumentInfo] = []
        self._shares: dict[int, float] = {}
        self._cases: dict[str, Case] = {}
        self._codes: list[Code] = []
        self._codes_by_id: dict[int, Code] = {}
        self._project_counts: Counter[int] = Counter()
        self._coders: list[str] = []
        self._document: Document | None = None
        self._units: list[Unit] = []
        # the rest of the open document's units, while a worker reads them: see take_units
        self._late_units: LateUnits | None = None
        self._unit_bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]] = {}
        # answers of the open document: the title counts them on every coding change
        self._answer_count = 0
        self._unit_cases: dict[int, Case] = {}
        self._doc_memo: Memo | None = None
        self._codings: list[Coding] = []
        self._layer = "mine"
        self._layer_chosen = False
        # the two coders of the side-by-side layer: left (the main view) and right
        self._left_coder: str | None = None
        self._other_coder: str | None = None
        self._answer_filter = ""
        self._steps: list[Span] = []
        self._hits: list[Span] = []
        self._hit = -1
        self._query = ""
        # None: the panes follow the width; True/False: the researcher chose
        self._show_documents: bool | None = None
        self._show_codebook: bool | None = None
        self._pending_jump: Span | None = None
        # what the title and the cursor panel show: updating a Static with the same text
        # would still cost a layout pass of the whole screen on every cursor move
        self._shown: dict[str, str | Content] = {}

    # ------------------------------------------------------------------ layout

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    @property
    def coder(self) -> str:
        return self.app.coder  # type: ignore[attr-defined,no-any-return]

    @property
    def recent(self) -> list[int]:
        return self.app.recent_codes  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="documents-pane", classes="pane"):
                yield Static(t("tui.documents"), classes="pane-title")
                yield DocumentFilter(placeholder=t("tui.filter.placeholder"), id="document-filter")
                yield OptionList(id="documents")
            with Vertical(id="reading-pane"):
                yield Static(t("tui.no_document"), id="document-title")
                with Horizontal(id="views"):
                    yield TranscriptView(id="transcript")
                    yield TranscriptView(id="transcript-other")
            with Vertical(id="codebook-pane", classes="pane"):
                yield Static(t("tui.codebook.title"), classes="pane-title")
                yield CodebookTree(id="codebook")
                yield Static(t("tui.under_cursor"), classes="pane-title")
                yield Static("", id="cursor-panel")
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#transcript-other").display = False
        self.query_one("#transcript-other", TranscriptView).can_focus = False
        self._apply_panes()
        self.query_one("#documents", OptionList).focus()
        self.load_project()
        self.start_polling()

    def on_resize(self) -> None:
        self._apply_panes()

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    @property
    def other_view(self) -> TranscriptView:
        return self.query_one("#transcript-other", TranscriptView)

    # shadows DOMNode.tree (a debug rendering of the DOM, unused here); the workers read this name
    @property
    def tree(self) -> CodebookTree:  # type: ignore[override]
        return self.query_one(CodebookTree)

    def _apply_panes(self) -> None:
        """Show the side panes the width allows, unless the researcher chose."""
        width = self.size.width or self.app.size.width
        wide = width >= WIDE
        documents = self._show_documents
        if documents is None:
            documents = wide or self._document is None
        codebook = self._show_codebook
        if codebook is None:
            codebook = wide or not documents
        self.query_one("#documents-pane").display = documents
        self.query_one("#codebook-pane").display = codebook
        self.set_class(not wide, "-narrow")

    # ------------------------------------------------------------------ facts

    @on(ActionFailed)
    async def _failed(self, message: ActionFailed) -> None:
        await self.release_picker()
        self.notify(message.text, severity="warning")

    @on(ProjectLoaded)
    def _project_loaded(self, message: ProjectLoaded) -> None:
        state = message.state
        self.app.title = f"codage — {state.name}"
        # known without the full store while the first screen is drawn (see CodageApp)
        read_only = getattr(self.app, "project_read_only", None)
        if read_only is None:
            read_only = self.project.read_only
        self.app.sub_title = t("tui.read_only", coder=self.coder) if read_only else self.coder
        self._documents = state.documents
        self.call_after_refresh(self.first_state_drawn)
        self._shares = self._shares if state.partial else state.shares
        self._shares_known = self._shares_known or not state.partial
        self._cases = state.cases
        self._codes = state.codes
        self._codes_by_id = {c.id: c for c in state.codes}
        self._project_counts = Counter(state.project_counts)
        self._coders = state.coders
        if not self._layer_chosen:
            # A coder who has coded nothing yet (opening the demo, reviewing a
            # merged project) would see a bare transcript: show everyone's codings.
            self._layer_chosen = True
            own = state.recent if state.has_own is None else state.has_own
            if not own and any(c != self.coder for c in state.coders):
                self._layer = "all"
        if not self.recent:
            self.recent.extend(state.recent)
        self._fill_documents()
        self.tree.set_codebook(self._codes, self._document_counts(), dict(self._project_counts))
        for view in (self.view, self.other_view):
            view.set_codes(self._codes)
        self._show_cursor()

    @on(DocumentOpened)
    def _document_opened(self, message: DocumentOpened) -> None:
        document = message.document
        late, units = message.late_units, message.units
        self._document = document
        self._unit_cases = message.unit_cases
        _, attributes = parse_filter(self.query_one("#document-filter", Input).value)
        if attributes and self._unit_cases:
            # the document list's attribute filter carries over to a survey's answers
            self._answer_filter = " ".join(f"{k}={v}" for k, v in attributes.items())
        elif not self._unit_cases:
            self._answer_filter = ""
        notes = {
            u.start: answer_note(self._unit_cases[u.id]) for u in units if u.id in self._unit_cases
        }
        if late is not None and self._answer_filter:
            # a filter dims answers and counts them in the title: every unit, now
            rest = late.take()
            units, late = rest.units, None
            notes.update(rest.notes)
        self._late_units = late
        self._units = units
        self._unit_bounds = message.bounds
        self._answer_count = sum(1 for u in self._units if u.kind == "answer")
        self._doc_memo = message.memo
        self._codings = message.codings
        self._hits, self._hit = [], -1
        if self._layer == "side":
            self._set_pair()
        # The previous document's objects may go now; the new one's are frozen below.
        gc.unfreeze()
        self.view.load(
            document,
            self._units,
            self._layer_codings(),
            self._codes,
            notes,
            self._unit_bounds,
            late_units=late,
        )
        # A 10 MB transcript leaves hundreds of thousands of long-lived objects (units, wrap
        # index, strips): kept out of the collector's full sweeps, they stall no keystroke.
        gc.freeze()
        if self._layer == "side":
            self._load_other(notes)
        if late is None:
            self._apply_answer_filter()
        else:
            # no filter: nothing dimmed; the steps of ] and [ come with every unit
            self._steps = []
            for view in (self.view, self.other_view):
                view.set_dimmed([])
        self._apply_panes()
        self.view.focus()
        if message.jump is not None:
            self.view.jump_to(message.jump)
        self.tree.set_counts(self._document_counts(), dict(self._project_counts))
        self._fill_documents()
        self._show_title()
        self._show_cursor()
        if isinstance(message.bounds, LateBounds):
            # the sentences are read once the document is painted
            self.call_after_refresh(message.bounds.shown)

    @on(DocumentUnitsRead)
    def _document_units_read(self, message: DocumentUnitsRead) -> None:
        if message.late_units is self._late_units:
            self.take_units()

    @on(CodingsChanged)
    async def _codings_changed(self, message: CodingsChanged) -> None:
        await self.codings_changed(message)

    @on(CodingsLoaded)
    def _codings_loaded(self, message: CodingsLoaded) -> None:
        if self._document is None or message.document_id != self._document.id:
            return
        self._codings = message.codings
        self.refresh_codings()

    @on(ProjectChanged)
    def _project_changed(self, message: ProjectChanged) -> None:
        self.load_project(message.note, message.select_code)
        if self._document is not None:
            self.reload_codings(self._document.id)

    @on(DocumentMemoSaved)
    def _memo_saved(self, message: DocumentMemoSaved) -> None:
        if self._document is not None and message.document_id == self._document.id:
            self._doc_memo = message.memo
        self.notify(t("tui.memo_saved"), timeout=2)
        self._show_cursor()

    def _codes_of(self, coding_ids: Iterable[int]) -> list[int]:
        wanted = set(coding_ids)
        return [c.code_id for c in self._codings if c.id in wanted]

    # ------------------------------------------------------------------ views

    def _document_counts(self) -> Counter[int]:
        return Counter(c.code_id for c in self._codings)

    def _code_name(self, code_id: int) -> str:
        code = self._codes_by_id.get(code_id)
        return code.path_str if code else str(code_id)

    def _update(self, selector: str, text: str | Content, *, layout: bool = True) -> None:
        """Update a Static only when its text changes, and lay the screen out again only
        when its height changes: a layout pass of the whole screen costs more than paging
        the transcript, and most cursor moves change the panel's text, not its height."""
        if self._shown.get(selector) == text:
            return
        self._shown[selector] = text
        static = self.query_one(selector, Static)
        if not layout or not static.size.width:
            static.update(text, layout=layout)
            return
        static.update(text, layout=False)
        if height_of(static) != static.size.height:
            static.refresh(layout=True)

    def _show_title(self) -> None:
        document = self._document
        if document is None:
            empty = t("tui.no_document") if self._documents else t("tui.no_documents")
            self._update("#document-title", empty, layout=False)
            return
        share = round(100 * self._shares.get(document.id, 0.0))
        if self._layer == "side":
            left = self._left_coder or self.coder
            layer = t("tui.layer.side", left=left, right=self._other_coder or "—")
        else:
            layer = t(f"tui.layer.{self._layer}")
        # names and the typed filter are data: Content parts, never markup
        parts: list[Content | str] = [
            Content.styled(visible(document.name), "bold"),
            t("tui.coded_share", share=share),
        ]
        parts.append(visible(layer))
        if self._answer_count and self._answer_filter:
            parts.append(t("tui.answers", shown=len(self._steps), total=self._answer_count))
            parts.append(visible(t("tui.answer_filter", filter=self._answer_filter)))
        self._update("#document-title", Content(" · ").join(parts), layout=False)

    def _show_cursor(self) -> None:
        """What lies under the cursor: the codings there, their coders and memos."""
        if self._document is None:
            self._update("#cursor-panel", "")
            return
        # names, coders and memos are data: Content parts, never markup
        lines: list[Content] = []
        for coding in self.view.codings_at(self.view.cursor):
            code = self._codes_by_id.get(coding.code_id)
            colour = code.colour if code else "#888888"
            name = code.name if code else "?"
            lines.append(
                Content.assemble(
                    ("■", colour), f" {visible(name)} ", (f"— {visible(coding.coder)}", "dim")
                )
            )
            if coding.memo:
                lines.append(
                    Content.assemble("  ", (visible(coding.memo, multiline=True), "italic"))
                )
        if not lines:
            lines.append(Content.styled(t("tui.nothing_here"), "dim"))
        if self._doc_memo is not None and self._doc_memo.text.strip():
            memo = visible(self._doc_memo.text, multiline=True)
            lines.append(Content.assemble((t("tui.document_memo"), "bold"), f": {memo}"))
        self._update("#cursor-panel", Content("\n").join(lines))

    def _fill_documents(self) -> None:
        """The document list, filtered by name words and case attributes."""
        options = self.query_one("#documents", OptionList)
        words, attributes = parse_filter(self.query_one("#document-filter", Input).value)
        current = self._document.id if self._document else None
        highlighted = options.highlighted
        keep = None
        if highlighted is not None and highlighted < options.option_count:
            keep = options.get_option_at_index(highlighted).id
        options.clear_options()
        # added at once: one at a time, each re-measured the whole list (a thousand
        # documents of a large project took seconds of the opening)
        shown: list[Option] = []
        for document in self._documents:
            name = fold(document.name)
            if not all(w in name for w in words):
                continue
            # surveys pass attribute filters: the filter applies to their answers instead
            case = self._cases.get(document.case or "")
            if document.kind != "survey" and attributes and not case_matches(case, attributes):
                continue
            share = self._shares.get(document.id, 0.0)
            label = document_label(
                document, share, current=document.id == current, known=self._shares_known
            )
            shown.append(Option(label, id=str(document.id)))
        options.add_options(shown)
        if options.option_count:
            index = 0
            for i in range(options.option_count):
                if options.get_option_at_index(i).id in (keep, str(current)):
                    index = i
                    if options.get_option_at_index(i).id == keep:
                        break
            options.highlighted = index

    # ------------------------------------------------------------------ widgets' messages

    @on(Input.Changed, "#document-filter")
    def _document_filter_changed(self) -> None:
        self._fill_documents()

    @on(Input.Submitted, "#document-filter")
    def _document_filter_submitted(self) -> None:
        """Enter in the filter opens the highlighted document (one Enter, not two)."""
        options = self.query_one("#documents", OptionList)
        index = options.highlighted
        if index is None or index >= options.option_count:
            options.focus()
            return
        option_id = options.get_option_at_index(index).id
        if option_id is not None:
            self.open_document(int(option_id))

    @on(DocumentFilter.Stepped)
    def _document_filter_stepped(self, message: DocumentFilter.Stepped) -> None:
        """Arrows in the filter move the list's highlight, the focus stays to type."""
        options = self.query_one("#documents", OptionList)
        if not options.option_count:
            return
        index = options.highlighted if options.highlighted is not None else -1
        options.highlighted = max(0, min(options.option_count - 1, index + message.delta))

    @on(OptionList.OptionSelected, "#documents")
    def _document_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.open_document(int(event.option.id))

    @on(TranscriptView.CursorMoved, "#transcript")
    def _cursor_moved(self) -> None:
        self._show_cursor()
        if self._layer == "side":
            self.other_view.scroll_to(y=self.view.scroll_offset.y, animate=False, force=True)

    @on(TranscriptView.ApplyCodeRequested)
    def _apply_requested(self, message: TranscriptView.ApplyCodeRequested) -> None:
        self.pick_code(message)

    @on(TranscriptView.RemoveCodingRequested)
    def _remove_requested(self, message: TranscriptView.RemoveCodingRequested) -> None:
        own = self.own(message.codings)
        if not own:
            self.refuse_others(message.codings)
            return
        self._choose_coding(own, t("tui.which_coding.remove"), self.remove_coding)

    def _choose_coding(
        self, codings: Sequence[Coding], title: str, then: Callable[[Coding], object]
    ) -> None:
        """``then`` the one coding, or the one the researcher picks among several."""
        if len(codings) == 1:
            then(codings[0])
            return
        labels = [f"{self._code_name(c.code_id)} — {c.coder} [{c.start}, {c.end})" for c in codings]

        def chosen(index: int | None) -> None:
            if index is not None:
                then(codings[index])

        self.app.push_screen(Choice(title, labels), chosen)

    @on(EditCodeRequested)
    def _edit_requested(self, message: EditCodeRequested) -> None:
        self.edit_code(message)

    @on(ApplyCodeRequested)
    def _apply_code_requested(self, message: ApplyCodeRequested) -> None:
        self.apply_code(message)

    # ------------------------------------------------------------------ public

    def open_document(self, document_id: int, span: tuple[int, int] | Span | None = None) -> None:
        """Show a document (read in a worker) and select ``span`` in it."""
        jump = None
        if span is not None:
            jump = span if isinstance(span, Span) else Span(span[0], span[1])
        if self._document is not None and self._document.id == document_id:
            if jump is not None:
                self.view.jump_to(jump)
            self.view.focus()
            return
        self.load_document(document_id, jump)

    # ------------------------------------------------------------------ actions

    def action_undo(self) -> None:
        self.undo_redo(False)

    def action_redo(self) -> None:
        self.undo_redo(True)

    def action_memo(self) -> None:
        document = self._document
        if document is None:
            self.notify(t("tui.open_document_first"))
            return
        codings = self.view.codings_at(self.view.cursor)
        if codings:

            def write(coding: Coding) -> None:
                if coding.coder != self.coder:
                    # another coder's memo: theirs to write, the researcher may read it
                    title = t(
                        "tui.lane.memo_read_only",
                        coder=coding.coder,
                        code=self._code_name(coding.code_id),
                    )
                    self.app.push_screen(MemoEditor(title, coding.memo or "", read_only=True))
                    return

                def saved(text: str | None) -> None:
                    if text is not None:
                        self.store_coding_memo(coding, text)

                title = t("tui.memo.on_coding", code=self._code_name(coding.code_id))
                self.app.push_screen(MemoEditor(title, coding.memo or ""), saved)

            self._choose_coding(codings, t("tui.which_coding.memo"), write)
            return
        memo = self._doc_memo

        def saved(text: str | None) -> None:
            if text is not None:
                self.store_document_memo(document.id, memo, text)

        title = t("tui.memo.on_document", document=document.name)
        self.app.push_screen(MemoEditor(title, memo.text if memo else ""), saved)

    # ------------------------------------------------------------------ other screens

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
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.scalar import Unit as ScalarUnit
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from codage.domain import (
    Case,
    Code,
    Coding,
    Document,
    DocumentInfo,
    Memo,
    Span,
    Unit,
    attribute_labels,
    fold,
)
from codage.i18n import t
from codage.services import Project, StoreError
from codage.tui.bindings import localize
from codage.tui.commands import WorkbenchCommands
from codage.tui.messages import (
    ActionFailed,
    CodingsChanged,
    CodingsLoaded,
    DocumentMemoSaved,
    DocumentOpened,
    EditCodeRequested,
    ProjectChanged,
    ProjectLoaded,
)
from codage.tui.screens.dialogs import Choice, Confirm, MemoEditor, TextPrompt
from codage.tui.widgets.code_picker import CodePicker, NewCode, PickedCode
from codage.tui.widgets.codebook_tree import CodebookTree, move_target
from codage.tui.widgets.document_filter import DocumentFilter
from codage.tui.widgets.steady_footer import SteadyFooter
from codage.tui.widgets.transcript_view import TranscriptView

LAYERS = ("mine", "all", "side")

# Attributes shown first in an answer's header, when the respondents have them.
PREFERRED_ATTRIBUTES = ("type_collectivite", "grade", "direction", "service", "role", "fonction")

# Below this width only one side pane fits next to a readable transcript.
WIDE = 120

# What kinds of unit ``]`` and ``[`` step through, best first.
STEP_KINDS = ("answer", "turn", "paragraph")

# Errors a person can cause (a duplicate name, an undo blocked by later changes): shown as a
# notification, never as a crash.
EXPECTED_ERRORS = (StoreError, ValueError, LookupError)


def parse_filter(text: str) -> tuple[list[str], dict[str, str]]:
    """``"entretien grade=C"`` -> words ``["entretien"]`` and attributes ``{"grade": "c"}``,
    folded (case and accents ignored)."""
    words: list[str] = []
    attributes: dict[str, str] = {}
    for token in re.findall(r'(\S+?=(?:"[^"]*"|\S+)|\S+)', text):
        if "=" in token:
            key, value = token.split("=", 1)
            attributes[fold(key.strip())] = fold(value.strip().strip('"'))
        else:
            words.append(fold(token))
    return words, attributes


def case_matches(case: Case | None, wanted: dict[str, str]) -> bool:
    """Whether a case has every wanted attribute value (folded; a value may be a prefix)."""
    if not wanted:
        return True
    if case is None:
        return False
    have = {fold(k): fold(str(v)) for k, v in case.attributes.items() if v is not None}
    return all(k in have and have[k].startswith(v) for k, v in wanted.items())


def answer_note(case: Case) -> str:
    """``R0001 · Département · grade B · Finances · anciennete 5-14 ans``: the respondent,
    then attributes, named where the value alone would be ambiguous."""
    return " · ".join([case.name, *attribute_labels(case.attributes, PREFERRED_ATTRIBUTES)])


def coded_shares(documents: Iterable[DocumentInfo], codings: Iterable[Coding]) -> dict[int, float]:
    """Share of each document's text covered by at least one coding (any coder)."""
    spans: dict[int, list[Coding]] = {}
    for c in codings:
        spans.setdefault(c.document_id, []).append(c)
    return {
        d.id: (covered_by(spans.get(d.id, [])) / d.length if d.length else 0.0) for d in documents
    }


def covered_by(codings: Iterable[Coding]) -> int:
    """Code points covered by at least one coding: ``covered_length`` of their spans, on
    plain pairs, since it runs on every coding applied (5,000 ``Span`` objects built and
    sorted took some 15 ms a keystroke)."""
    total, reach = 0, -1
    for start, end in sorted((c.start, c.end) for c in codings):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


class WorkbenchScreen(Screen[None]):
    """Read, code and manage the codebook."""

    COMMANDS = {WorkbenchCommands}

    BINDINGS: list[BindingType] = [
        Binding("ctrl+z", "undo", "Undo", show=False, id="undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("m", "memo", "Memo", id="memo"),
        Binding("slash", "search", "Search", key_display="/", id="search"),
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
        self._unit_bounds: dict[str, tuple[list[int], list[int]]] = {}
        # answers of the open document: the title counts them on every coding change
        self._answer_count = 0
        self._unit_cases: dict[int, Case] = {}
        self._doc_memo: Memo | None = None
        self._codings: list[Coding] = []
        self._layer = "mine"
        self._layer_chosen = False
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
        self._shown: dict[str, str] = {}

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

    def on_resize(self) -> None:
        self._apply_panes()

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    @property
    def other_view(self) -> TranscriptView:
        return self.query_one("#transcript-other", TranscriptView)

    @property
    def tree(self) -> CodebookTree:
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

    # ------------------------------------------------------------------ workers

    def _fail(self, exc: Exception) -> None:
        self.post_message(ActionFailed(str(exc)))

    @work(thread=True, exclusive=True, group="project")
    def load_project(self, note: str = "", select_code: int | None = None) -> None:
        """Read documents, shares, cases, codebook and counts."""
        project = self.project
        documents = project.documents()
        codings = project.codings()
        mine = sorted(
            (c for c in codings if c.coder == self.coder),
            key=lambda c: (c.updated_at or c.created_at) or 0,  # type: ignore[arg-type,return-value]
            reverse=True,
        )
        recent: list[int] = []
        for c in mine:
            if c.code_id not in recent:
                recent.append(c.code_id)
            if len(recent) >= 12:
                break
        self.post_message(
            ProjectLoaded(
                name=project.name,
                documents=documents,
                shares=coded_shares(documents, codings),
                cases={c.name: c for c in project.cases()},
                codes=project.codes(),
                project_counts=project.coding_counts(),
                recent=recent,
                coders=sorted({c.coder for c in codings} | {self.coder}),
            )
        )
        if note:
            self.app.call_from_thread(self.notify, note)
        if select_code is not None:
            self.app.call_from_thread(self.tree.select_code, select_code)

    @work(thread=True, exclusive=True, group="document")
    def load_document(self, document_id: int, jump: Span | None = None) -> None:
        """Read a document with its units, codings, respondents and memo."""
        project = self.project
        try:
            document = project.document(document_id)
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
            return
        memos = project.memos("document", document_id)
        # sentences as bounds and codings as plain rows: on a 10 MB transcript building
        # 87,000 sentence Units and 5,000 ORM codings took half a second of the opening
        units, bounds = project.units_and_bounds(document_id)
        self.post_message(
            DocumentOpened(
                document=document,
                units=units,
                codings=project.codings_bulk(document_ids=[document_id]),
                unit_cases=project.unit_cases(document_id),
                memo=memos[0] if memos else None,
                jump=jump,
                bounds=bounds,
            )
        )

    @work(thread=True, group="document")
    def reload_codings(self, document_id: int) -> None:
        self.post_message(CodingsLoaded(document_id, self.project.codings(document_id=document_id)))

    def _write(self, job: Callable[[Project], None]) -> None:
        """Run one write under the lock; a refusal becomes a notification."""
        with self._write_lock:
            try:
                job(self.project)
            except EXPECTED_ERRORS as exc:
                self._fail(exc)

    @work(thread=True, group="write")
    def store_coding(self, document_id: int, code_id: int, span: Span) -> None:
        def job(project: Project) -> None:
            coding = project.add_coding(
                document_id, code_id, span.start, span.end, coder=self.coder
            )
            name = self._code_name(code_id)
            self.post_message(
                CodingsChanged(document_id, added=[coding], note=t("tui.coded", code=name))
            )

        self._write(job)

    @work(thread=True, group="write")
    def store_new_code(self, document_id: int, new: NewCode, span: Span) -> None:
        """Create a code and apply it, as one journal entry (one undo takes both back)."""

        def job(project: Project) -> None:
            with project.batch(coder=self.coder, action="create_code", summary=new.name):
                code = project.create_code(new.name, parent_id=new.parent_id, coder=self.coder)
                coding = project.add_coding(
                    document_id, code.id, span.start, span.end, coder=self.coder
                )
            self.post_message(
                ProjectChanged(t("tui.code_created", code=code.path_str), select_code=code.id)
            )
            self.post_message(CodingsChanged(document_id, added=[coding]))

        self._write(job)

    @work(thread=True, group="write")
    def remove_coding(self, coding: Coding) -> None:
        def job(project: Project) -> None:
            project.remove_coding(coding.id, coder=self.coder)
            name = self._code_name(coding.code_id)
            self.post_message(
                CodingsChanged(
                    coding.document_id, removed=[coding.id], note=t("tui.uncoded", code=name)
                )
            )

        self._write(job)

    @work(thread=True, group="write")
    def store_coding_memo(self, coding: Coding, text: str) -> None:
        def job(project: Project) -> None:
            updated = project.set_coding_memo(coding.id, text.strip() or None, coder=self.coder)
            self.post_message(
                CodingsChanged(
                    coding.document_id,
                    added=[updated],
                    removed=[coding.id],
                    note=t("tui.memo_saved"),
                )
            )

        self._write(job)

    @work(thread=True, group="write")
    def store_document_memo(self, document_id: int, memo: Memo | None, text: str) -> None:
        def job(project: Project) -> None:
            if memo is None:
                saved = project.add_memo("document", document_id, text, coder=self.coder)
            else:
                saved = project.update_memo(memo.id, text, coder=self.coder)
            self.post_message(DocumentMemoSaved(document_id, saved))

        self._write(job)

    @work(thread=True, group="write")
    def undo_redo(self, redo: bool) -> None:
        def job(project: Project) -> None:
            entry = (project.redo if redo else project.undo)(coder=self.coder)
            if entry is None:
                key = "redo.none" if redo else "undo.none"
                self.post_message(ActionFailed(t(key, coder=self.coder)))
                return
            key = "redo.done" if redo else "undo.done"
            self.post_message(ProjectChanged(t(key, summary=entry.summary)))

        self._write(job)

    @work(thread=True, group="write")
    def edit_codebook(self, job: Callable[[Project], tuple[str, int | None]]) -> None:
        """Run a codebook edit; its note and the code to select come back with the reload."""

        def run(project: Project) -> None:
            note, select = job(project)
            self.post_message(ProjectChanged(note, select_code=select))

        self._write(run)

    # ------------------------------------------------------------------ facts

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.notify(message.text, severity="warning")

    @on(ProjectLoaded)
    def _project_loaded(self, message: ProjectLoaded) -> None:
        self.app.title = f"codage — {message.name}"
        self.app.sub_title = self.coder
        self._documents = message.documents
        self._shares = message.shares
        self._cases = message.cases
        self._codes = message.codes
        self._codes_by_id = {c.id: c for c in message.codes}
        self._project_counts = Counter(message.project_counts)
        self._coders = message.coders
        if not self._layer_chosen:
            # A coder who has coded nothing yet (opening the demo, reviewing a
            # merged project) would see a bare transcript: show everyone's codings.
            self._layer_chosen = True
            if not message.recent and any(c != self.coder for c in message.coders):
                self._layer = "all"
        if not self.recent:
            self.recent.extend(message.recent)
        self._fill_documents()
        self.tree.set_codebook(self._codes, self._document_counts(), dict(self._project_counts))
        for view in (self.view, self.other_view):
            view.set_codes(self._codes)
        self._show_cursor()

    @on(DocumentOpened)
    def _document_opened(self, message: DocumentOpened) -> None:
        document = message.document
        self._document = document
        self._units = message.units
        self._unit_bounds = message.bounds
        self._answer_count = sum(1 for u in self._units if u.kind == "answer")
        self._unit_cases = message.unit_cases
        self._doc_memo = message.memo
        self._codings = message.codings
        self._hits, self._hit = [], -1
        _, attributes = parse_filter(self.query_one("#document-filter", Input).value)
        if attributes and self._unit_cases:
            # the document list's attribute filter carries over to a survey's answers
            self._answer_filter = " ".join(f"{k}={v}" for k, v in attributes.items())
        elif not self._unit_cases:
            self._answer_filter = ""
        notes = {
            u.start: answer_note(self._unit_cases[u.id])
            for u in self._units
            if u.id in self._unit_cases
        }
        # The previous document's objects may go now; the new one's are frozen below.
        gc.unfreeze()
        self.view.load(
            document, self._units, self._layer_codings(), self._codes, notes, self._unit_bounds
        )
        # A 10 MB transcript leaves hundreds of thousands of long-lived objects
        # (units, wrap index, strips): keeping them out of the collector's sweeps
        # stops full collections from stalling keystrokes for 100 ms and more.
        gc.freeze()
        if self._layer == "side":
            self._load_other(notes)
        self._apply_answer_filter()
        self._apply_panes()
        self.view.focus()
        if message.jump is not None:
            self.view.jump_to(message.jump)
        self.tree.set_counts(self._document_counts(), dict(self._project_counts))
        self._fill_documents()
        self._show_title()
        self._show_cursor()

    @on(CodingsChanged)
    def _codings_changed(self, message: CodingsChanged) -> None:
        for code_id in self._codes_of(message.removed):
            self._project_counts[code_id] -= 1
        for coding in message.added:
            self._project_counts[coding.code_id] += 1
        if message.note:
            self.notify(message.note, timeout=2)
        if self._document is None or message.document_id != self._document.id:
            return
        gone = set(message.removed)
        self._codings = [c for c in self._codings if c.id not in gone] + message.added
        self._codings.sort(key=lambda c: (c.start, c.end, c.id))
        for coding in message.added:
            if coding.code_id in self.recent:
                self.recent.remove(coding.code_id)
            self.recent.insert(0, coding.code_id)
        self._refresh_codings()

    @on(CodingsLoaded)
    def _codings_loaded(self, message: CodingsLoaded) -> None:
        if self._document is None or message.document_id != self._document.id:
            return
        self._codings = message.codings
        self._refresh_codings()

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

    def _refresh_codings(self) -> None:
        """Hand the views the codings of their layers; update counts, shares, panel."""
        assert self._document is not None
        self.view.set_codings(self._layer_codings())
        if self._layer == "side" and self._other_coder:
            self.other_view.set_codings([c for c in self._codings if c.coder == self._other_coder])
        self.tree.set_counts(self._document_counts(), dict(self._project_counts))
        document = self._document
        share = covered_by(self._codings) / max(1, len(document.text))
        before = round(100 * self._shares.get(document.id, 0.0))
        self._shares[document.id] = share
        if round(100 * share) != before:
            self._fill_documents()
        self._show_title()
        self._show_cursor()

    # ------------------------------------------------------------------ views

    def _document_counts(self) -> Counter[int]:
        return Counter(c.code_id for c in self._codings)

    def _code_name(self, code_id: int) -> str:
        code = self._codes_by_id.get(code_id)
        return code.path_str if code else str(code_id)

    def _layer_codings(self) -> list[Coding]:
        if self._layer == "all":
            return list(self._codings)
        return [c for c in self._codings if c.coder == self.coder]

    def _load_other(self, notes: dict[int, str] | None = None) -> None:
        assert self._document is not None
        if notes is None:
            notes = {
                u.start: answer_note(self._unit_cases[u.id])
                for u in self._units
                if u.id in self._unit_cases
            }
        others = Counter(c.coder for c in self._codings if c.coder != self.coder)
        self._other_coder = others.most_common(1)[0][0] if others else None
        codings = [c for c in self._codings if c.coder == self._other_coder]
        self.other_view.load(
            self._document, self._units, codings, self._codes, notes, self._unit_bounds
        )
        self.other_view.set_dimmed(self.view._dimmed)

    def _update(self, selector: str, text: str, *, layout: bool = True) -> None:
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
        if _height_of(static) != static.size.height:
            static.refresh(layout=True)

    def _show_title(self) -> None:
        document = self._document
        if document is None:
            empty = t("tui.no_document") if self._documents else t("tui.no_documents")
            self._update("#document-title", empty, layout=False)
            return
        share = round(100 * self._shares.get(document.id, 0.0))
        if self._layer == "side":
            layer = t("tui.layer.side", left=self.coder, right=self._other_coder or "—")
        else:
            layer = t(f"tui.layer.{self._layer}")
        parts = [f"[b]{document.name}[/b]", t("tui.coded_share", share=share), layer]
        if self._answer_count and self._answer_filter:
            parts.append(t("tui.answers", shown=len(self._steps), total=self._answer_count))
            parts.append(t("tui.answer_filter", filter=self._answer_filter))
        self._update("#document-title", " · ".join(parts), layout=False)

    def _show_cursor(self) -> None:
        """What lies under the cursor: the codings there, their coders and memos."""
        if self._document is None:
            self._update("#cursor-panel", "")
            return
        lines: list[str] = []
        for coding in self.view.codings_at(self.view.cursor):
            code = self._codes_by_id.get(coding.code_id)
            colour = code.colour if code else "#888888"
            name = code.name if code else "?"
            lines.append(f"[{colour}]■[/] {_escape(name)} [dim]— {_escape(coding.coder)}[/]")
            if coding.memo:
                lines.append(f"  [i]{_escape(coding.memo)}[/]")
        if not lines:
            lines.append(f"[dim]{t('tui.nothing_here')}[/]")
        if self._doc_memo is not None and self._doc_memo.text.strip():
            lines.append(f"[b]{t('tui.document_memo')}[/b]: {_escape(self._doc_memo.text)}")
        self._update("#cursor-panel", "\n".join(lines))

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
        for document in self._documents:
            name = fold(document.name)
            if not all(w in name for w in words):
                continue
            # surveys pass attribute filters: the filter applies to their answers instead
            case = self._cases.get(document.case or "")
            if document.kind != "survey" and attributes and not case_matches(case, attributes):
                continue
            share = round(100 * self._shares.get(document.id, 0.0))
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{share:>3}% ", style="dim")
            label.append(document.name, style="bold" if document.id == current else "")
            options.add_option(Option(label, id=str(document.id)))
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
        document_id, span = message.document_id, message.span

        def picked(choice: PickedCode | NewCode | None) -> None:
            if isinstance(choice, PickedCode):
                self.store_coding(document_id, choice.code_id, span)
            elif isinstance(choice, NewCode):
                self.store_new_code(document_id, choice, span)

        self.app.push_screen(CodePicker(self._codes, self.recent), picked)

    @on(TranscriptView.RemoveCodingRequested)
    def _remove_requested(self, message: TranscriptView.RemoveCodingRequested) -> None:
        self._choose_coding(message.codings, t("tui.which_coding.remove"), self.remove_coding)

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
        code, action = message.code, message.action
        me = self.coder
        if action in ("create", "create_top"):
            parent = code if action == "create" else None
            title = (
                t("tui.code.new_under", code=parent.path_str) if parent else t("tui.code.new_name")
            )

            def created(name: str | None) -> None:
                if name and name.strip():

                    def job(project: Project) -> tuple[str, int | None]:
                        made = project.create_code(
                            name, parent_id=parent.id if parent else None, coder=me
                        )
                        return t("tui.code_created", code=made.path_str), made.id

                    self.edit_codebook(job)

            self.app.push_screen(TextPrompt(title), created)
            return
        assert code is not None
        if action == "apply":
            span = self.view.coding_span()
            if self._document is None or span is None:
                self.notify(t("tui.open_document_first"))
                return
            self.store_coding(self._document.id, code.id, span)
            return
        if action in ("rename", "recolour", "describe"):
            field = {"rename": "name", "recolour": "colour", "describe": "description"}[action]
            value = {"name": code.name, "colour": code.colour, "description": code.description}

            def edited(text: str | None) -> None:
                if text is None or (field != "description" and not text.strip()):
                    return

                def job(project: Project) -> tuple[str, int | None]:
                    made = project.update_code(code.id, coder=me, **{field: text.strip()})
                    return t("tui.code_changed", code=made.path_str), made.id

                self.edit_codebook(job)

            prompt = t(f"tui.code.{action}", code=code.path_str)
            self.app.push_screen(TextPrompt(prompt, value[field]), edited)
            return
        if action in ("move_up", "move_down", "indent", "outdent"):
            target = move_target(self._codes, code, action)
            if target is None:
                return
            parent_id, position = target

            def move(project: Project) -> tuple[str, int | None]:
                project.move_code(code.id, parent_id, coder=me, position=position)
                return "", code.id

            self.edit_codebook(move)
            return
        if action == "merge":
            source = message.other
            if source is None or source.id == code.id:
                return

            def merge_answer(yes: bool | None) -> None:
                if not yes:
                    return

                def job(project: Project) -> tuple[str, int | None]:
                    moved = project.merge_codes(source.id, code.id, coder=me)
                    note = t("tui.code_merged", source=source.name, target=code.name, count=moved)
                    return note, code.id

                self.edit_codebook(job)

            question = t("tui.code.merge", source=source.path_str, target=code.path_str)
            self.app.push_screen(Confirm(question), merge_answer)
            return
        if action == "delete":
            self.ask_delete(code)

    @work(thread=True, group="ask")
    def ask_delete(self, code: Code) -> None:
        """Count what goes with the code, then ask (the count is a database read)."""
        try:
            usage = self.project.code_usage(code.id)
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
            return
        me = self.coder

        def answer(yes: bool | None) -> None:
            if not yes:
                return

            def job(project: Project) -> tuple[str, int | None]:
                gone = project.delete_code(code.id, coder=me)
                return t("tui.code_deleted", code=code.path_str, codings=gone["codings"]), None

            self.edit_codebook(job)

        question = t(
            "tui.code.delete",
            code=code.path_str,
            codings=usage["codings"],
            subcodes=usage["subcodes"],
        )
        self.app.call_from_thread(self.app.push_screen, Confirm(question), answer)

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

    def action_search(self) -> None:
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
            pattern = re.compile(re.escape(self._query), re.IGNORECASE)
            self._hits = [Span(m.start(), m.end()) for m in pattern.finditer(self._document.text)]
            if not self._hits:
                self.notify(t("tui.search_none", query=self._query))
                return
            self.notify(t("tui.search_hits", count=len(self._hits), query=self._query), timeout=2)
            cursor = self.view.cursor
            self._hit = next((i for i, h in enumerate(self._hits) if h.start >= cursor), 0) - 1
            self.action_search_step(1)

        self.app.push_screen(TextPrompt(t("tui.search.title"), self._query), searched)

    def action_search_step(self, step: int) -> None:
        if not self._hits:
            return
        self._hit = (self._hit + step) % len(self._hits)
        self.view.jump_to(self._hits[self._hit])
        self.view.focus()

    def action_step(self, step: int) -> None:
        """Select the next (or previous) answer, turn or paragraph; only matching answers
        when a filter is set."""
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

    def action_filter_answers(self) -> None:
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

    def _apply_answer_filter(self) -> None:
        """Steps for ``]`` / ``[`` and the dimmed answers, from the answer filter."""
        kinds = {u.kind for u in self._units}
        kind = next((k for k in STEP_KINDS if k in kinds), None)
        units = [u for u in self._units if u.kind == kind] if kind else []
        if kind == "answer":
            _, attributes = parse_filter(self._answer_filter)
            matching = [u for u in units if case_matches(self._unit_cases.get(u.id), attributes)]
            dimmed = [u.span for u in units if attributes and u not in matching]
        else:
            matching, dimmed = units, []
        self._steps = [u.span for u in matching]
        self.view.set_dimmed(dimmed)
        if self._layer == "side":
            self.other_view.set_dimmed(dimmed)
        if kind == "answer" and self._answer_filter and not matching:
            self.notify(t("tui.no_answer_match", filter=self._answer_filter))

    def action_layers(self) -> None:
        """My codings → all coders → two coders side by side → mine."""
        index = LAYERS.index(self._layer)
        self._layer = LAYERS[(index + 1) % len(LAYERS)]
        self._layer_chosen = True
        if self._document is None:
            return
        if self._layer == "side" and not any(c.coder != self.coder for c in self._codings):
            self.notify(t("tui.layer.none_other"))
            self._layer = "mine"
        side = self._layer == "side"
        self.other_view.display = side
        if side:
            self._load_other()
        self.view.set_codings(self._layer_codings())
        self._show_title()
        self._show_cursor()

    def action_focus_documents(self) -> None:
        self._show_documents = True
        self._apply_panes()
        self.query_one("#document-filter", Input).focus()

    def action_toggle_documents(self) -> None:
        shown = self.query_one("#documents-pane").display
        self._show_documents = not shown
        if not shown and self.size.width < WIDE:
            self._show_codebook = False
        self._apply_panes()

    def action_toggle_codebook(self) -> None:
        shown = self.query_one("#codebook-pane").display
        self._show_codebook = not shown
        if not shown and self.size.width < WIDE:
            self._show_documents = False
        self._apply_panes()

    def action_focus_codebook(self) -> None:
        if not self.query_one("#codebook-pane").display:
            self.action_toggle_codebook()
        self.tree.focus()

    def action_focus_transcript(self) -> None:
        if self._document is not None:
            if self.size.width < WIDE and self._show_documents:
                self._show_documents = None
                self._apply_panes()
            self.view.focus()

    # ------------------------------------------------------------------ other screens

    def _code_for_retrieval(self) -> int | None:
        focused = self.focused
        if focused is not self.tree and self._document is not None:
            here = self.view.codings_at(self.view.cursor)
            if here:
                return here[0].code_id
        code = self.tree.highlighted_code
        return code.id if code else None

    def action_retrieval(self) -> None:
        code_id = self._code_for_retrieval()
        screen = _load_screen("retrieval", "RetrievalScreen", t("tui.screen.retrieval"), self)
        if screen is not None:
            self.app.push_screen(screen(code_id))

    def action_export(self) -> None:
        screen = _load_screen("export_dialog", "ExportDialog", t("tui.screen.export"), self)
        if screen is not None:
            self.app.push_screen(screen())

    def action_stats(self) -> None:
        screen = _load_screen("stats", "StatsScreen", t("tui.screen.stats"), self)
        if screen is not None:
            self.app.push_screen(screen())

    def action_compare(self) -> None:
        if self._document is None:
            self.notify(t("tui.open_document_first"))
            return
        screen = _load_screen("compare", "CompareScreen", t("tui.screen.compare"), self)
        if screen is None:
            return
        coders = [self.coder]
        others = Counter(c.coder for c in self._codings if c.coder != self.coder)
        if others:
            coders.append(others.most_common(1)[0][0])
        self.app.push_screen(screen(self._document.id, coders))


def _load_screen(module: str, name: str, what: str, screen: Screen[None]) -> type | None:
    """A screen class from ``codage.tui.screens.<module>``, imported when first needed."""
    import importlib

    try:
        loaded = importlib.import_module(f"codage.tui.screens.{module}")
        return getattr(loaded, name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        screen.notify(t("tui.unavailable", what=what), severity="warning")
        return None


def _height_of(static: Static) -> int | None:
    """The height a Static takes for its current content (fixed, or auto up to a cap), or
    None when its CSS does not let that be worked out here (then the caller lays out)."""
    styles = static.styles
    if styles.height is not None and styles.height.unit == ScalarUnit.CELLS:
        return int(styles.height.value)
    if styles.height is None or not styles.height.is_auto or styles.min_height is not None:
        return None
    width = static.content_region.width
    height = static.visual.get_height(styles, width) + styles.gutter.height
    cap = styles.max_height
    if cap is not None:
        if cap.unit != ScalarUnit.CELLS:
            return None
        height = min(height, int(cap.value))
    return height


def _escape(text: str) -> str:
    """Text shown in markup: square brackets stay brackets."""
    return text.replace("[", r"\[")

"""The codings a merge kept aside for the open document: place them, or let them go.

Each row shows the passage the coding covered in its coder's copy and the best match in the
current text (:func:`codage.analysis.aside.suggestions`). One key places the coding on that
match, another on the workbench's selection, a third discards it; every one is a journal entry
of the current coder, so ctrl+z (here or in the workbench) takes it back.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from codage.analysis.aside import AsideSuggestion, suggestions
from codage.display import plain, visible
from codage.domain import Span
from codage.i18n import t
from codage.journal_text import describe_change
from codage.services import Project, StoreError
from codage.tui.bindings import localize

# Errors a person can cause here (a span already coded, an undo blocked): one line, no crash.
EXPECTED_ERRORS = (StoreError, ValueError, LookupError)


def _excerpt(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class AsideScreen(ModalScreen[bool]):
    """Codings kept aside for one document; dismisses with whether anything changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "place_match", "Place on the match", id="aside.place_match"),
        Binding("s", "place_selection", "Place on the selection", id="aside.place_selection"),
        Binding("d", "discard", "Discard", id="aside.discard"),
        Binding("ctrl+z", "undo", "Undo", id="aside.undo"),
        Binding("escape", "close", "Close", id="aside.close"),
    ]

    DEFAULT_CSS = """
    AsideScreen { align: center middle; }
    AsideScreen > Vertical {
        width: 96%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    AsideScreen DataTable { height: 1fr; }
    AsideScreen #aside-detail { height: auto; max-height: 8; color: $text-muted; }
    """

    class Loaded(Message):
        def __init__(self, items: list[AsideSuggestion], text: str, note: str = "") -> None:
            super().__init__()
            self.items = items
            self.text = text
            self.note = note

    def __init__(self, document_id: int, document_name: str, selection: Span | None) -> None:
        super().__init__()
        localize(self)
        self.document_id = document_id
        self.document_name = document_name
        self.selection = selection
        self.items: list[AsideSuggestion] = []
        self.text = ""
        self.changed = False
        self._lock = threading.Lock()

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    @property
    def coder(self) -> str:
        return self.app.coder  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                plain(t("tui.aside.title", document=self.document_name)), classes="dialog-title"
            )
            yield DataTable(id="aside-list", cursor_type="row", zebra_stripes=True)
            yield Static("", id="aside-detail")
            yield Label(t("tui.aside.hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load()

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, group="aside-load")
    def _load(self, note: str = "") -> None:
        try:
            items = suggestions(self.project, self.document_id)
            text = self.project.document(self.document_id).text
        except EXPECTED_ERRORS as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning")
            return
        self.post_message(self.Loaded(items, text, note))

    def on_aside_screen_loaded(self, message: Loaded) -> None:
        self.items, self.text = message.items, message.text
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        # the table's own width once laid out; the screen's before
        width = max(60, table.size.width or self.size.width - 8)
        narrow = width < 100
        code_width, coder_width = (12, 8) if narrow else (20, 12)
        text_width = max(14, (width - code_width - coder_width - 10) // 2)
        table.add_column(t("tui.aside.col.code"), width=code_width, key="code")
        table.add_column(t("tui.aside.col.coder"), width=coder_width, key="coder")
        table.add_column(t("tui.aside.col.old"), width=text_width, key="old")
        table.add_column(t("tui.aside.col.match"), width=text_width, key="match")
        for item in self.items:
            a = item.aside
            match = Text(t("tui.aside.no_match"), style="dim")
            if item.match is not None:
                match = Text(f"{round(item.match.score * 100)}% ", style="bold")
                match.append(visible(_excerpt(item.matched_text(self.text), text_width)))
            table.add_row(
                plain(a.code_path.rsplit("/", 1)[-1]),
                plain(a.coder),
                plain(_excerpt(a.text, text_width)),
                match,
                key=str(a.id),
            )
        if self.items:
            table.move_cursor(row=min(row, len(self.items) - 1))
        self._detail()
        if message.note:
            self.notify(message.note, timeout=3)
        if not self.items:
            self.query_one("#aside-detail", Static).update(t("tui.aside.none"))

    def current(self) -> AsideSuggestion | None:
        table = self.query_one(DataTable)
        if not self.items or table.row_count == 0:
            return None
        return self.items[max(0, min(table.cursor_row, len(self.items) - 1))]

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        item = self.current()
        if item is None:
            return
        a = item.aside
        lines = Text()
        lines.append(f"{visible(a.code_path)} — {visible(a.coder)}\n", style="bold")
        lines.append(t("tui.aside.was") + " ", style="dim")
        lines.append(visible(" ".join(a.text.split())) + "\n")
        if item.match is not None:
            lines.append(t("tui.aside.now") + " ", style="dim")
            lines.append(visible(" ".join(item.matched_text(self.text).split())))
        if a.reason:
            lines.append(f"\n{a.reason}", style="italic")
        self.query_one("#aside-detail", Static).update(lines)

    # ------------------------------------------------------------------ decisions

    def action_place_match(self) -> None:
        item = self.current()
        if item is None:
            return
        if item.match is None:
            self.notify(t("tui.aside.no_match_here"), severity="warning")
            return
        self._place(item.aside.id, Span(item.match.start, item.match.end))

    def action_place_selection(self) -> None:
        item = self.current()
        if item is None:
            return
        if self.selection is None or self.selection.start >= self.selection.end:
            self.notify(t("tui.aside.no_selection"), severity="warning")
            return
        self._place(item.aside.id, self.selection)

    @work(thread=True, group="aside-write")
    def _place(self, aside_id: int, span: Span) -> None:
        try:
            with self._lock:
                coding = self.project.place_aside(aside_id, span.start, span.end, coder=self.coder)
        except EXPECTED_ERRORS as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning")
            return
        self.changed = True
        self._load(t("tui.aside.placed", coder=coding.coder, start=span.start, end=span.end))

    def action_discard(self) -> None:
        item = self.current()
        if item is not None:
            self._discard(item.aside.id)

    @work(thread=True, group="aside-write")
    def _discard(self, aside_id: int) -> None:
        try:
            with self._lock:
                self.project.discard_aside(aside_id, coder=self.coder)
        except EXPECTED_ERRORS as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning")
            return
        self.changed = True
        self._load(t("tui.aside.discarded"))

    def action_undo(self) -> None:
        self._undo()

    @work(thread=True, group="aside-write")
    def _undo(self) -> None:
        try:
            with self._lock:
                entry = self.project.undo(coder=self.coder)
        except EXPECTED_ERRORS as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning")
            return
        if entry is None:
            self.app.call_from_thread(self.notify, t("undo.none", coder=self.coder))
            return
        self.changed = True
        self._load(t("undo.done", summary=describe_change(entry)))

    def action_close(self) -> None:
        self.dismiss(self.changed)

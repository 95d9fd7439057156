"""Retrieval: every passage of a code across the corpus, filtered, with a jump back.

The codings of a code (and sub-code choice) are read once in a thread worker as
light rows (no text; a row knows its document, coder and case), so the count and
the document, coder and case filters work on that list in memory, never touching
the database. Passages themselves (text, context, speaker, place) are read a page
at a time, for the rows on screen: a code of 20,000 passages in a project of a
million codings opens as fast as one of twenty.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar, overload

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Select, Static

from codage.display import plain, visible
from codage.domain import Code, format_attribute
from codage.i18n import register, t
from codage.passages import place_label
from codage.services import Project
from codage.services.retrieval import (
    PAGE,
    Passage,
    PassageIndex,
    PassageRow,
    index_passages,
    read_page,
    read_passages,
    row_matches,
)
from codage.services.selection import select_codings
from codage.tui.bindings import localize
from codage.tui.widgets.passage_list import Column, PassageList, fit, flat

register(
    {
        "tui.retrieval.title": {"en": "Retrieval", "fr": "Extraits"},
        "tui.retrieval.code": {"en": "Code", "fr": "Code"},
        "tui.retrieval.choose_code": {
            "en": "Choose a code (c) to see its passages.",
            "fr": "Choisissez un code (c) pour voir ses extraits.",
        },
        "tui.retrieval.loading": {"en": "Reading passages…", "fr": "Lecture des extraits…"},
        "tui.retrieval.count": {
            "en": "{shown} of {total} passages",
            "fr": "{shown} extraits sur {total}",
        },
        "tui.retrieval.with_subcodes": {"en": "with sub-codes", "fr": "avec sous-codes"},
        "tui.retrieval.without_subcodes": {"en": "without sub-codes", "fr": "sans sous-codes"},
        "tui.retrieval.all_documents": {"en": "All documents", "fr": "Tous les documents"},
        "tui.retrieval.all_coders": {"en": "All coders", "fr": "Tous les codeurs"},
        "tui.retrieval.all_cases": {"en": "Any case", "fr": "Tous les cas"},
        "tui.retrieval.col.document": {"en": "Document", "fr": "Document"},
        "tui.retrieval.col.speaker": {"en": "Speaker", "fr": "Locuteur"},
        "tui.retrieval.col.case": {"en": "Case", "fr": "Cas"},
        "tui.retrieval.col.coder": {"en": "Coder", "fr": "Codeur"},
        "tui.retrieval.col.code": {"en": "Code", "fr": "Code"},
        "tui.retrieval.col.passage": {"en": "Passage", "fr": "Extrait"},
        "tui.retrieval.none": {
            "en": "No passage matches.",
            "fr": "Aucun extrait ne correspond.",
        },
        "tui.retrieval.error": {
            "en": "Cannot read passages: {error}",
            "fr": "Lecture des extraits impossible : {error}",
        },
        "tui.key.retrieval.jump": {"en": "Open", "fr": "Ouvrir"},
        "tui.key.retrieval.subcodes": {"en": "Sub-codes", "fr": "Sous-codes"},
        "tui.key.retrieval.choose_code": {"en": "Code", "fr": "Code"},
        "tui.key.retrieval.reset": {"en": "Reset filters", "fr": "Sans filtre"},
        "tui.key.retrieval.close": {"en": "Close", "fr": "Fermer"},
    }
)


def load_passages(project: Project, code_id: int, include_subcodes: bool) -> list[Passage]:
    """Every passage of a code (and its sub-codes when asked) in tree, document, text
    order, read whole: the selection query picks the codings, the retrieval service
    reads their passages and context (what the screen showed before paging)."""
    selection = select_codings(project, codes=[code_id], include_subcodes=include_subcodes)
    return read_passages(project, selection.records)


class _Shown(Sequence[Passage | None]):
    """The filtered rows as the passage list reads them: a row's passage once read,
    else None."""

    def __init__(self, rows: Sequence[PassageRow], built: dict[int, Passage]) -> None:
        self.rows = rows
        self.built = built

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Passage | None: ...
    @overload
    def __getitem__(self, index: slice) -> list[Passage | None]: ...
    def __getitem__(self, index: int | slice) -> Passage | list[Passage | None] | None:
        if isinstance(index, slice):
            return [self.built.get(r.coding_id) for r in self.rows[index]]
        return self.built.get(self.rows[index].coding_id)


class RetrievalScreen(Screen[None]):
    """Every passage of a code across the corpus; Enter opens it in its transcript."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jump", "Open", id="retrieval.jump"),
        Binding("s", "toggle_subcodes", "Sub-codes", id="retrieval.subcodes"),
        Binding("c", "choose_code", "Code", id="retrieval.choose_code"),
        Binding("r", "reset_filters", "Reset filters", id="retrieval.reset"),
        Binding("escape", "close", "Close", id="retrieval.close"),
    ]

    DEFAULT_CSS = """
    RetrievalScreen {
        layout: vertical;
        #retrieval-head { height: 1; padding: 0 1; background: $panel; }
        #retrieval-filters { height: 1; }
        #retrieval-filters Select { width: 1fr; }
        #retrieval-code { width: 2fr; }
        #retrieval-columns { height: 1; color: $text-muted; }
        #retrieval-list { height: 1fr; }
        #retrieval-preview {
            height: auto; max-height: 8; padding: 0 1;
            border-top: solid $panel-lighten-2;
        }
        #retrieval-status { height: 1; padding: 0 1; color: $text-muted; }
        #retrieval-status.error { color: $error; }
    }
    """

    class Loaded(Message):
        """The rows of a code and its first passages, for the request numbered ``token``."""

        def __init__(self, token: int, index: PassageIndex, passages: list[Passage]) -> None:
            super().__init__()
            self.token = token
            self.index = index
            self.passages = passages

    class PageRead(Message):
        """Passages of rows asked for by the list, for the request numbered ``token``."""

        def __init__(self, token: int, passages: list[Passage]) -> None:
            super().__init__()
            self.token = token
            self.passages = passages

    class Failed(Message):
        """The worker could not read the passages."""

        def __init__(self, token: int, error: str) -> None:
            super().__init__()
            self.token = token
            self.error = error

    class ChoicesLoaded(Message):
        """What the code chooser and the filters offer."""

        def __init__(
            self,
            codes: list[Code],
            documents: list[tuple[str, int]],
            coders: list[str],
            attributes: list[tuple[str, str]],
        ) -> None:
            super().__init__()
            self.codes = codes
            self.documents = documents
            self.coders = coders
            self.attributes = attributes

    def __init__(self, code_id: int | None = None) -> None:
        super().__init__()
        localize(self)
        self.code_id = code_id
        self.include_subcodes = True
        # every row of the code, and those that pass the filters, in table order
        self.passages: list[PassageRow] = []
        self.shown: list[PassageRow] = []
        # passages read so far, by coding id; rows asked for and not back yet
        self._built: dict[int, Passage] = {}
        self._asked: set[int] = set()
        self._index: PassageIndex | None = None
        self._page_lock = threading.Lock()
        self.codes: dict[int, Code] = {}
        self.document_filter: int | None = None
        self.coder_filter: str | None = None
        self.attribute_filter: tuple[str, str] | None = None
        self.loading = False
        # Results of an older request (the code changed meanwhile) are dropped.
        self._token = 0
        self._choices_ready = False

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(t("tui.retrieval.title"), id="retrieval-head")
        with Horizontal(id="retrieval-filters"):
            yield Select[int]([], prompt=t("tui.retrieval.code"), id="retrieval-code", compact=True)
            yield Select[int](
                [], prompt=t("tui.retrieval.all_documents"), id="retrieval-document", compact=True
            )
            yield Select[str](
                [], prompt=t("tui.retrieval.all_coders"), id="retrieval-coder", compact=True
            )
            yield Select[str](
                [], prompt=t("tui.retrieval.all_cases"), id="retrieval-case", compact=True
            )
        with Vertical():
            yield Static("", id="retrieval-columns")
            yield PassageList(id="retrieval-list")
            yield Static("", id="retrieval-preview")
        yield Static("", id="retrieval-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PassageList).focus()
        self._set_status(t("tui.retrieval.loading"))
        self.load_choices()
        if self.code_id is not None:
            self.reload()

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="retrieval-choices")
    def load_choices(self) -> None:
        """Codes, documents, coders and case attribute values for the selects."""
        project = self.project
        codes = project.codes()
        documents = [(d.name, d.id) for d in project.documents()]
        coders = [c.name for c in project.coders()]
        pairs: set[tuple[str, str]] = set()
        for case in project.cases():
            for key, value in case.attributes.items():
                text = format_attribute(value)
                if text:
                    pairs.add((key, text))
        self.post_message(self.ChoicesLoaded(codes, documents, coders, sorted(pairs)))

    def reload(self) -> None:
        """Read the passages of the current code again, in a worker."""
        if self.code_id is None:
            return
        self._token += 1
        self.loading = True
        self._set_status(t("tui.retrieval.loading"))
        self._read(self._token, self.code_id, self.include_subcodes)

    @work(thread=True, exclusive=True, group="retrieval-read")
    def _read(self, token: int, code_id: int, include_subcodes: bool) -> None:
        try:
            index = index_passages(self.project, code_id, include_subcodes)
            rows = index.rows
            if len(rows) > PAGE:
                # the first page of what the filters (as they are now) let through
                filters = (self.document_filter, self.coder_filter, self.attribute_filter)
                rows = [r for r in rows if row_matches(r, *filters)][:PAGE]
            with self._page_lock:
                passages = read_page(self.project, index, rows)
        except Exception as exc:  # any failure is one line on screen, not a crash
            self.post_message(self.Failed(token, str(exc)))
            return
        self.post_message(self.Loaded(token, index, passages))

    @work(thread=True, group="retrieval-page")
    def _read_page(self, token: int, index: PassageIndex, rows: list[PassageRow]) -> None:
        try:
            with self._page_lock:  # pages share the index's kept documents
                passages = read_page(self.project, index, rows)
        except Exception as exc:
            self.post_message(self.Failed(token, str(exc)))
            return
        self.post_message(self.PageRead(token, passages))

    # ------------------------------------------------------------------ answers

    def on_retrieval_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        self.codes = {c.id: c for c in message.codes}
        code_select = self.query_one("#retrieval-code", Select)
        code_select.set_options(
            (plain("  " * c.depth + c.name, f"{c.colour}"), c.id) for c in message.codes
        )
        if self.code_id is not None and self.code_id in self.codes:
            code_select.value = self.code_id
        self.query_one("#retrieval-document", Select).set_options(
            (plain(name), document_id) for name, document_id in message.documents
        )
        self.query_one("#retrieval-coder", Select).set_options(
            (plain(c), c) for c in message.coders
        )
        self.query_one("#retrieval-case", Select).set_options(
            (plain(f"{k}={v}"), f"{k}={v}") for k, v in message.attributes
        )
        self._choices_ready = True
        self._update_head()
        if self.code_id is None:
            self._set_status(t("tui.retrieval.choose_code"))
            self.action_choose_code()

    def on_retrieval_screen_loaded(self, message: Loaded) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self._index = message.index
        self.passages = message.index.rows
        self._built = {p.coding_id: p for p in message.passages}
        self._asked = set()
        self._refill()

    def on_retrieval_screen_page_read(self, message: PageRead) -> None:
        if message.token != self._token:
            return
        for passage in message.passages:
            self._built[passage.coding_id] = passage
            self._asked.discard(passage.coding_id)
        table = self.query_one(PassageList)
        table.refresh()
        self._preview(table.cursor)

    def on_passage_list_wanted(self, event: PassageList.Wanted) -> None:
        """Read the passages of the rows on screen (and a page beyond) not read yet."""
        event.stop()
        index = self._index
        if index is None:
            return
        wanted = [
            r
            for r in self.shown[event.first : event.last + 1 + PAGE // 2]
            if r.coding_id not in self._built and r.coding_id not in self._asked
        ]
        if wanted:
            self._asked.update(r.coding_id for r in wanted)
            self._read_page(self._token, index, wanted)

    def on_retrieval_screen_failed(self, message: Failed) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self._set_status(t("tui.retrieval.error", error=message.error), error=True)

    # ------------------------------------------------------------------ filters

    @on(Select.Changed, "#retrieval-code")
    def _code_chosen(self, event: Select.Changed) -> None:
        value = event.value
        if isinstance(value, int) and value != self.code_id:
            self.code_id = value
            self._update_head()
            self.reload()
            self.query_one(PassageList).focus()

    @on(Select.Changed, "#retrieval-document")
    def _document_chosen(self, event: Select.Changed) -> None:
        self.document_filter = event.value if isinstance(event.value, int) else None
        self._refill()

    @on(Select.Changed, "#retrieval-coder")
    def _coder_chosen(self, event: Select.Changed) -> None:
        self.coder_filter = event.value if isinstance(event.value, str) else None
        self._refill()

    @on(Select.Changed, "#retrieval-case")
    def _case_chosen(self, event: Select.Changed) -> None:
        value = event.value
        if isinstance(value, str) and "=" in value:
            key, _, wanted = value.partition("=")
            self.attribute_filter = (key, wanted)
        else:
            self.attribute_filter = None
        self._refill()

    def set_filters(
        self,
        *,
        document_id: int | None = None,
        coder: str | None = None,
        attribute: tuple[str, str] | None = None,
    ) -> None:
        """Set every filter at once (None: no filter), as the selects do."""
        self.query_one("#retrieval-document", Select).value = (
            Select.NULL if document_id is None else document_id
        )
        self.query_one("#retrieval-coder", Select).value = Select.NULL if coder is None else coder
        self.query_one("#retrieval-case", Select).value = (
            Select.NULL if attribute is None else f"{attribute[0]}={attribute[1]}"
        )
        # the selects post Changed later; the list follows at once
        self.document_filter, self.coder_filter, self.attribute_filter = (
            document_id,
            coder,
            attribute,
        )
        self._refill()

    # ------------------------------------------------------------------ table

    def _columns(self) -> list[Column]:
        width = max(60, self.size.width)
        fixed: list[Column]
        # narrow terminals keep room for the passage: speaker and case go to the preview
        if width >= 150:
            fixed = [("document", 24), ("speaker", 16), ("case", 20), ("coder", 10)]
        elif width >= 110:
            fixed = [("document", 16), ("speaker", 12), ("case", 12), ("coder", 9)]
        else:
            fixed = [("document", 12), ("coder", 8)]
        if self.include_subcodes:
            fixed.append(("code", 16 if width >= 150 else 10))
        # one cell between columns, and the scrollbar's two at the right
        room = width - sum(w for _, w in fixed) - len(fixed) - 2
        return [*fixed, ("passage", max(20, room))]

    def _refill(self) -> None:
        """Show the passages that pass the filters (in memory: no database call)."""
        self.shown = [
            r
            for r in self.passages
            if row_matches(r, self.document_filter, self.coder_filter, self.attribute_filter)
        ]
        columns = self._columns()
        header = Text(no_wrap=True, overflow="ellipsis", style="bold")
        for key, width in columns:
            header.append(fit(t(f"tui.retrieval.col.{key}"), width) + " ")
        self.query_one("#retrieval-columns", Static).update(header)
        names = {code_id: code.name for code_id, code in self.codes.items()}
        self.query_one(PassageList).show(_Shown(self.shown, self._built), columns, names)
        if not self.loading:
            self._set_status(
                t("tui.retrieval.count", shown=len(self.shown), total=len(self.passages))
                if self.shown or self.passages
                else t("tui.retrieval.none")
            )
        self._update_head()
        self._preview(0)

    def _preview(self, row: int) -> None:
        preview = self.query_one("#retrieval-preview", Static)
        if not 0 <= row < len(self.shown):
            preview.update("")
            preview.display = False
            return
        preview.display = True
        p = self._built.get(self.shown[row].coding_id)
        if p is None:  # not read yet: its page is on its way
            preview.update("…")
            return
        text = Text()
        if p.before:
            text.append("…" + flat(p.before), style="dim")
        text.append(flat(p.text), style="bold")
        if p.after:
            text.append(flat(p.after) + "…", style="dim")
        text.append("\n")
        where = [p.document]
        if p.place is not None:
            where.append(place_label(p.place))
        if p.speaker:
            where.append(p.speaker)
        if p.case:
            where.append(p.case_label())
        where.append(p.coder)
        text.append(visible(" · ".join(where)), style="italic")
        text.append("  ")
        text.append(f"■ {visible(p.code_path)}", style=p.colour)
        preview.update(text)

    def on_passage_list_highlighted(self, event: PassageList.Highlighted) -> None:
        self._preview(event.index)

    def on_passage_list_chosen(self, event: PassageList.Chosen) -> None:
        event.stop()
        self._jump(event.index)

    def _update_head(self) -> None:
        code = self.codes.get(self.code_id) if self.code_id is not None else None
        head = Text(t("tui.retrieval.title"), style="bold")
        if code is not None:
            head.append("  ")
            head.append(f"■ {visible(code.path_str)}", style=code.colour)
            head.append(
                "  ("
                + t(
                    "tui.retrieval.with_subcodes"
                    if self.include_subcodes
                    else "tui.retrieval.without_subcodes"
                )
                + ")",
                style="dim",
            )
        self.query_one("#retrieval-head", Static).update(head)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#retrieval-status", Static)
        status.update(plain(text, multiline=True))
        status.set_class(error, "error")

    def on_resize(self) -> None:
        if self.passages:
            self._refill()

    # ------------------------------------------------------------------ actions

    def _jump(self, row: int) -> None:
        if not 0 <= row < len(self.shown):
            return
        passage = self.shown[row]
        app = self.app
        # pop first: the workbench below is then the screen that shows the document
        app.pop_screen()
        app.open_document(passage.document_id, (passage.start, passage.end))  # type: ignore[attr-defined]

    def action_jump(self) -> None:
        """Open the highlighted passage in its transcript and close retrieval."""
        self._jump(self.query_one(PassageList).cursor)

    def action_toggle_subcodes(self) -> None:
        """Include or leave out the sub-codes of the code."""
        self.include_subcodes = not self.include_subcodes
        self._update_head()
        self.reload()

    def action_choose_code(self) -> None:
        select = self.query_one("#retrieval-code", Select)
        select.focus()
        if self._choices_ready:
            select.expanded = True

    def action_reset_filters(self) -> None:
        self.set_filters()

    def action_close(self) -> None:
        self.app.pop_screen()

    def passage_rows(self) -> Sequence[Passage]:
        """The passages shown and read, in table order (for tests and the command
        palette); a code of no more than ``PAGE`` passages is read whole."""
        built = self._built
        return [p for r in self.shown if (p := built.get(r.coding_id)) is not None]

"""The pseudonymisation review: the names to replace with their kind, count and replacement.

The screen opens on the stored map, or (when there is none yet, or on ``p``) on a proposal
computed in a worker by spaCy's NER. Space keeps or drops a name, ``e`` edits its
replacement, ctrl+s stores the map in a worker as one journaled change (ctrl+z takes it
back), as ``codage pseudonymise apply`` does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from codage.display import visible
from codage.domain import Pseudonym
from codage.i18n import register, t
from codage.ingest.names import propose_pseudonyms
from codage.services import Project
from codage.services.pseudonyms import apply_map
from codage.tui.bindings import localize
from codage.tui.widgets.steady_footer import SteadyFooter

register(
    {
        "tui.pseudo.title": {"en": "Pseudonymisation", "fr": "Pseudonymisation"},
        "tui.pseudo.loading": {
            "en": "Looking for names of people, places and organisations…",
            "fr": "Recherche des noms de personnes, de lieux et d'organisations…",
        },
        "tui.pseudo.stored": {
            "en": "Stored map: {kept} names replaced, {dropped} left as they are",
            "fr": "Table enregistrée : {kept} noms remplacés, {dropped} laissés tels quels",
        },
        "tui.pseudo.proposed": {
            "en": "Proposal (not saved): {kept} names to replace, {dropped} left as they are",
            "fr": "Proposition (non enregistrée) : {kept} noms à remplacer, "
            "{dropped} laissés tels quels",
        },
        "tui.pseudo.saved": {
            "en": "Map saved: {kept} names replaced (ctrl+z takes it back)",
            "fr": "Table enregistrée : {kept} noms remplacés (ctrl+z pour annuler)",
        },
        "tui.pseudo.error": {"en": "Failed: {error}", "fr": "Échec : {error}"},
        "tui.pseudo.edit": {
            "en": "Replacement of {name} (Enter to keep, Escape to cancel)",
            "fr": "Remplacement de {name} (Entrée pour garder, Échap pour annuler)",
        },
        "tui.pseudo.col.name": {"en": "Name", "fr": "Nom"},
        "tui.pseudo.col.kind": {"en": "Kind", "fr": "Type"},
        "tui.pseudo.col.count": {"en": "Count", "fr": "Occurrences"},
        "tui.pseudo.col.replacement": {"en": "Replacement", "fr": "Remplacement"},
        "tui.pseudo.col.keep": {"en": "Replaced", "fr": "Remplacé"},
        "tui.key.pseudo.toggle": {"en": "Keep/drop", "fr": "Garder/écarter"},
        "tui.key.pseudo.edit": {"en": "Edit replacement", "fr": "Modifier le remplacement"},
        "tui.key.pseudo.propose": {"en": "Propose again", "fr": "Proposer à nouveau"},
        "tui.key.pseudo.save": {"en": "Save", "fr": "Enregistrer"},
        "tui.key.pseudo.close": {"en": "Close", "fr": "Fermer"},
    }
)


COLUMNS = ("keep", "name", "kind", "count", "replacement")


class PseudonymScreen(Screen[None]):
    """Review the names a pseudonymised export replaces, and store the map."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_keep", "Keep/drop", id="pseudo.toggle"),
        Binding("e", "edit", "Edit replacement", id="pseudo.edit"),
        Binding("p", "propose", "Propose again", id="pseudo.propose"),
        Binding("ctrl+s", "save", "Save", id="pseudo.save"),
        Binding("escape", "close", "Close", id="pseudo.close"),
    ]

    DEFAULT_CSS = """
    PseudonymScreen {
        #pseudo-head { height: 1; padding: 0 1; background: $panel; }
        #pseudo-table { height: 1fr; }
        #pseudo-edit { display: none; }
        #pseudo-edit.editing { display: block; }
        #pseudo-status { height: 1; padding: 0 1; color: $text-muted; }
        #pseudo-status.error { color: $error; }
    }
    """

    class Loaded(Message):
        def __init__(self, entries: list[Pseudonym], stored: bool) -> None:
            super().__init__()
            self.entries = entries
            self.stored = stored

    class Saved(Message):
        def __init__(self, kept: int) -> None:
            super().__init__()
            self.kept = kept

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, coder: str) -> None:
        super().__init__()
        localize(self)
        self.coder = coder
        self.entries: list[Pseudonym] = []

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Static(Text(t("tui.pseudo.title"), style="bold"), id="pseudo-head")
        yield DataTable(id="pseudo-table", cursor_type="row", zebra_stripes=True)
        yield Input(id="pseudo-edit")
        yield Static(t("tui.pseudo.loading"), id="pseudo-status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._fill()
        self._load(propose=False)

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="pseudonyms")
    def _load(self, propose: bool) -> None:
        try:
            stored = self.project.pseudonyms()
            if stored and not propose:
                self.post_message(self.Loaded(stored, True))
                return
            self.post_message(self.Loaded(propose_pseudonyms(self.project), False))
        except Exception as exc:  # one line on screen, never a traceback
            self.post_message(self.Failed(str(exc)))

    @work(thread=True, exclusive=True, group="pseudonyms")
    def _save(self, entries: list[Pseudonym]) -> None:
        try:
            apply_map(self.project, entries, coder=self.coder)
        except Exception as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Saved(sum(e.keep for e in entries)))

    def on_pseudonym_screen_loaded(self, message: Loaded) -> None:
        self.entries = list(message.entries)
        self._fill()
        kept = sum(e.keep for e in self.entries)
        key = "tui.pseudo.stored" if message.stored else "tui.pseudo.proposed"
        self._status(t(key, kept=kept, dropped=len(self.entries) - kept))

    def on_pseudonym_screen_saved(self, message: Saved) -> None:
        self._status(t("tui.pseudo.saved", kept=message.kept))

    def on_pseudonym_screen_failed(self, message: Failed) -> None:
        self._status(t("tui.pseudo.error", error=message.error), error=True)

    # ------------------------------------------------------------------ table

    def _row(self, entry: Pseudonym) -> list[Any]:
        return [
            Text("✓" if entry.keep else "✗", style="green" if entry.keep else "red"),
            Text(visible(entry.name), style="" if entry.keep else "dim strike"),
            entry.kind,
            Text(str(entry.count), justify="right"),
            Text(visible(entry.replacement), style="bold" if entry.keep else "dim"),
        ]

    def _fill(self) -> None:
        """The table made anew, each column as wide as its widest cell: a DataTable left
        to measure its rows when next idle could keep drawing lines cut to the headers'
        widths (its lines are cached by position, not by width) until the cursor moved."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        rows = [self._row(entry) for entry in self.entries]
        table.clear(columns=True)
        for i, col in enumerate(COLUMNS):
            label = t(f"tui.pseudo.col.{col}")
            texts = (r[i].plain if isinstance(r[i], Text) else r[i] for r in rows)
            width = max([cell_len(label), *map(cell_len, texts)])
            table.add_column(label, key=col, width=width)
        for i, cells in enumerate(rows):
            table.add_row(*cells, key=str(i))
        if rows and row > 0:
            table.move_cursor(row=min(row, len(rows) - 1))

    def _update(self, index: int, entry: Pseudonym) -> None:
        self.entries[index] = entry
        self._fill()

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row < 0 or table.cursor_row >= len(self.entries):
            return None
        return table.cursor_row

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#pseudo-status", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    # ------------------------------------------------------------------ actions

    def action_toggle_keep(self) -> None:
        index = self._current()
        if index is not None:
            entry = self.entries[index]
            self._update(index, replace(entry, keep=not entry.keep))

    def action_edit(self) -> None:
        index = self._current()
        if index is None:
            return
        editor = self.query_one("#pseudo-edit", Input)
        editor.value = self.entries[index].replacement
        editor.add_class("editing")
        editor.focus()
        self._status(t("tui.pseudo.edit", name=visible(self.entries[index].name)))

    @on(Input.Submitted, "#pseudo-edit")
    def _edited(self, event: Input.Submitted) -> None:
        index = self._current()
        value = event.value.strip()
        if index is not None and value:
            self._update(index, replace(self.entries[index], replacement=value))
        self._close_editor()

    def _close_editor(self) -> None:
        editor = self.query_one("#pseudo-edit", Input)
        editor.remove_class("editing")
        self.query_one(DataTable).focus()

    def action_propose(self) -> None:
        self._status(t("tui.pseudo.loading"))
        self._load(propose=True)

    def action_save(self) -> None:
        if self.entries:
            self._save(list(self.entries))

    def action_close(self) -> None:
        editor = self.query_one("#pseudo-edit", Input)
        if editor.has_class("editing"):
            self._close_editor()
            return
        self.dismiss(None)

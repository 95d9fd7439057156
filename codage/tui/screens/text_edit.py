"""Correcting the open document's text: an editor on its current text, saved through
the same service as ``codage document replace``.

Saving reads the edited text as a ``.txt`` file of it would be read, re-anchors every
coding of every coder on it and keeps aside those whose passage is gone, in a worker, as
one journal entry of the current coder: the workbench's ctrl+z takes the whole correction
back. The report stays on screen until the editor is closed.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from codage.analysis.reanchor import ReplacementReport, replace_document_text
from codage.display import plain, visible
from codage.domain import Document
from codage.i18n import register, t
from codage.ingest.errors import IngestError
from codage.ingest.replacement import text_replacement
from codage.services import Project, StoreError
from codage.tui.bindings import localize

register(
    {
        "tui.edit.title": {
            "en": "Correcting {name}: every coding follows its passage; ctrl+s saves, "
            "escape closes",
            "fr": "Correction de {name} : chaque codage suit son passage ; ctrl+s enregistre, "
            "échap ferme",
        },
        "tui.edit.saving": {
            "en": "Re-anchoring the codings…",
            "fr": "Réancrage des codages…",
        },
        "tui.edit.same": {
            "en": "The text is unchanged: nothing to save",
            "fr": "Le texte n'a pas changé : rien à enregistrer",
        },
        "tui.edit.saved": {
            "en": "Saved: {codings} coding(s) of {coders} coder(s) re-anchored ({identical} in "
            "place, {moved} moved, {changed} on a changed text), {aside} kept aside. "
            "ctrl+z in the workbench takes it back.",
            "fr": "Enregistré : {codings} codage(s) de {coders} codeur(s) réancré(s) "
            "({identical} en place, {moved} déplacé(s), {changed} sur un texte modifié), "
            "{aside} mis de côté. ctrl+z dans l'atelier annule.",
        },
        "tui.edit.changed": {"en": "On a changed text:", "fr": "Sur un texte modifié :"},
        "tui.edit.aside": {
            "en": "Kept aside (their passage is gone; A lists them):",
            "fr": "Mis de côté (leur passage a disparu ; A les liste) :",
        },
        "tui.edit.links": {
            "en": "Case links whose unit is gone:",
            "fr": "Liens de cas dont l'unité a disparu :",
        },
    }
)

# Errors a person can cause here (an emptied text, a change by someone else meanwhile).
EXPECTED_ERRORS = (StoreError, IngestError, ValueError)


def report_lines(report: ReplacementReport) -> list[str]:
    """The report of a correction, in lines of the current language."""
    lines = [
        t(
            "tui.edit.saved",
            codings=report.codings,
            coders=len(report.coders),
            identical=len(report.identical),
            moved=len(report.moved),
            changed=len(report.changed),
            aside=len(report.aside),
        )
    ]
    if report.changed:
        lines.append(t("tui.edit.changed"))
        lines += [
            f"  {c.code} [{c.coder}] «{visible(c.old_text)}» → «{visible(c.new_text or '')}»"
            for c in report.changed
        ]
    if report.aside:
        lines.append(t("tui.edit.aside"))
        lines += [f"  {c.code} [{c.coder}] «{visible(c.old_text)}»" for c in report.aside]
    if report.links_lost:
        lines.append(t("tui.edit.links"))
        lines += [f"  {link.case}: «{visible(link.text)}»" for link in report.links_lost]
    return lines


class TextEditScreen(ModalScreen[ReplacementReport | None]):
    """An editor on a document's text; dismisses with the report of what was saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save the correction", id="edit.save"),
        Binding("escape", "close", "Close", id="edit.close"),
    ]

    DEFAULT_CSS = """
    TextEditScreen { align: center middle; }
    TextEditScreen > Vertical {
        width: 96%; height: 94%; border: round $accent; background: $surface; padding: 0 1;
    }
    TextEditScreen #edit-title { width: 100%; height: auto; text-style: bold; }
    TextEditScreen TextArea { height: 1fr; }
    TextEditScreen #edit-report { height: auto; max-height: 12; color: $text-muted; }
    """

    class Saved(Message):
        def __init__(self, report: ReplacementReport, document: Document) -> None:
            super().__init__()
            self.report = report
            self.document = document

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, document: Document, lock: threading.Lock) -> None:
        super().__init__()
        localize(self)
        self.document = document
        self._lock = lock
        self.report: ReplacementReport | None = None
        self._saving = False

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(t("tui.edit.title", name=self.document.name)), id="edit-title")
            yield TextArea(self.document.text, id="edit-text", soft_wrap=True)
            yield Static("", id="edit-report", markup=False)

    @property
    def editor(self) -> TextArea:
        return self.query_one("#edit-text", TextArea)

    def on_mount(self) -> None:
        self.editor.focus()

    def action_save(self) -> None:
        if self._saving:
            return
        self._saving = True
        self.query_one("#edit-report", Static).update(t("tui.edit.saving"))
        self._save(self.editor.text)

    @work(thread=True, group="write")
    def _save(self, text: str) -> None:
        coder: str = self.app.coder  # type: ignore[attr-defined]
        with self._lock:
            try:
                new = text_replacement(self.document.name, text)
                report = replace_document_text(self.project, self.document.id, new, coder=coder)
                stored = self.project.document(self.document.id)
            except EXPECTED_ERRORS as exc:
                self.post_message(self.Failed(str(exc).splitlines()[0]))
                return
        self.post_message(self.Saved(report, stored))

    def on_text_edit_screen_saved(self, message: Saved) -> None:
        self._saving = False
        report = message.report
        shown = self.query_one("#edit-report", Static)
        if report.unchanged_text and not report.moved and not report.aside:
            shown.update(t("tui.edit.same"))
            return
        self.report = report
        # Further corrections start from what is now stored.
        self.document = message.document
        shown.update("\n".join(report_lines(report)))

    def on_text_edit_screen_failed(self, message: Failed) -> None:
        self._saving = False
        self.query_one("#edit-report", Static).update(message.text)
        self.notify(message.text, severity="error")

    def action_close(self) -> None:
        self.dismiss(self.report)

"""The export dialog: a Word quotation dossier with the filters of ``codage export docx``,
or the whole project as REFI-QDA (``codage export qdpx``), or the codebook alone
(``codage export qdc``).

The file is written by the same services as the commands' (``export_dossier``,
``write_qdpx``, ``write_qdc``) in a thread worker; their progress callback posts messages
that feed a progress bar, and the dialog ends with the file written and what it holds,
or one line saying what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ProgressBar,
    Select,
    SelectionList,
    Static,
)

from codage.display import plain
from codage.domain import Code
from codage.exchange.docx_report import GROUPS, export_dossier
from codage.exchange.refi_write import write_qdc, write_qdpx
from codage.i18n import register, t
from codage.services import Project, sqlite_path
from codage.services.output import (
    CaseFilterError,
    OutputPathError,
    check_output_path,
    parse_case_filters,
)
from codage.services.project_records import select_codebook_records, select_project_records
from codage.services.selection import stream_for_dossier
from codage.tui.bindings import localize

register(
    {
        "tui.export.title": {
            "en": "Export a quotation dossier (Word) or the project (REFI-QDA)",
            "fr": "Exporter un dossier de citations (Word) ou le projet (REFI-QDA)",
        },
        "tui.export.format": {"en": "Format", "fr": "Format"},
        "tui.export.format.docx": {
            "en": "Quotation dossier (Word, .docx)",
            "fr": "Dossier de citations (Word, .docx)",
        },
        "tui.export.format.qdpx": {
            "en": "Whole project for NVivo, ATLAS.ti, MAXQDA... (REFI-QDA, .qdpx)",
            "fr": "Projet entier pour NVivo, ATLAS.ti, MAXQDA... (REFI-QDA, .qdpx)",
        },
        "tui.export.format.qdc": {
            "en": "Codebook alone (REFI-QDA, .qdc)",
            "fr": "Livre de codes seul (REFI-QDA, .qdc)",
        },
        "tui.export.whole.qdpx": {
            "en": "Everything goes: documents, codebook, every coder's codings, memos, cases.",
            "fr": "Tout part : documents, livre de codes, codages de chaque codeur, mémos, cas.",
        },
        "tui.export.whole.qdc": {
            "en": "The codebook alone: tree, colours, descriptions.",
            "fr": "Le livre de codes seul : arbre, couleurs, descriptions.",
        },
        "tui.export.qdpx_done": {
            "en": "Wrote {path}: {sources} sources, {codes} codes, {codings} codings, "
            "{notes} memos, {cases} cases.",
            "fr": "{path} écrit : {sources} sources, {codes} codes, {codings} codages, "
            "{notes} mémos, {cases} cas.",
        },
        "tui.export.qdc_done": {
            "en": "Wrote {path}: {codes} codes.",
            "fr": "{path} écrit : {codes} codes.",
        },
        "tui.export.removed": {
            "en": " {removed_characters} control character(s) left out of names and memos.",
            "fr": " {removed_characters} caractère(s) de contrôle retirés des noms et mémos.",
        },
        "tui.export.codes": {
            "en": "Codes (none ticked: all)",
            "fr": "Codes (aucun coché : tous)",
        },
        "tui.export.subcodes": {"en": "Include sub-codes", "fr": "Inclure les sous-codes"},
        "tui.export.documents": {
            "en": "Documents (none ticked: all)",
            "fr": "Documents (aucun coché : tous)",
        },
        "tui.export.coders": {
            "en": "Coders (none ticked: all)",
            "fr": "Codeurs (aucun coché : tous)",
        },
        "tui.export.cases": {"en": "Cases", "fr": "Cas"},
        "tui.export.cases_hint": {
            "en": "KEY=VALUE, separated by ;  e.g. type=Commune; grade=C",
            "fr": "CLÉ=VALEUR, séparés par ;  ex. type=Commune; grade=C",
        },
        "tui.export.group_by": {"en": "Group by", "fr": "Regrouper par"},
        "tui.export.group.code": {"en": "code", "fr": "code"},
        "tui.export.group.document": {"en": "document", "fr": "document"},
        "tui.export.group.case": {"en": "case", "fr": "cas"},
        "tui.export.context": {
            "en": "Sentences of context",
            "fr": "Phrases de contexte",
        },
        "tui.export.output": {"en": "Write to", "fr": "Écrire dans"},
        "tui.export.run": {"en": "Export", "fr": "Exporter"},
        "tui.export.cancel": {"en": "Close", "fr": "Fermer"},
        "tui.export.writing": {"en": "Writing {path}…", "fr": "Écriture de {path}…"},
        "tui.export.done": {
            "en": "Wrote {path}: {extracts} extracts of {codes} codes from {documents} documents.",
            "fr": "{path} écrit : {extracts} extraits de {codes} codes issus de "
            "{documents} documents.",
        },
        "tui.export.bad_case": {
            "en": "Cases: {item!r} is not KEY=VALUE (e.g. type=Commune).",
            "fr": "Cas : {item!r} n'est pas de la forme CLÉ=VALEUR (ex. type=Commune).",
        },
        "tui.export.bad_context": {
            "en": "Context: give a whole number of sentences, 0 or more.",
            "fr": "Contexte : donnez un nombre entier de phrases, 0 ou plus.",
        },
        "tui.export.bad_suffix": {
            "en": "{path}: the file name should end with {suffix}.",
            "fr": "{path} : le nom du fichier doit finir par {suffix}.",
        },
        "tui.export.no_folder": {
            "en": "{path}: the folder {folder} does not exist.",
            "fr": "{path} : le dossier {folder} n'existe pas.",
        },
        "tui.export.is_folder": {
            "en": "{path}: is a folder, give a file name.",
            "fr": "{path} : est un dossier, donnez un nom de fichier.",
        },
        "tui.export.not_writable": {
            "en": "{path}: cannot write there (permission denied).",
            "fr": "{path} : écriture impossible à cet endroit (permission refusée).",
        },
        "tui.export.failed": {"en": "Export failed: {error}", "fr": "Échec de l'export : {error}"},
        "tui.key.export.run": {"en": "Export", "fr": "Exporter"},
        "tui.key.export.close": {"en": "Close", "fr": "Fermer"},
    }
)


# the formats the dialog writes, with their suffix
FORMATS = {"docx": ".docx", "qdpx": ".qdpx", "qdc": ".qdc"}


@dataclass
class DossierRequest:
    """What the dialog asks of ``export_dossier`` (or, for ``qdpx`` and ``qdc``, of the
    REFI-QDA writers, which take no filter), checked."""

    path: Path
    format: str = "docx"
    codes: list[int] | None = None
    include_subcodes: bool = True
    documents: list[int] | None = None
    coders: list[str] | None = None
    cases: dict[str, list[str]] | None = None
    group_by: str = "code"
    context: int = 0
    filters: dict[str, object] = field(default_factory=dict)


class RequestError(ValueError):
    """A field of the dialog that cannot be used; the message is for the user."""


def parse_cases(typed: str) -> dict[str, list[str]] | None:
    """``type=Commune; grade=C`` as the export's case filter (values of a key are
    alternatives, as with repeated ``--case`` options)."""
    try:
        # the field separates items with ";" (or ","): empty pieces between them are no item
        items = [item.strip() for item in typed.replace(",", ";").split(";") if item.strip()]
        return parse_case_filters(items)
    except CaseFilterError as exc:
        raise RequestError(t("tui.export.bad_case", item=exc.item)) from None


def check_output(typed: str, suffix: str = ".docx") -> Path:
    """The output path, refused at once when it cannot be written."""
    path = Path(typed.strip()).expanduser()
    try:
        return check_output_path(path, suffix)
    except OutputPathError as exc:
        key = {"suffix": "bad_suffix"}.get(exc.reason, exc.reason)
        raise RequestError(
            t(f"tui.export.{key}", path=path, folder=exc.folder, suffix=suffix)
        ) from None


_DEFAULT_NAMES = {"docx": "{stem}-citations.docx", "qdpx": "{stem}.qdpx", "qdc": "{stem}.qdc"}


def default_output(project: Project, fmt: str = "docx") -> Path:
    """``<project>-citations.docx`` (``<project>.qdpx``, ``<project>.qdc``) beside the
    project file, else in the current folder."""
    location = sqlite_path(project.location)
    if location is not None:
        return location.with_name(_DEFAULT_NAMES[fmt].format(stem=location.stem))
    return Path.cwd() / _DEFAULT_NAMES[fmt].format(stem="codage")


class ExportDialog(ModalScreen[None]):
    """Choose the filters of a quotation dossier and write it, with a progress bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Export", id="export.run"),
        Binding("escape", "close", "Close", id="export.close"),
    ]

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
        #export-box {
            width: 100%; max-width: 110; height: 100%; max-height: 44;
            border: thick $primary; background: $surface; padding: 0 1;
        }
        #export-title { height: 1; text-style: bold; }
        #export-form { height: 1fr; }
        #export-form Label { color: $text-muted; text-style: bold; }
        #export-form > Label, #export-filters > Label { margin-top: 1; }
        #export-filters { height: auto; }
        #export-whole { margin-top: 1; color: $text-muted; display: none; }
        SelectionList { height: auto; max-height: 6; border: none; padding: 0; }
        SelectionList:focus { border: none; background: $boost; }
        Checkbox { border: none; padding: 0; }
        #export-form Input, #export-form Select { margin: 0 1 0 0; }
        .export-row { height: auto; margin-top: 1; }
        .export-row > Vertical { width: 1fr; height: auto; }
        #export-progress { height: 1; }
        #export-result { height: auto; max-height: 2; }
        #export-result.error { color: $error; }
        #export-buttons { height: 1; align-horizontal: right; }
        #export-buttons Button { margin-left: 1; }
    }
    """

    class ChoicesLoaded(Message):
        def __init__(
            self,
            codes: list[Code],
            documents: list[tuple[str, int]],
            coders: list[str],
            outputs: dict[str, Path],
        ) -> None:
            super().__init__()
            self.codes = codes
            self.documents = documents
            self.coders = coders
            self.outputs = outputs

    class Progressed(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class Finished(Message):
        """The dossier was written (``text`` says where), or the export failed."""

        def __init__(self, text: str, path: Path | None, extracts: int, error: bool) -> None:
            super().__init__()
            self.text = text
            self.path = path
            self.extracts = extracts
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        localize(self)
        self.running = False
        self.result: ExportDialog.Finished | None = None
        self.outputs: dict[str, Path] = {}

    @property
    def project(self) -> Project:
        return self.app.project  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(t("tui.export.title"), id="export-title")
            with VerticalScroll(id="export-form"):
                yield Label(t("tui.export.format"))
                yield Select[str](
                    [(t(f"tui.export.format.{f}"), f) for f in FORMATS],
                    value="docx",
                    allow_blank=False,
                    id="export-format",
                    compact=True,
                )
                yield Static("", id="export-whole")
                with Vertical(id="export-filters"):
                    yield from self._filters()
                yield Label(t("tui.export.output"))
                yield Input(id="export-output", compact=True)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-result")
            with Horizontal(id="export-buttons"):
                yield Button(t("tui.export.run"), variant="primary", id="export-run", compact=True)
                yield Button(t("tui.export.cancel"), id="export-cancel", compact=True)

    def _filters(self) -> ComposeResult:
        """What only the dossier asks: a REFI-QDA export carries the whole project."""
        yield Label(t("tui.export.codes"))
        yield SelectionList[int](id="export-codes")
        yield Checkbox(t("tui.export.subcodes"), value=True, id="export-subcodes")
        with Horizontal(classes="export-row"):
            with Vertical():
                yield Label(t("tui.export.documents"))
                yield SelectionList[int](id="export-documents")
            with Vertical():
                yield Label(t("tui.export.coders"))
                yield SelectionList[str](id="export-coders")
        yield Label(t("tui.export.cases"))
        yield Input(placeholder=t("tui.export.cases_hint"), id="export-cases", compact=True)
        with Horizontal(classes="export-row"):
            with Vertical():
                yield Label(t("tui.export.group_by"))
                yield Select[str](
                    [(t(f"tui.export.group.{g}"), g) for g in GROUPS],
                    value="code",
                    allow_blank=False,
                    id="export-group",
                    compact=True,
                )
            with Vertical():
                yield Label(t("tui.export.context"))
                yield Input("0", type="integer", id="export-context", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False
        self._load_choices()

    @work(thread=True, exclusive=True, group="export-choices")
    def _load_choices(self) -> None:
        project = self.project
        self.post_message(
            self.ChoicesLoaded(
                project.codes(),
                [(d.name, d.id) for d in project.documents()],
                # coders known to the project may have no coding left (all undone, or
                # only journal entries): offering them would export nothing. Counted by
                # the database: reading every coding took seconds on a large project
                sorted(project.coding_counts_by_coder()),
                {fmt: default_output(project, fmt) for fmt in FORMATS},
            )
        )

    def on_export_dialog_choices_loaded(self, message: ChoicesLoaded) -> None:
        codes = self.query_one("#export-codes", SelectionList)
        codes.clear_options()
        codes.add_options(
            (Text("  " * c.depth + "■ ", style=c.colour) + plain(c.name), c.id)
            for c in message.codes
        )
        documents = self.query_one("#export-documents", SelectionList)
        documents.clear_options()
        documents.add_options((plain(name), value) for name, value in message.documents)
        coders = self.query_one("#export-coders", SelectionList)
        coders.clear_options()
        coders.add_options((plain(c), c) for c in message.coders)
        self.outputs = message.outputs
        output = self.query_one("#export-output", Input)
        if not output.value:
            output.value = str(message.outputs[self.format])
        codes.focus()

    @property
    def format(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) and value in FORMATS else "docx"

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        fmt = self.format
        self.query_one("#export-filters").display = fmt == "docx"
        whole = self.query_one("#export-whole", Static)
        whole.display = fmt != "docx"
        if fmt != "docx":
            whole.update(t(f"tui.export.whole.{fmt}"))
        output = self.query_one("#export-output", Input)
        typed = output.value.strip()
        if not typed or typed in {str(p) for p in self.outputs.values()}:
            # the default of the old format becomes the new one's; a typed name keeps its
            # stem and changes its suffix
            output.value = str(self.outputs.get(fmt, ""))
        elif Path(typed).suffix.lower() in FORMATS.values():
            output.value = str(Path(typed).with_suffix(FORMATS[fmt]))

    # ------------------------------------------------------------------ request

    def request(self) -> DossierRequest:
        """The dialog's fields as a checked request; raises :class:`RequestError`."""
        fmt = self.format
        if fmt != "docx":
            typed = self.query_one("#export-output", Input).value
            return DossierRequest(path=check_output(typed, FORMATS[fmt]), format=fmt)
        codes = list(self.query_one("#export-codes", SelectionList).selected)
        documents = list(self.query_one("#export-documents", SelectionList).selected)
        coders = list(self.query_one("#export-coders", SelectionList).selected)
        cases = parse_cases(self.query_one("#export-cases", Input).value)
        context_text = self.query_one("#export-context", Input).value.strip() or "0"
        try:
            context = int(context_text)
        except ValueError:
            raise RequestError(t("tui.export.bad_context")) from None
        if context < 0:
            raise RequestError(t("tui.export.bad_context"))
        group = self.query_one("#export-group", Select).value
        return DossierRequest(
            path=check_output(self.query_one("#export-output", Input).value),
            codes=codes or None,
            include_subcodes=self.query_one("#export-subcodes", Checkbox).value,
            documents=documents or None,
            coders=coders or None,
            cases=cases,
            group_by=group if isinstance(group, str) else "code",
            context=context,
        )

    # ------------------------------------------------------------------ running

    @on(Button.Pressed, "#export-run")
    def action_run(self) -> None:
        """Check the fields and write the dossier in a worker."""
        if self.running:
            return
        try:
            request = self.request()
        except RequestError as exc:
            self._show_result(str(exc), error=True)
            return
        self.running = True
        self.query_one("#export-run", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self._show_result(t("tui.export.writing", path=request.path))
        self._export(request)

    @work(thread=True, exclusive=True, group="export-run")
    def _export(self, request: DossierRequest) -> None:
        shown = -1

        def progress(done: int, total: int) -> None:
            # one message per percent at most: ten thousand extracts must not flood the app
            nonlocal shown
            step = done * 100 // total if total else 100
            if step != shown or done == total:
                shown = step
                self.post_message(self.Progressed(done, total))

        try:
            if request.format != "docx":
                self._export_refi(request, progress)
                return
            selection = stream_for_dossier(
                self.project,
                codes=request.codes,
                include_subcodes=request.include_subcodes,
                documents=request.documents,
                coders=request.coders,
                cases=request.cases,
                context=request.context,
                plain=True,  # the dossier's rows, not a record per coding: as export docx
            )
            report = export_dossier(
                selection, request.path, group_by=request.group_by, progress=progress
            )
        except Exception as exc:  # one clear line, never a traceback
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.post_message(self.Finished(t("tui.export.failed", error=message), None, 0, True))
            return
        text = t(
            "tui.export.done",
            path=report.path,
            extracts=report.extracts,
            codes=report.codes,
            documents=report.documents,
        )
        self.post_message(self.Finished(text, report.path, report.extracts, False))

    def _export_refi(self, request: DossierRequest, progress: Callable[[int, int], None]) -> None:
        if request.format == "qdpx":
            report = write_qdpx(
                select_project_records(self.project), request.path, progress=progress
            )
        else:
            report = write_qdc(select_codebook_records(self.project), request.path)
            progress(1, 1)
        counts = report.to_json()
        text = t(f"tui.export.{request.format}_done", **counts)
        if report.removed_characters:
            text += t("tui.export.removed", **counts)
        self.post_message(self.Finished(text, report.path, report.codings, False))

    def on_export_dialog_progressed(self, message: Progressed) -> None:
        self.query_one("#export-progress", ProgressBar).update(
            total=max(1, message.total), progress=message.done
        )

    def on_export_dialog_finished(self, message: Finished) -> None:
        self.running = False
        self.result = message
        self.query_one("#export-run", Button).disabled = False
        bar = self.query_one("#export-progress", ProgressBar)
        if message.error:
            bar.display = False
        else:
            bar.update(total=max(1, bar.total or 1), progress=bar.total or 1)
        self._show_result(message.text, error=message.error)

    def _show_result(self, text: str, *, error: bool = False) -> None:
        result = self.query_one("#export-result", Static)
        result.update(Text(text))
        result.set_class(error, "error")

    @on(Button.Pressed, "#export-cancel")
    def action_close(self) -> None:
        # a running export finishes in its thread; closing does not leave a half file
        # behind, since python-docx writes the file in one go at the end
        self.dismiss(None)

"""Commands that send codings out: the Word dossier, coded transcript, tables, stats, and the
REFI-QDA project and codebook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from codage import i18n
from codage.cli.app import app
from codage.cli.common import (
    JsonOption,
    ProjectOption,
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
    project_from,
    register_expected,
)
from codage.display import plain
from codage.i18n import t

if TYPE_CHECKING:
    from codage.domain import Code, DocumentInfo
    from codage.exchange.refi_write import RefiReport

export_app = typer.Typer(
    help="Export codings: Word quotation dossier, coded transcript, CSV or XLSX tables, "
    "REFI-QDA project (.qdpx) or codebook (.qdc).",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")
# The exporters' errors by name: Word, spreadsheets and REFI-QDA load only when a
# command runs, so that `codage export --help` stays light.
register_expected(
    "codage.exchange.atomic:ExportWriteError",
    "codage.exchange.refi_write:EmptyCodebook",
    "codage.services.pseudonyms:NoPseudonymMap",
)

i18n.register(
    {
        "export.writing": {"en": "Writing {path}", "fr": "Écriture de {path}"},
        "export.dossier_done": {
            "en": "Dossier written to {path}: {extracts} extracts of {codes} codes "
            "from {documents} documents",
            "fr": "Dossier écrit dans {path} : {extracts} extraits de {codes} codes "
            "issus de {documents} documents",
        },
        "export.transcript_done": {
            "en": "Coded transcript written to {path}: {comments} comments",
            "fr": "Transcription codée écrite dans {path} : {comments} commentaires",
        },
        "export.text_done": {
            "en": "Text of {document} written to {path} ({chars} characters)",
            "fr": "Texte de {document} écrit dans {path} ({chars} caractères)",
        },
        "export.transcript_skipped": {
            "en": "{count} coding(s) cover only line breaks and have no comment",
            "fr": "{count} codage(s) ne couvrent que des sauts de ligne : pas de commentaire",
        },
        "export.table_done": {
            "en": "{rows} codings written to {path}",
            "fr": "{rows} codages écrits dans {path}",
        },
        "export.qdpx_done": {
            "en": "REFI-QDA project written to {path}: {sources} sources, {codes} codes, "
            "{codings} codings, {notes} memos, {cases} cases, {users} users",
            "fr": "Projet REFI-QDA écrit dans {path} : {sources} sources, {codes} codes, "
            "{codings} codages, {notes} mémos, {cases} cas, {users} utilisateurs",
        },
        "export.qdc_done": {
            "en": "REFI-QDA codebook written to {path}: {codes} codes",
            "fr": "Livre de codes REFI-QDA écrit dans {path} : {codes} codes",
        },
        "export.removed_characters": {
            "en": "{count} control character(s) that XML cannot hold were left out of names, "
            "descriptions and memos (the texts are stored whole)",
            "fr": "{count} caractère(s) de contrôle que XML ne peut contenir ont été retirés "
            "des noms, descriptions et mémos (les textes sont gardés entiers)",
        },
        "export.unlinked_notes": {
            "en": "{count} memo(s) whose target no longer exists were written as unattached notes",
            "fr": "{count} mémo(s) dont la cible n'existe plus ont été écrits comme notes "
            "sans rattachement",
        },
    }
)

PseudonymisedOption = Annotated[
    bool,
    typer.Option(
        "--pseudonymised",
        help="Replace the names of the project's pseudonymisation map (codage pseudonymise).",
    ),
]

# Typer checks the choice; a test keeps it equal to the dossier's GROUPS.
GroupChoice = Literal["code", "document", "case"]

CodeFilter = Annotated[
    list[str] | None,
    typer.Option("--code", help="Only this code and its sub-codes (repeatable)."),
]
NoSubcodes = Annotated[
    bool, typer.Option("--no-subcodes", help="Leave out the sub-codes of each --code.")
]
DocumentFilter = Annotated[
    list[str] | None, typer.Option("--document", help="Only this document (repeatable).")
]
CoderFilter = Annotated[
    list[str] | None, typer.Option("--coder", help="Only this coder's codings (repeatable).")
]
CaseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--case",
        help="Only codings whose case has this attribute value, KEY=VALUE (repeatable; "
        "values of one key are alternatives).",
    ),
]


def parse_cases(items: list[str] | None) -> dict[str, list[str]] | None:
    """``KEY=VALUE`` options grouped by key; a bad one ends the command with one line."""
    from codage.services.output import CaseFilterError, parse_case_filters

    try:
        return parse_case_filters(items or [])
    except CaseFilterError as exc:
        raise fail(f"--case {exc.item!r}: expected KEY=VALUE, e.g. --case type=Commune") from None


def _check_writable(path: Path, suffix: str | None = None) -> Path:
    """Refuse at once a path that cannot be written, before any work is done."""
    from codage.services.output import OutputPathError, check_output_path

    try:
        return check_output_path(path, suffix)
    except OutputPathError as exc:
        raise fail(str(exc)) from None


@contextmanager
def _progress(what: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr, fed by a service's ``progress(done, total)``;
    ``quiet`` (``--json``) keeps it off so that scripts read nothing but the JSON."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _filters(
    code: list[str] | None,
    no_subcodes: bool,
    document: list[str] | None,
    coder: list[str] | None,
    case: list[str] | None,
) -> dict[str, Any]:
    return {
        "codes": code or None,
        "include_subcodes": not no_subcodes,
        "documents": document or None,
        "coders": coder or None,
        "cases": parse_cases(case),
    }


@export_app.command("docx")
@handle_errors
def export_docx(
    out: Annotated[Path, typer.Argument(help="The .docx file to write.")],
    code: CodeFilter = None,
    no_subcodes: NoSubcodes = False,
    document: DocumentFilter = None,
    coder: CoderFilter = None,
    case: CaseOption = None,
    group_by: Annotated[
        GroupChoice, typer.Option("--group-by", help="Group extracts by code, document or case.")
    ] = "code",
    context: Annotated[
        int, typer.Option("--context", min=0, help="Sentences of context before and after.")
    ] = 0,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Labels in fr or en (default: settings).")
    ] = None,
    pseudonymised: PseudonymisedOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write a quotation dossier: every extract of the codes asked for, code by code."""
    from codage.exchange.docx_report import export_dossier
    from codage.services.selection import stream_for_dossier

    if lang is not None and lang not in ("fr", "en"):
        raise fail(f"--lang {lang!r}: use fr or en")
    filters = _filters(code, no_subcodes, document, coder, case)
    _check_writable(out, ".docx")
    with (
        project_from(project) as proj,
        _progress(t("export.writing", path=out), quiet=json_) as progress,
    ):
        report = export_dossier(
            stream_for_dossier(
                proj, **filters, context=context, pseudonymised=pseudonymised, plain=True
            ),
            out,
            group_by=group_by,
            language=lang,
            progress=progress,
        )
    if json_:
        emit_json(
            {
                "path": str(report.path),
                "format": "docx",
                "extracts": report.extracts,
                "codings": report.codings,
                "codes": report.codes,
                "documents": report.documents,
                "coders": list(report.coders),
            }
        )
        return
    console.print(
        plain(
            t(
                "export.dossier_done",
                path=report.path,
                extracts=report.extracts,
                codes=report.codes,
                documents=report.documents,
            )
        )
    )


@export_app.command("transcript")
@handle_errors
def export_transcript_cmd(
    document: Annotated[str, typer.Argument(help="Document name.")],
    out: Annotated[Path, typer.Argument(help="The .docx file to write.")],
    coder: CoderFilter = None,
    pseudonymised: PseudonymisedOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write a document to Word with every coding as a comment on its passage."""
    from codage.exchange.transcript_docx import export_transcript
    from codage.services.selection import select_transcript

    _check_writable(out, ".docx")
    with (
        project_from(project) as proj,
        _progress(t("export.writing", path=out), quiet=json_) as progress,
    ):
        report = export_transcript(
            select_transcript(proj, document, coders=coder or None, pseudonymised=pseudonymised),
            out,
            progress=progress,
        )
    if json_:
        # codings Word cannot anchor are counted here rather than dropped unsaid
        emit_json(
            {
                "path": str(report.path),
                "format": "transcript",
                "document": report.document,
                "paragraphs": report.paragraphs,
                "comments": report.comments,
                "skipped": report.skipped,
            }
        )
        return
    console.print(plain(t("export.transcript_done", path=report.path, comments=report.comments)))
    if report.skipped:
        err_console.print(t("export.transcript_skipped", count=report.skipped), highlight=False)


@export_app.command("txt")
@handle_errors
def export_txt(
    document: Annotated[str, typer.Argument(help="Document name.")],
    out: Annotated[Path, typer.Argument(help="The .txt file to write (UTF-8).")],
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write a document's current text as UTF-8, to correct it in an editor.

    Give it back with `codage document replace`."""
    from codage.exchange.plain_text import export_text
    from codage.services import resolve_document

    _check_writable(out, ".txt")
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
    path = export_text(doc.text, out)
    if json_:
        emit_json(
            {"path": str(path), "format": "txt", "document": doc.name, "chars": len(doc.text)}
        )
        return
    console.print(
        plain(t("export.text_done", document=doc.name, path=path, chars=len(doc.text))),
        soft_wrap=True,
    )


def _export_table(
    fmt: str,
    out: Path,
    code: list[str] | None,
    no_subcodes: bool,
    document: list[str] | None,
    coder: list[str] | None,
    case: list[str] | None,
    project: str | None,
    json_: bool,
    pseudonymised: bool = False,
) -> None:
    from codage.analysis.stats import StatsCollector
    from codage.exchange.tables import export_codings
    from codage.services.pseudonyms import load_pseudonymiser
    from codage.services.selection import stream_codings

    filters = _filters(code, no_subcodes, document, coder, case)
    _check_writable(out)
    with (
        project_from(project) as proj,
        _progress(t("export.writing", path=out), quiet=json_) as progress,
    ):
        collected: list[StatsCollector] = []

        def observe(
            codes: list[Code], documents: list[DocumentInfo], code_ids: set[int] | None
        ) -> StatsCollector:
            # the stats sheets cover the same codings as the rows (before any case
            # filter, as compute_stats counts them), counted as the rows are read
            collected.append(StatsCollector(proj, codes, documents, code_ids))
            return collected[0]

        def sheets() -> list[tuple[str, list[list[Any]]]]:
            made = collected[0].stats().sheets(_sheet_labels())
            if pseudonymised:
                # the stats name documents and attribute values: through the map too
                mapper = load_pseudonymiser(proj)
                made = [(title, mapper.value(rows)) for title, rows in made]
            return made

        # read one document at a time as the file is written, in order through a
        # temporary file: a million codings are never held at once
        chosen = stream_codings(
            proj,
            **filters,
            progress=progress,
            pseudonymised=pseudonymised,
            observe=observe if fmt == "xlsx" else None,
            sheet=fmt == "xlsx",  # the workbook's rows as plain tuples
        )
        report = export_codings(chosen, out, fmt, sheets=sheets if fmt == "xlsx" else ())
    if json_:
        emit_json(
            {
                "path": str(report.path),
                "format": report.format,
                "rows": report.rows,
                "sheets": list(report.sheets),
            }
        )
        return
    console.print(plain(t("export.table_done", rows=report.rows, path=report.path)))


@export_app.command("csv")
@handle_errors
def export_csv(
    out: Annotated[Path, typer.Argument(help="The .csv file to write.")],
    code: CodeFilter = None,
    no_subcodes: NoSubcodes = False,
    document: DocumentFilter = None,
    coder: CoderFilter = None,
    case: CaseOption = None,
    pseudonymised: PseudonymisedOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write one row per coding with every field, as CSV (UTF-8)."""
    _export_table(
        "csv", out, code, no_subcodes, document, coder, case, project, json_, pseudonymised
    )


@export_app.command("xlsx")
@handle_errors
def export_xlsx(
    out: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    code: CodeFilter = None,
    no_subcodes: NoSubcodes = False,
    document: DocumentFilter = None,
    coder: CoderFilter = None,
    case: CaseOption = None,
    pseudonymised: PseudonymisedOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write one row per coding with every field, plus the stats as extra sheets."""
    _export_table(
        "xlsx", out, code, no_subcodes, document, coder, case, project, json_, pseudonymised
    )


def report_refi(report: RefiReport, json_: bool) -> None:
    """Print what a REFI-QDA export wrote (or its JSON), and what it had to leave out."""
    if json_:
        emit_json(report.to_json())
        return
    key = "export.qdpx_done" if report.format == "qdpx" else "export.qdc_done"
    console.print(plain(t(key, **report.to_json())))
    if report.removed_characters:
        err_console.print(
            t("export.removed_characters", count=report.removed_characters), highlight=False
        )
    if report.unlinked_notes:
        err_console.print(t("export.unlinked_notes", count=report.unlinked_notes), highlight=False)


@export_app.command("qdpx")
@handle_errors
def export_qdpx(
    out: Annotated[Path, typer.Argument(help="The .qdpx file to write.")],
    pseudonymised: PseudonymisedOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the whole project as REFI-QDA (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder."""
    from codage.exchange.refi_write import write_qdpx
    from codage.services.project_records import select_project_records

    _check_writable(out, ".qdpx")
    with (
        project_from(project) as proj,
        _progress(t("export.writing", path=out), quiet=json_) as progress,
    ):
        records = select_project_records(proj, pseudonymised=pseudonymised)
        report = write_qdpx(records, out, progress=progress)
    report_refi(report, json_)


@export_app.command("qdc")
@handle_errors
def export_qdc(
    out: Annotated[Path, typer.Argument(help="The .qdc file to write.")],
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the codebook alone as a REFI-QDA codebook (.qdc)."""
    from codage.exchange.refi_write import write_qdc
    from codage.services.project_records import select_codebook_records

    _check_writable(out, ".qdc")
    with project_from(project) as proj:
        report = write_qdc(select_codebook_records(proj), out)
    report_refi(report, json_)


def _sheet_labels() -> dict[str, str]:
    from codage.cli.stats_view import sheet_labels

    return sheet_labels()


@app.command()
@handle_errors
def stats(
    code: CodeFilter = None,
    no_subcodes: NoSubcodes = False,
    document: DocumentFilter = None,
    coder: CoderFilter = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
    csv_: Annotated[
        bool, typer.Option("--csv", help="Print every table as CSV, one after the other.")
    ] = False,
) -> None:
    """Frequencies per code, code x document and code x attribute crosstabs, co-occurrence."""
    # The body is shared with the light start (codage.cli.light), which runs it without Typer.
    from codage.cli.stats_view import show_stats

    if json_ and csv_:
        raise fail("give --json or --csv, not both")
    show_stats(code, no_subcodes, document, coder, project, json_, csv_)

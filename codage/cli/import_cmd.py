"""`codage import`: files and folders into the project, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
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
from codage.display import markup_safe, plain
from codage.i18n import register, t

# by name: the ingest wing (readers, lxml, the model) loads only when an import runs
register_expected("codage.ingest.errors:IngestError")

register(
    {
        "import.title": {"en": "Import", "fr": "Import"},
        "import.file": {"en": "File", "fr": "Fichier"},
        "import.status": {"en": "Status", "fr": "État"},
        "import.imported": {"en": "imported", "fr": "importé"},
        "import.skipped": {"en": "skipped", "fr": "ignoré"},
        "import.failed": {"en": "failed", "fr": "échec"},
        "import.summary": {
            "en": "{imported} imported, {skipped} skipped, {failed} failed",
            "fr": "{imported} importé(s), {skipped} ignoré(s), {failed} en échec",
        },
        "import.nothing": {"en": "no files to import", "fr": "aucun fichier à importer"},
    }
)


@app.command("import")
@handle_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked) to import.")],
    case_attributes: Annotated[
        Path | None,
        typer.Option(help="CSV or YAML: document name -> case and its attributes."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Import texts already in the project again.")
    ] = False,
    id_column: Annotated[str | None, typer.Option(help="Tables: the respondent id column.")] = None,
    text_column: Annotated[
        list[str] | None, typer.Option(help="Tables: an open-answer column (repeatable).")
    ] = None,
    attribute_column: Annotated[
        list[str] | None, typer.Option(help="Tables: an attribute column (repeatable).")
    ] = None,
    speaker_pattern: Annotated[
        str | None,
        typer.Option(
            metavar="REGEX",
            help=(
                "A regular expression with a named group 'speaker' (and optionally "
                "'timestamp'), matched at the start of each line, that replaces the "
                "automatic speaker detection for this import. Every line it matches "
                "starts a turn of that speaker. E.g. "
                r"'(?P<timestamp>\d+:\d+) (?P<speaker>[A-Z][A-Z ]+\d*):'."
            ),
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1, help="spaCy processes (default: one per core for large imports, else one)."
        ),
    ] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Import transcripts, tables of open answers and REFI-QDA projects (.qdpx).

    A .qdpx project brings its codebook, codings, memos and cases."""
    # the ingest wing here, not at the top: `codage import --help` stays light
    from codage.ingest.errors import IngestError
    from codage.ingest.reader import walk_paths
    from codage.ingest.service import import_files
    from codage.ingest.speakers import compile_speaker_pattern
    from codage.services import project_exists, sqlite_path

    for path in paths:
        if not path.exists():
            raise fail(f"{path}: no such file or folder")
    # A REFI-QDA project is a project, not a document: merged, then reported on its own.
    # Those inside the folders given are found too (the folders' other files are
    # walked again by the text import, which does not take .qdpx).
    given = [p for p in paths if p.is_file() or p.is_dir()]
    qdpx = [p for p in walk_paths(given, also=[".qdpx"]) if p.suffix.lower() == ".qdpx"]
    paths = [p for p in paths if p not in qdpx and not _only_projects(p, qdpx)]
    if qdpx and paths and json_:
        raise fail("--json: import .qdpx files on their own, so that one JSON document comes out")
    qdpx_failed = False
    if qdpx:
        # Loaded only for .qdpx files: it brings the merge, which a text import does not need.
        from codage.cli.refi_report import import_qdpx_files

        qdpx_failed = import_qdpx_files(qdpx, project, coder, json_, processes or 1)
        if not paths:
            if qdpx_failed:
                raise typer.Exit(2)
            return
    pattern = None
    if speaker_pattern is not None:
        try:
            pattern = compile_speaker_pattern(speaker_pattern)
        except IngestError as exc:
            raise fail(str(exc)) from None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    # a project file this import creates is removed again if nothing goes into it
    created = None if project_exists(project) else sqlite_path(project)
    with (
        project_from(project, create=True) as proj,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=json_,
        ) as bar,
    ):
        task = bar.add_task(t("import.title"), total=None)

        def progress(done: int, total: int, name: str) -> None:
            # the bar's column reads markup: a file name is escaped into it
            shown = markup_safe(name) if name else t("import.title")
            bar.update(task, completed=done, total=total, description=shown)

        report = import_files(
            proj,
            paths,
            force=force,
            case_attributes=case_attributes,
            id_column=id_column,
            text_columns=text_column or None,
            attribute_columns=attribute_column or None,
            speaker_pattern=pattern,
            n_process=processes,
            progress=progress,
        )
    if created is not None and not report.imported:
        for leftover in ("", "-wal", "-shm", "-journal"):
            created.with_name(created.name + leftover).unlink(missing_ok=True)
    if not report.files:
        raise fail(t("import.nothing"))
    if json_:
        emit_json(
            [
                {
                    "name": f.file,
                    "file": str(f.path),
                    "status": f.status,
                    "message": f.message,
                    "kind": f.kind,
                    "documents": f.documents,
                    "units": f.units,
                    "words": f.words,
                    "speakers": f.speakers,
                    "warnings": f.warnings,
                }
                for f in report.files
            ]
        )
    else:
        table = Table(title=t("import.title"))
        # File names stay whole: they are what a person looks for in the summary.
        widest = max(len(f.file) for f in report.files)
        table.add_column(t("import.file"), no_wrap=True, min_width=min(widest, 40))
        for key in ("col.kind", "col.units", "col.words", "col.speakers"):
            table.add_column(
                t(key), justify="right" if key in ("col.units", "col.words") else "left"
            )
        table.add_column(t("import.status"))
        colours = {"imported": "green", "skipped": "yellow", "failed": "red"}
        for f in report.files:
            status = f"[{colours[f.status]}]{t('import.' + f.status)}[/]"
            table.add_row(
                plain(f.file),
                f.kind or "",
                str(f.unit_count) if f.status != "failed" else "",
                str(f.words) if f.status != "failed" else "",
                plain(", ".join(f.speakers[:4])),
                status,
            )
        console.print(table)
        console.print(
            t(
                "import.summary",
                imported=len(report.imported),
                skipped=len(report.skipped),
                failed=len(report.failed),
            )
        )
    for f in report.files:
        if f.message:
            colour = "red" if f.status == "failed" else "yellow"
            err_console.print(plain(f.message, colour), soft_wrap=True)
        for warning in f.warnings:
            err_console.print(plain(f"{f.file}: {warning}", "yellow"), soft_wrap=True)
    if report.failed or qdpx_failed:
        raise typer.Exit(2)


def _only_projects(path: Path, qdpx: list[Path]) -> bool:
    """Whether ``path`` is a folder whose importable files are all .qdpx projects."""
    from codage.ingest.reader import walk_paths

    return path.is_dir() and any(path in q.parents for q in qdpx) and not walk_paths([path])

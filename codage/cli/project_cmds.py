"""Commands on a project: init, documents, code/uncode, undo/redo, history, segments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
    project_from,
    remember_project,
)
from codage.display import plain
from codage.i18n import register, t

# The services, the codebook and the listings load when a command runs, not when its
# --help is asked (issue 19).
if TYPE_CHECKING:
    from codage.domain import Document
    from codage.services import Project
    from codage.services.passages import NamedSpan

register(
    {
        "undo.conflict": {
            "en": "cannot undo {summary}: {reason}",
            "fr": "impossible d'annuler {summary} : {reason}",
        },
        "redo.conflict": {
            "en": "cannot redo {summary}: {reason}",
            "fr": "impossible de rétablir {summary} : {reason}",
        },
        "passage.widened": {
            "en": "{document}: span widened to whole characters: [{start}, {end})",
            "fr": "{document} : passage élargi à des caractères entiers : [{start}, {end})",
        },
    }
)


@app.command()
@handle_errors
def init(
    where: Annotated[
        str | None,
        typer.Argument(
            metavar="[PROJECT]",
            help="The project to create: a SQLite file or a database URL "
            "(postgresql+psycopg://...); the same as -p.",
            show_default=False,
            callback=remember_project,
        ),
    ] = None,
    project: ProjectOption = None,
    codebook_file: Annotated[
        Path | None, typer.Option("--codebook", help="A YAML codebook to start from.")
    ] = None,
    coder: CoderOption = None,
) -> None:
    """Create a new project (a SQLite file by default)."""
    from codage import codebook
    from codage.services import (
        default_project_location,
        display_location,
        import_codebook,
        open_project,
        project_exists,
    )

    if where and project and where != project:
        raise fail(f"give the project once: {where} or -p {project}")
    location = where or project or default_project_location()
    book = codebook.load_codebook(codebook_file) if codebook_file else None
    existed = project_exists(location)
    proj = open_project(location, create=True)
    try:
        if book is not None:
            report = import_codebook(proj, book, coder=coder_from(coder))
            console.print(
                plain(
                    t(
                        "codebook.imported",
                        name=book.name,
                        added=len(report.added),
                        updated=len(report.updated),
                        unchanged=len(report.unchanged),
                    )
                )
            )
    finally:
        proj.close()
    shown = display_location(location)
    console.print(plain(t("init.exists" if existed else "init.done", location=shown)))


@app.command()
@handle_errors
def documents(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """List the documents of the project."""
    from codage.cli.listings import list_documents

    list_documents(project, json_)


def _passage_span(
    proj: Project, doc: Document, text: str | None, start: int | None, end: int | None
) -> tuple[int, int] | None:
    """The span a person named, by its text or by offsets, widened to whole characters."""
    # the passages service loads `regex`: only when a passage is named
    from codage.services.passages import passage_span

    span = passage_span(proj, doc, text=text, start=start, end=end)
    if span is None:
        return None
    _say_widened(doc, span)
    return span.start, span.end


def _say_widened(doc: Document, span: NamedSpan | None) -> None:
    if span is not None and span.widened:
        err_console.print(
            escape(t("passage.widened", document=doc.name, start=span.start, end=span.end)),
            highlight=False,
        )


@app.command()
@handle_errors
def code(
    document: Annotated[str, typer.Argument(help="Document name.")],
    code_path: Annotated[str, typer.Argument(help="Code path, e.g. 'Partie 1/Intranet'.")],
    start: Annotated[int | None, typer.Option(help="Start offset (code points).")] = None,
    end: Annotated[int | None, typer.Option(help="End offset, exclusive.")] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            help="The passage to code, as it reads (quotes, spaces and line ends may differ).",
        ),
    ] = None,
    memo: Annotated[str | None, typer.Option(help="Memo on the coding.")] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Code a passage of a document (scriptable)."""
    from codage.cli.listings import segment_record
    from codage.services import resolve_code, resolve_document

    if (text is None) == (start is None or end is None):
        raise fail("give either --start and --end, or --text")
    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        target = resolve_code(proj, code_path)
        span = _passage_span(proj, doc, text, start, end)
        assert span is not None
        start, end = span
        coding = proj.add_coding(doc.id, target.id, start, end, coder=who, memo=memo)
    if json_:
        emit_json(segment_record(coding, doc.name, target.path_str))
        return
    console.print(
        plain(t("coded", document=doc.name, start=start, end=end, code=target.path_str, coder=who))
    )


@app.command()
@handle_errors
def uncode(
    document: Annotated[str, typer.Argument(help="Document name.")],
    code_path: Annotated[str, typer.Argument(help="Code path.")],
    start: Annotated[int | None, typer.Option(help="Start offset of the coding.")] = None,
    end: Annotated[int | None, typer.Option(help="End offset of the coding.")] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="The coded passage, as it reads.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every coding of that code in the document.")
    ] = False,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Remove the current coder's coding(s) of a code in a document."""
    from codage.cli.listings import segment_record
    from codage.journal_text import change_record
    from codage.services import resolve_code, resolve_document

    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        target = resolve_code(proj, code_path)
        if not all_ and text is None and (start is None or end is None):
            raise fail("give --start and --end, --text, or --all")
        from codage.services.passages import own_codings

        found = own_codings(proj, doc, target.id, who, text=text, start=start, end=end, every=all_)
        _say_widened(doc, found.span)
        mine = found.codings
        if not mine:
            raise fail(f"{doc.name}: {who} has no such coding of {target.path_str}")
        with proj.batch(coder=who, action="uncode", summary=f"uncode {len(mine)} in {doc.name}"):
            for c in mine:
                proj.remove_coding(c.id, coder=who)
        # the batch is this coder's newest change: what `codage undo` would take back
        [entry] = proj.history(coder=who, limit=1)
    if json_:
        emit_json(
            {
                "removed": [segment_record(c, doc.name, target.path_str) for c in mine],
                "journal": change_record(entry),
            }
        )
        return
    console.print(t("uncoded", count=len(mine)))


def _journal_step(step: str, project: str | None, coder: str | None, json_: bool) -> None:
    """Undo or redo the last change the coder made, from the journal."""
    from codage.journal_text import change_record, describe_change
    from codage.services import UndoConflict

    who = coder_from(coder)
    with project_from(project) as proj:
        try:
            entry = proj.undo(coder=who) if step == "undo" else proj.redo(coder=who)
        except UndoConflict as exc:
            if exc.entry is None:
                raise
            raise fail(
                t(f"{step}.conflict", summary=describe_change(exc.entry), reason=exc.reason)
            ) from None
    if entry is None:
        raise fail(t(f"{step}.none", coder=who), code=1)
    if json_:
        emit_json({"step": step, **change_record(entry)})
        return
    # One line however long, so that scripts and logs read it whole.
    console.print(plain(t(f"{step}.done", summary=describe_change(entry))), soft_wrap=True)


@app.command()
@handle_errors
def undo(
    project: ProjectOption = None, coder: CoderOption = None, json_: JsonOption = False
) -> None:
    """Undo the last change you made, whoever's codings it touched; across sessions.

    A change is a coding or an uncoding, a codebook edit, a consensus, a merge..."""
    _journal_step("undo", project, coder, json_)


@app.command()
@handle_errors
def redo(
    project: ProjectOption = None, coder: CoderOption = None, json_: JsonOption = False
) -> None:
    """Redo the last change you undid."""
    _journal_step("redo", project, coder, json_)


@app.command()
@handle_errors
def history(
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many changes to list.")
    ] = 20,
    all_: Annotated[bool, typer.Option("--all", help="List every change (no limit).")] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--coder",
            help="Only the changes this person made (default: everyone's).",
            show_default=False,
        ),
    ] = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """List the journal, newest first: who changed what, when, and whether it was undone.

    Everyone's changes unless --coder is given."""
    from codage.cli.listings import list_history

    list_history(limit, all_, by, project, json_)


@app.command()
@handle_errors
def segments(
    code_path: Annotated[
        str | None, typer.Option("--code", help="Only this code (and its sub-codes).")
    ] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document.")] = None,
    coder_name: Annotated[str | None, typer.Option("--coder", help="Only this coder.")] = None,
    no_subcodes: Annotated[
        bool, typer.Option("--no-subcodes", help="Exclude the sub-codes of --code.")
    ] = False,
    pseudonymised: Annotated[
        bool,
        typer.Option("--pseudonymised", help="Replace the names of the pseudonymisation map."),
    ] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """List coded segments."""
    from codage.cli.listings import list_segments

    list_segments(code_path, document, coder_name, no_subcodes, pseudonymised, project, json_)

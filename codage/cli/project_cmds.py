"""Commands on a project: init, documents, codebook, code/uncode, undo/redo, segments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from codage import codebook
from codage.cli.app import app, codebook_app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    fail,
    handle_errors,
    project_from,
)
from codage.display import markup_safe, plain
from codage.i18n import t
from codage.services import (
    default_project_location,
    display_location,
    export_codebook,
    import_codebook,
    open_project,
    project_exists,
    resolve_code,
    resolve_document,
)


@app.command()
@handle_errors
def init(
    project: ProjectOption = None,
    codebook_file: Annotated[
        Path | None, typer.Option("--codebook", help="A YAML codebook to start from.")
    ] = None,
    coder: CoderOption = None,
) -> None:
    """Create a new project (a SQLite file by default)."""
    location = project or default_project_location()
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
    with project_from(project) as proj:
        docs = proj.documents()
        units = proj.unit_counts()
        speakers = proj.speakers()
    rows = [
        {
            "name": d.name,
            "kind": d.kind,
            "words": d.words,
            "units": units.get(d.id, {}),
            "speakers": speakers.get(d.id, []),
            "case": d.case,
            "sha256": d.sha256,
            "length": d.length,
            "source": d.source_path,
        }
        for d in docs
    ]
    if json_:
        emit_json(rows)
        return
    table = Table(title=t("title.documents"))
    for col in ("col.name", "col.kind", "col.words", "col.units", "col.speakers", "col.case"):
        table.add_column(t(col), justify="right" if col == "col.words" else "left")
    for r in rows:
        table.add_row(
            plain(r["name"]),
            plain(r["kind"]),
            str(r["words"]),
            plain(", ".join(f"{k} {v}" for k, v in sorted(r["units"].items()))),
            plain(", ".join(r["speakers"][:4]) + (" …" if len(r["speakers"]) > 4 else "")),
            plain(r["case"] or ""),
        )
    console.print(table)


@codebook_app.command("show")
@handle_errors
def codebook_show(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """Show the codebook as a tree, with counts of codings."""
    with project_from(project) as proj:
        codes = proj.codes()
        counts = proj.coding_counts()
    if json_:
        emit_json(
            [
                {
                    "path": c.path_str,
                    "name": c.name,
                    "description": c.description,
                    "colour": c.colour,
                    "inclusion": c.inclusion,
                    "exclusion": c.exclusion,
                    "example": c.example,
                    "depth": c.depth,
                    "codings": counts.get(c.id, 0),
                }
                for c in codes
            ]
        )
        return
    table = Table(title=t("title.codebook"))
    table.add_column(t("col.path"))
    table.add_column(t("col.codings"), justify="right")
    table.add_column(t("col.description"), overflow="fold", max_width=60)
    for c in codes:
        table.add_row(
            f"{'  ' * c.depth}[{c.colour}]■[/] {markup_safe(c.name)}",
            str(counts.get(c.id, 0)),
            plain(c.description.split("\n")[0][:120]),
        )
    console.print(table)


@codebook_app.command("import")
@handle_errors
def codebook_import(
    file: Annotated[Path, typer.Argument(help="YAML codebook to merge into the project.")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace differing definitions and colours.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Merge a YAML codebook into the project by code path; nothing is deleted."""
    book = codebook.load_codebook(file)
    with project_from(project, create=True) as proj:
        report = import_codebook(proj, book, coder=coder_from(coder), overwrite=overwrite)
    if json_:
        emit_json(
            {
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "conflicts": report.conflicts,
            }
        )
        return
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
    for line in report.conflicts:
        console.print(f"[yellow]{t('codebook.conflict')}:[/] {markup_safe(line)}", highlight=False)


@codebook_app.command("export")
@handle_errors
def codebook_export(
    file: Annotated[Path, typer.Argument(help="Where to write the YAML codebook.")],
    project: ProjectOption = None,
) -> None:
    """Write the project's codebook as YAML."""
    with project_from(project) as proj:
        export_codebook(proj, file)
    console.print(plain(t("codebook.exported", path=file)))


def _find_text(text: str, passage: str, document: str) -> tuple[int, int]:
    start = text.find(passage)
    if start < 0:
        raise fail(f"{document}: passage not found: {passage[:60]!r}")
    if text.find(passage, start + 1) >= 0:
        raise fail(
            f"{document}: the passage occurs more than once; give --start/--end or a longer passage"
        )
    return start, start + len(passage)


@app.command()
@handle_errors
def code(
    document: Annotated[str, typer.Argument(help="Document name.")],
    code_path: Annotated[str, typer.Argument(help="Code path, e.g. 'Partie 1/Intranet'.")],
    start: Annotated[int | None, typer.Option(help="Start offset (code points).")] = None,
    end: Annotated[int | None, typer.Option(help="End offset, exclusive.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Exact passage to code.")] = None,
    memo: Annotated[str | None, typer.Option(help="Memo on the coding.")] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Code a passage of a document (scriptable)."""
    if (text is None) == (start is None or end is None):
        raise fail("give either --start and --end, or --text")
    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        target = resolve_code(proj, code_path)
        if text is not None:
            start, end = _find_text(doc.text, text, doc.name)
        assert start is not None and end is not None
        coding = proj.add_coding(doc.id, target.id, start, end, coder=who, memo=memo)
    if json_:
        emit_json(_segment(coding, doc.name, target.path_str))
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
    text: Annotated[str | None, typer.Option("--text", help="Exact coded passage.")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every coding of that code in the document.")
    ] = False,
    project: ProjectOption = None,
    coder: CoderOption = None,
) -> None:
    """Remove the current coder's coding(s) of a code in a document."""
    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        target = resolve_code(proj, code_path)
        if text is not None:
            start, end = _find_text(doc.text, text, doc.name)
        mine = proj.codings(document_id=doc.id, code_ids=[target.id], coders=[who])
        if not all_:
            if start is None or end is None:
                raise fail("give --start and --end, --text, or --all")
            mine = [c for c in mine if c.start == start and c.end == end]
        if not mine:
            raise fail(f"{doc.name}: {who} has no such coding of {target.path_str}")
        with proj.batch(coder=who, action="uncode", summary=f"uncode {len(mine)} in {doc.name}"):
            for c in mine:
                proj.remove_coding(c.id, coder=who)
    console.print(t("uncoded", count=len(mine)))


def _journal_step(step: str, project: str | None, coder: str | None) -> None:
    """Undo or redo the coder's last change, from the journal."""
    who = coder_from(coder)
    with project_from(project) as proj:
        entry = proj.undo(coder=who) if step == "undo" else proj.redo(coder=who)
    if entry is None:
        raise fail(t(f"{step}.none", coder=who), code=1)
    console.print(plain(t(f"{step}.done", summary=entry.summary)))


@app.command()
@handle_errors
def undo(project: ProjectOption = None, coder: CoderOption = None) -> None:
    """Undo the current coder's last change (across sessions)."""
    _journal_step("undo", project, coder)


@app.command()
@handle_errors
def redo(project: ProjectOption = None, coder: CoderOption = None) -> None:
    """Redo the current coder's last undone change."""
    _journal_step("redo", project, coder)


def _segment(coding, document: str, path: str) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": coding.id,
        "document": document,
        "code": path,
        "coder": coding.coder,
        "start": coding.start,
        "end": coding.end,
        "text": coding.text,
        "memo": coding.memo,
    }


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
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """List coded segments."""
    with project_from(project) as proj:
        codes = proj.codes()
        paths = {c.id: c.path_str for c in codes}
        code_ids = None
        if code_path:
            target = resolve_code(proj, code_path)
            code_ids = [target.id] if no_subcodes else codebook.subtree_ids(codes, target.id)
        doc_id = resolve_document(proj, document).id if document else None
        names = {d.id: d.name for d in proj.documents()}
        found = proj.codings(
            document_id=doc_id,
            code_ids=code_ids,
            coders=[coder_name] if coder_name else None,
        )
    rows = [_segment(c, names[c.document_id], paths[c.code_id]) for c in found]
    if json_:
        emit_json(rows)
        return
    table = Table(title=f"{t('title.segments')} ({len(rows)})")
    for col in ("col.document", "col.path", "col.coder", "col.span", "col.text"):
        table.add_column(t(col), overflow="fold")
    for r in rows:
        excerpt = " ".join(r["text"].split())
        table.add_row(
            plain(r["document"]),
            plain(r["code"]),
            plain(r["coder"]),
            f"{r['start']}–{r['end']}",
            plain(excerpt if len(excerpt) < 160 else excerpt[:157] + "…"),
        )
    console.print(table)

"""Commands on a project: init, documents, code/uncode, undo/redo, history, segments."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring, encode_basestring_ascii
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from codage import codebook
from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    emit_json_list,
    err_console,
    fail,
    handle_errors,
    project_from,
    reader_from,
    register_expected,
    remember_project,
)
from codage.cli.json_records import write_json_list
from codage.display import plain
from codage.domain import Document, JournalEntry
from codage.i18n import register, t
from codage.journal_text import change_record, describe_change
from codage.services import (
    UndoConflict,
    default_project_location,
    display_location,
    import_codebook,
    open_project,
    project_exists,
    resolve_code,
    resolve_document,
)
from codage.services.passages import NamedSpan, own_codings, passage_span
from codage.services.pseudonyms import NoPseudonymMap, load_pseudonymiser

if TYPE_CHECKING:
    from codage.services import Project
    from codage.store.lite import CodingTuple

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
        "title.history": {"en": "Journal", "fr": "Journal"},
        "col.when": {"en": "When", "fr": "Quand"},
        "col.by": {"en": "By", "fr": "Par"},
        "col.change": {"en": "Change", "fr": "Modification"},
        "col.state": {"en": "State", "fr": "État"},
        "passage.widened": {
            "en": "{document}: span widened to whole characters: [{start}, {end})",
            "fr": "{document} : passage élargi à des caractères entiers : [{start}, {end})",
        },
    }
)

# a pseudonymised listing asked of a project without a map: one line
register_expected(NoPseudonymMap)


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
    with reader_from(project) as proj:
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
    # the table reads the records themselves: the rows are untyped JSON-ready mappings
    for d in docs:
        doc_units = units.get(d.id, {})
        doc_speakers = speakers.get(d.id, [])
        table.add_row(
            plain(d.name),
            plain(d.kind),
            str(d.words),
            plain(", ".join(f"{k} {v}" for k, v in sorted(doc_units.items()))),
            plain(", ".join(doc_speakers[:4]) + (" …" if len(doc_speakers) > 4 else "")),
            plain(d.case or ""),
        )
    console.print(table)


def _passage_span(
    proj: Project, doc: Document, text: str | None, start: int | None, end: int | None
) -> tuple[int, int] | None:
    """The span a person named, by its text or by offsets, widened to whole characters."""
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
    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        target = resolve_code(proj, code_path)
        if not all_ and text is None and (start is None or end is None):
            raise fail("give --start and --end, --text, or --all")
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
                "removed": [_segment(c, doc.name, target.path_str) for c in mine],
                "journal": change_record(entry),
            }
        )
        return
    console.print(t("uncoded", count=len(mine)))


def _journal_step(step: str, project: str | None, coder: str | None, json_: bool) -> None:
    """Undo or redo the last change the coder made, from the journal."""
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
    """Undo the last change you made (code, uncode, codebook edit, consensus, merge...),
    whoever's codings it touched; across sessions."""
    _journal_step("undo", project, coder, json_)


@app.command()
@handle_errors
def redo(
    project: ProjectOption = None, coder: CoderOption = None, json_: JsonOption = False
) -> None:
    """Redo the last change you undid."""
    _journal_step("redo", project, coder, json_)


def _when(entry: JournalEntry) -> str:
    return entry.at.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


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
    """List the journal, newest first: who made each change, when, what, and whether
    it was undone. Everyone's changes unless --coder is given."""
    with reader_from(project) as proj:
        entries = proj.history(coder=by, limit=None if all_ else limit)
    if json_:
        emit_json([change_record(e) for e in entries])
        return
    table = Table(title=f"{t('title.history')} ({len(entries)})")
    for col in ("#", t("col.when"), t("col.by"), t("col.change"), t("col.state")):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(
            str(e.id),
            _when(e),
            escape(e.coder),
            escape(describe_change(e)),
            t(f"change.state.{e.state}"),
        )
    console.print(table)


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
        "automatic": coding.automatic,
        "suggested": coding.suggested,
    }


_SEGMENT_KEYS = (
    "id",
    "document",
    "code",
    "coder",
    "start",
    "end",
    "text",
    "memo",
    "automatic",
    "suggested",
)


class _SegmentJson:
    """A segment's JSON text made from its row, as ``record_json`` makes it from the
    segment's record (a test holds them equal), for ``write_json_list``: the names of
    documents, codes and coders escaped once each rather than once per segment, which
    a million segments repeat."""

    def __init__(self, names: Mapping[int, str], paths: Mapping[int, str]) -> None:
        self._template = (
            "{\n    " + ",\n    ".join(f'"{key}": %s' for key in _SEGMENT_KEYS) + "\n  }"
        )
        self._escape = {False: encode_basestring, True: encode_basestring_ascii}
        self._names = {a: {i: e(n) for i, n in names.items()} for a, e in self._escape.items()}
        self._paths = {a: {i: e(p) for i, p in paths.items()} for a, e in self._escape.items()}
        self._coders: dict[bool, dict[str, str]] = {False: {}, True: {}}

    def __call__(self, row: CodingTuple, ascii_only: bool) -> str:
        i, d, c, coder, start, end, text, memo, automatic, suggested = row
        escape = self._escape[ascii_only]
        coders = self._coders[ascii_only]
        who = coders.get(coder)
        if who is None:
            who = coders[coder] = escape(coder)
        return self._template % (
            int(i),
            self._names[ascii_only][d],
            self._paths[ascii_only][c],
            who,
            int(start),
            int(end),
            escape(text),
            "null" if memo is None else escape(memo),
            "true" if automatic else "false",
            "true" if suggested else "false",
        )


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
    with reader_from(project) as proj:
        pseudonymiser = load_pseudonymiser(proj) if pseudonymised else None
        codes = proj.codes()
        paths = {c.id: c.path_str for c in codes}
        code_ids = None
        if code_path:
            target = resolve_code(proj, code_path)
            code_ids = [target.id] if no_subcodes else codebook.subtree_ids(codes, target.id)
        doc_id = resolve_document(proj, document).id if document else None
        names = {d.id: d.name for d in proj.documents()}
        # Streamed, plain rows in document order: a million segments are never all
        # held, as objects or as one JSON text.
        found = proj.coding_rows(
            document_ids=None if doc_id is None else [doc_id],
            code_ids=code_ids,
            coders=[coder_name] if coder_name else None,
        )

        def rows_of() -> Iterator[dict[str, Any]]:
            for i, d, c, coder, start, end, text, memo, automatic, suggested in found:
                row: dict[str, Any] = {
                    "id": i,
                    "document": names[d],
                    "code": paths[c],
                    "coder": coder,
                    "start": start,
                    "end": end,
                    "text": text,
                    "memo": memo,
                    "automatic": automatic,
                    "suggested": suggested,
                }
                if pseudonymiser is not None:
                    for key in ("document", "text", "memo"):
                        row[key] = pseudonymiser.optional(row[key])
                yield row

        if json_ and pseudonymiser is None:
            write_json_list(found, sys.stdout, _SegmentJson(names, paths))
            return
        if json_:
            emit_json_list(rows_of())
            return
        rows = list(rows_of())
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

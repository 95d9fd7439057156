"""The commands that only list what a project holds: documents, segments, history and
the codebook, as their Typer commands and the light start (:mod:`codage.cli.light`)
both run them.

No Typer here, and Rich only when a table is printed: these are the commands a person
runs most, and they start in a fraction of a second (issues 13 and 19).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from codage import codebook
from codage.cli import reporting
from codage.cli.reporting import emit_json, emit_json_list, register_expected
from codage.domain import JournalEntry
from codage.i18n import register, t
from codage.journal_text import change_record, describe_change
from codage.services import resolve_code, resolve_document
from codage.services.reading import reading

if TYPE_CHECKING:
    from codage.store.lite import CodingTuple

__all__ = ["list_documents", "list_history", "list_segments", "segment_record", "show_codebook"]

register(
    {
        "title.history": {"en": "Journal", "fr": "Journal"},
        "col.when": {"en": "When", "fr": "Quand"},
        "col.by": {"en": "By", "fr": "Par"},
        "col.change": {"en": "Change", "fr": "Modification"},
        "col.state": {"en": "State", "fr": "État"},
    }
)

# a pseudonymised listing asked of a project without a map: one line (named, so that
# the pseudonymisation wing loads only when a listing is pseudonymised)
register_expected("codage.services.pseudonyms:NoPseudonymMap")


def list_documents(project: str | None = None, json_: bool = False) -> None:
    """Print the documents of the project: a table, or JSON with ``json_``."""
    with reading(project) as proj:
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
    from codage.cli.quick_table import QuickTable as Table
    from codage.cli.quick_table import plain_cell, print_table

    table = Table(title=t("title.documents"))
    for col in ("col.name", "col.kind", "col.words", "col.units", "col.speakers", "col.case"):
        table.add_column(t(col), justify="right" if col == "col.words" else "left")
    # the table reads the records themselves: the rows are untyped JSON-ready mappings
    for d in docs:
        doc_units = units.get(d.id, {})
        doc_speakers = speakers.get(d.id, [])
        table.add_row(
            plain_cell(d.name),
            plain_cell(d.kind),
            plain_cell(str(d.words)),
            plain_cell(", ".join(f"{k} {v}" for k, v in sorted(doc_units.items()))),
            plain_cell(", ".join(doc_speakers[:4]) + (" …" if len(doc_speakers) > 4 else "")),
            plain_cell(d.case or ""),
        )
    print_table(reporting.console, table)


def _when(entry: JournalEntry) -> str:
    return entry.at.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def list_history(
    limit: int = 20,
    all_: bool = False,
    by: str | None = None,
    project: str | None = None,
    json_: bool = False,
) -> None:
    """Print the journal, newest first (``by``: one person's changes only)."""
    with reading(project) as proj:
        entries = proj.history(coder=by, limit=None if all_ else limit)
    if json_:
        emit_json([change_record(e) for e in entries])
        return
    from rich.markup import escape

    from codage.cli.quick_table import QuickTable as Table
    from codage.cli.quick_table import print_table

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
    print_table(reporting.console, table)


def segment_record(coding: Any, document: str, path: str) -> dict[str, Any]:
    """A coding as the JSON of ``segments``, ``code`` and ``uncode`` shows it."""
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


def list_segments(
    code_path: str | None = None,
    document: str | None = None,
    coder_name: str | None = None,
    no_subcodes: bool = False,
    pseudonymised: bool = False,
    project: str | None = None,
    json_: bool = False,
) -> None:
    """Print the coded segments chosen by code, document and coder."""
    with reading(project) as proj:
        pseudonymiser = None
        if pseudonymised:
            from codage.services.pseudonyms import load_pseudonymiser

            pseudonymiser = load_pseudonymiser(proj)
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
            from codage.cli.json_records import write_json_list

            write_json_list(found, sys.stdout, _SegmentJson(names, paths))
            return
        if json_:
            emit_json_list(rows_of())
            return
        from codage.cli.quick_table import plain_cell

        # The table's cells straight from the plain rows: no record per row, and
        # add_text_rows without add_row's checks (cells are Text, one per column).
        hide = pseudonymiser.text if pseudonymiser is not None else None
        cells = []
        for _, d, c, coder, start, end, text, _, _, _ in found:
            name = names[d]
            if hide is not None:
                name, text = hide(name), hide(text)
            excerpt = " ".join(text.split())
            cells.append(
                (
                    plain_cell(name),
                    plain_cell(paths[c]),
                    plain_cell(coder),
                    plain_cell(f"{start}–{end}"),
                    plain_cell(excerpt if len(excerpt) < 160 else excerpt[:157] + "…"),
                )
            )
    from codage.cli.quick_table import QuickTable as Table
    from codage.cli.quick_table import add_text_rows, print_table

    table = Table(title=f"{t('title.segments')} ({len(cells)})")
    for col in ("col.document", "col.path", "col.coder", "col.span", "col.text"):
        table.add_column(t(col), overflow="fold")
    add_text_rows(table, cells)
    print_table(reporting.console, table)


def show_codebook(project: str | None = None, json_: bool = False) -> None:
    """Print the codebook as a tree, with counts of codings."""
    with reading(project) as proj:
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
    from codage.cli.quick_table import QuickTable as Table
    from codage.cli.quick_table import plain_cell, print_table
    from codage.display import markup_safe

    table = Table(title=t("title.codebook"))
    table.add_column(t("col.path"))
    table.add_column(t("col.codings"), justify="right")
    table.add_column(t("col.description"), overflow="fold", max_width=60)
    for c in codes:
        table.add_row(
            f"{'  ' * c.depth}[{c.colour}]■[/] {markup_safe(c.name)}",
            str(counts.get(c.id, 0)),
            plain_cell(c.description.split("\n")[0][:120]),
        )
    print_table(reporting.console, table)


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

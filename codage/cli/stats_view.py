"""``codage stats`` without Typer: what its Typer command and the light start
(:mod:`codage.cli.light`) both run.

The numbers are read through :func:`codage.services.reading.reading`: on a SQLite
project at the head schema, the standard library's ``sqlite3`` (no SQLAlchemy, no
numpy), so that ``codage stats`` starts as fast as a listing (issue 19); on a server or
an older schema, the full store, which gives the same records.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from codage import codebook
from codage.cli import reporting
from codage.cli.reporting import code_label, emit_json
from codage.i18n import register, t
from codage.services import NotFound, resolve_code, resolve_document
from codage.services.reading import reading

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from codage.analysis.stats import StatsSource
    from codage.services import ProjectReader

__all__ = ["chosen_scope", "print_sheets", "sheet_labels", "show_stats"]

register(
    {
        "stats.frequencies": {"en": "Frequencies", "fr": "Fréquences"},
        "stats.by_document": {"en": "Codings per document", "fr": "Codages par document"},
        "stats.by_attribute": {"en": "Codings by {attribute}", "fr": "Codages selon {attribute}"},
        "stats.cooccurrence": {"en": "Co-occurrence", "fr": "Cooccurrences"},
        "stats.col.code": {"en": "Code", "fr": "Code"},
        "stats.col.codings": {"en": "Codings", "fr": "Codages"},
        "stats.col.documents": {"en": "Documents", "fr": "Documents"},
        "stats.col.cases": {"en": "Cases", "fr": "Cas"},
        "stats.col.coders": {"en": "Coders", "fr": "Codeurs"},
        "stats.col.characters": {"en": "Characters", "fr": "Caractères"},
        "stats.col.share": {"en": "Share of text", "fr": "Part du texte"},
        "stats.col.code_a": {"en": "Code A", "fr": "Code A"},
        "stats.col.code_b": {"en": "Code B", "fr": "Code B"},
        "stats.col.passage": {"en": "Same passage", "fr": "Même passage"},
        "stats.col.unit": {"en": "Same unit", "fr": "Même unité"},
        "stats.none": {"en": "No codings yet.", "fr": "Aucun codage pour l'instant."},
    }
)


def sheet_labels() -> dict[str, str]:
    """The titles and column names of the statistics tables, in the interface's language."""
    return {
        "frequencies": t("stats.frequencies"),
        "by_document": t("stats.by_document"),
        "by_attribute": t("stats.by_attribute", attribute="{attribute}"),
        "cooccurrence": t("stats.cooccurrence"),
        **{
            key: t(f"stats.col.{key}")
            for key in (
                "code",
                "codings",
                "documents",
                "cases",
                "coders",
                "characters",
                "share",
                "code_a",
                "code_b",
                "passage",
                "unit",
            )
        },
    }


def chosen_scope(
    project: ProjectReader,
    codes: Sequence[str] | None,
    include_subcodes: bool,
    documents: Sequence[str] | None,
    coders: Sequence[str] | None,
) -> tuple[set[int] | None, list[int]]:
    """The code ids (None: all) and document ids the statistics cover, resolved and
    checked as :func:`codage.services.selection.select_codings` resolves them (codes,
    then documents, then coders; :class:`NotFound` with the same words), without
    loading the selection's wing, which reads codings as records."""
    all_codes = project.codes()
    code_ids: set[int] | None = None
    if codes is not None:
        code_ids = set()
        for typed in codes:
            code = resolve_code(project, typed)
            code_ids.update(
                [code.id] if not include_subcodes else codebook.subtree_ids(all_codes, code.id)
            )
    all_docs = project.documents()
    if documents is not None:
        wanted = {resolve_document(project, typed).id for typed in documents}
        all_docs = [d for d in all_docs if d.id in wanted]
    if coders is not None:
        known = {c.name for c in project.coders()}
        for name in (c.strip() for c in coders):
            if name not in known:
                raise NotFound(f"no coder {name!r} in this project")
    return code_ids, [d.id for d in all_docs]


def show_stats(
    code: list[str] | None = None,
    no_subcodes: bool = False,
    document: list[str] | None = None,
    coder: list[str] | None = None,
    project: str | None = None,
    json_: bool = False,
    csv_: bool = False,
) -> None:
    """Print the statistics of the codings chosen by code, document and coder: tables,
    JSON with ``json_`` or CSV with ``csv_`` (not both: the caller refuses that)."""
    from codage.analysis.stats import compute_stats

    with reading(project) as proj:
        code_ids, document_ids = chosen_scope(
            proj, code or None, not no_subcodes, document or None, coder or None
        )
        # reading() opens one of the two kinds of project statistics read
        result = compute_stats(
            cast("StatsSource", proj),
            code_ids=code_ids,
            document_ids=document_ids,
            coders=coder or None,
        )
    if json_:
        emit_json(result.to_json())
        return
    sheets = result.sheets(sheet_labels())
    if csv_:
        import csv
        import io

        from codage.exchange.tables import cell_safe

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for i, (title, rows) in enumerate(sheets):
            if i:
                writer.writerow([])
            writer.writerow([f"# {title}"])
            writer.writerows([cell_safe(v) for v in row] for row in rows)
        sys.stdout.write(buffer.getvalue())
        return
    console = reporting.console
    if not any(f.codings for f in result.frequencies):
        console.print(t("stats.none"))
        return
    print_sheets(console, sheets)


def print_sheets(console: Console, sheets: Sequence[tuple[str, list[list[Any]]]]) -> None:
    """Draw each statistics table of more than its header: code columns (a sheet's
    string values) as code labels, the frequency table's indented by depth, numbers
    right-justified, shares as percentages.

    The same bytes as Rich's ``Table`` of :func:`codage.cli.reporting.code_label`
    markup and :func:`codage.display.plain` cells printed with ``console.print``
    (``tests/cli/stats_before.py`` keeps that drawing), made without reading markup or
    measuring a line twice: the tables run to hundreds of rows."""
    from codage.cli.quick_table import (
        QuickTable,
        add_text_rows,
        plain_cell,
        print_table,
        text_of,
    )
    from codage.display import plain

    for n, (title, rows) in enumerate(sheets):
        if len(rows) < 2:
            continue
        table = QuickTable(title=plain(title))
        # Code columns hold paths (the co-occurrence table has two of them).
        code_columns = {i for i, v in enumerate(rows[1]) if isinstance(v, str)}
        for i, head in enumerate(rows[0]):
            justify: Literal["left", "right"] = "left" if i in code_columns else "right"
            table.add_column(plain_cell(str(head)), justify=justify, overflow="fold")
        # Full paths fold over many lines in a terminal: the frequency table lists the
        # whole tree, so indentation says where a code sits; others name the parent.
        indent = n == 0
        labels: dict[str, Text | str] = {}
        cells: list[list[Any]] = []
        for row in rows[1:]:
            cells.append(
                [
                    (labels.get(v) or labels.setdefault(v, _code_cell(v, indent)))
                    if i in code_columns
                    else text_of(f"{v:.1%}" if isinstance(v, float) else str(v))
                    if isinstance(v, int | float)
                    else plain_cell(str(v))
                    for i, v in enumerate(row)
                ]
            )
        add_text_rows(table, cells)
        print_table(console, table)


# What makes a code label's markup more than its text: a tag or an escape, an emoji
# code (``:smile:``), a control character the console makes visible.
_MARKED = re.compile(r"[\[\]\\:\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _code_cell(path: str, indent: bool) -> Text | str:
    """The cell ``code_label(path, indent=indent)`` gives as markup, as the console
    reads it (the parent dimmed), made directly when reading it could change nothing
    but the dimmed span; otherwise the markup itself, for the console to read."""
    from rich.text import Span

    from codage.cli.quick_table import text_of
    from codage.domain import code_label as domain_code_label

    label = domain_code_label(path, indent=indent)
    head = f"{label.indent}{label.leaf}"
    parent = label.parent
    if _MARKED.search(head) is not None or (parent and _MARKED.search(parent) is not None):
        return code_label(path, indent=indent)
    if not parent:
        return text_of(head)
    whole = f"{head} ({parent})"
    # markup's "[dim](parent)[/]": one span of the style's name
    return text_of(whole, [Span(len(head) + 1, len(whole), "dim")])

"""The dossier's summary: a table of the codes with extracts, and a bar chart of them.

Both are Word tables, so that they print the same in Word and LibreOffice, in
colour or in black and white: the summary lists each code that has extracts,
under its parents, a parent row carrying the totals of its whole branch; the
chart lists the same codes sorted by their number of extracts, each with its
name, a bar of solid blocks and the number itself. Columns are sized to their
content so that no code name breaks inside a word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, RGBColor
from docx.table import Table

from codage.domain import Code
from codage.exchange.tables import Selection, xml_safe

__all__ = ["BranchCounts", "branch_counts", "write_summary"]

HEADS = ("code", "extracts", "codings", "documents", "cases", "coders")
# Average advance of a character of Word's body font at the table's 9 pt, in inches;
# generous, so that an estimated width is never too narrow.
_CHAR = 0.075
_BAR = "\u2588"  # a full block: prints as solid ink in colour or in grey
_BAR_CHAR = 0.066  # its advance in Courier New at 8 pt, in inches


@dataclass
class BranchCounts:
    """What the summary says of one code: its own extracts, or its branch's for a parent."""

    code: Code
    level: int
    extracts: int = 0
    own: int = 0  # extracts of this code itself, not of its sub-codes
    codings: int = 0
    documents: set[int] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)
    coders: set[str] = field(default_factory=set)


def branch_counts(selection: Selection, extracts: Sequence) -> list[BranchCounts]:
    """Codes with extracts in tree order, each with the totals of its branch.

    A code appears when it or one of its descendants (within the selection's
    scope) has an extract; its counts are those of its whole branch, so a
    parent's row is the sum of what lies under it (sets for documents, cases
    and coders, so that nobody is counted twice).
    """
    scope = selection.code_ids
    in_scope = [c for c in selection.codes if scope is None or c.id in scope]
    by_id = {c.id: c for c in in_scope}
    rows: dict[int, BranchCounts] = {}
    top = min((c.depth for c in in_scope), default=0)
    for extract in extracts:
        records = extract.records
        current: int | None = extract.first.code.id
        if current in by_id:
            first = rows.get(current)
            if first is None:
                code = by_id[current]
                first = rows[current] = BranchCounts(code, code.depth - top)
            first.own += 1
        while current is not None and current in by_id:
            code = by_id[current]
            row = rows.get(current)
            if row is None:
                row = rows[current] = BranchCounts(code, code.depth - top)
            row.extracts += 1
            row.codings += len(records)
            row.documents.update(r.document.id for r in records)
            row.cases.update(r.case.name for r in records if r.case is not None)
            row.coders.update(r.coding.coder for r in records)
            current = code.parent_id
    return [rows[c.id] for c in in_scope if c.id in rows]


def _usable_width(doc: DocxDocument) -> float:
    section = doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    return Emu(width).inches


def _fix_widths(table: Table, widths: Sequence[float]) -> None:
    """Give each column its width, in a fixed layout Word and LibreOffice both keep."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)
        for cell in column.cells:
            cell.width = Inches(width)


def _small(table: Table, size: float = 9) -> None:
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    if run.font.size is None:
                        run.font.size = Pt(size)


def _label(code: Code) -> str:
    """Leaf with its parent, as the command line shows codes out of tree order."""
    if len(code.path) == 1:
        return code.name
    return f"{code.name} ({code.path[-2]})"


def write_summary(
    doc: DocxDocument,
    selection: Selection,
    extracts: Sequence,
    label: Callable[..., str],
) -> list[BranchCounts]:
    """Append the summary table and the bar chart; returns the rows shown."""
    rows = branch_counts(selection, extracts)
    if not rows:
        return rows
    usable = _usable_width(doc)
    heads = [label(f"dossier.col.{key}") for key in HEADS]
    number_width = max(0.55, max(len(h) for h in heads[1:]) * _CHAR + 0.2)
    names = ["\u2003" * row.level + row.code.name for row in rows]
    wanted = max(len(heads[0]), *(len(n) + row.level for n, row in zip(names, rows, strict=True)))
    code_width = min(wanted * _CHAR + 0.2, usable - 5 * number_width)
    table = doc.add_table(rows=1, cols=len(HEADS))
    table.style = doc.styles["Light List Accent 1"]
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        cell.text = head
    for name, row in zip(names, rows, strict=True):
        values = (
            name,
            row.extracts,
            row.codings,
            len(row.documents),
            len(row.cases),
            len(row.coders),
        )
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = xml_safe(str(value))
        if row.level == 0 or any(r.code.parent_id == row.code.id for r in rows):
            for run in cells[0].paragraphs[0].runs:
                run.bold = True
    _fix_widths(table, [code_width, *([number_width] * 5)])
    _small(table)
    _write_chart(doc, rows, label, usable)
    return rows


def _write_chart(
    doc: DocxDocument, rows: list[BranchCounts], label: Callable[..., str], usable: float
) -> None:
    """Bars of the codes that hold extracts themselves, most first (ties in tree order)."""
    order = {r.code.id: i for i, r in enumerate(rows)}
    bars = sorted((r for r in rows if r.own), key=lambda r: (-r.own, order[r.code.id]))
    doc.add_paragraph(label("dossier.chart_title"), style="Caption")
    labels = [_label(r.code) for r in bars]
    label_width = min(max(len(text) for text in labels) * _CHAR + 0.2, usable * 0.45)
    value_width = max(0.5, len(str(bars[0].own)) * _CHAR + 0.25)
    bar_width = usable - label_width - value_width
    longest = max(1, int((bar_width - 0.15) / _BAR_CHAR))
    top = bars[0].own or 1
    chart = doc.add_table(rows=0, cols=3)
    chart.alignment = WD_TABLE_ALIGNMENT.LEFT
    for text, row in zip(labels, bars, strict=True):
        cells = chart.add_row().cells
        cells[0].text = xml_safe(text)
        blocks = max(1, round(longest * row.own / top))
        run = cells[1].paragraphs[0].add_run(_BAR * blocks)
        run.font.name = "Courier New"
        run.font.size = Pt(8)
        colour = row.code.colour.lstrip("#")
        try:
            run.font.color.rgb = RGBColor.from_string(colour.upper())
        except ValueError:
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        cells[2].text = str(row.own)
    _fix_widths(chart, [label_width, bar_width, value_width])
    _small(chart)
    doc.add_paragraph(label("dossier.chart_caption"), style="Caption")

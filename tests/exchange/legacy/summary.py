"""The summary as it was before streaming (the reference of the streaming writer).

The dossier's summary: a table of the codes with extracts, and a bar chart of them.

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
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor
from docx.table import Table

from codage.domain import Code
from codage.exchange.dossier_layout import usable_width
from codage.exchange.tables import xml_safe
from codage.services.selection import Selection

__all__ = ["BranchCounts", "branch_counts", "write_summary"]

HEADS = ("code", "extracts", "codings", "documents", "cases", "coders")
# Average advance of a character of Word's body font at the table's 9 pt, in inches;
# generous, so that an estimated width is never too narrow.
_CHAR = 0.075
_INDENT = 0.15  # inches a level of the tree is indented by in the summary
_BAR = "\u2588"  # a full block: prints as solid ink in colour or in grey
_BAR_CHAR = 0.067  # its advance in Courier New at 8 pt (0.6 em), in inches
# The cell's own margins (0.08 in a side in Word's and LibreOffice's default table)
# and some slack: a bar one block too long wraps to a second line.
_BAR_SLACK = 0.35
_LIGHTEST = 150  # greyest a bar may print, on 0 (black) to 255 (white)


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


def _small(table: Table, size: float = 9, numbers_from: int | None = None) -> None:
    """Small type, no space between the lines of a cell; numbers aligned on the right."""
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_before = Pt(0)
                paragraph.paragraph_format.space_after = Pt(1)
                if numbers_from is not None and i >= numbers_from:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                for run in paragraph.runs:
                    if run.font.size is None:
                        run.font.size = Pt(size)


def _rows_whole(table: Table, header: bool) -> None:
    """No row split across a page; the header row repeated on each page the table takes."""
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header and i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _printable(colour: str) -> RGBColor:
    """The code's colour, darkened if it is so light that it would vanish on a grey print."""
    try:
        rgb = RGBColor.from_string(colour.lstrip("#").upper())
    except ValueError:
        return RGBColor(0x59, 0x59, 0x59)
    # Rec. 709 luma, as a greyscale printer or conversion keeps it (0 black, 255 white)
    luma = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    if luma <= _LIGHTEST:
        return rgb
    scale = _LIGHTEST / luma
    return RGBColor(*(round(part * scale) for part in rgb))


def _label(code: Code) -> str:
    """Leaf with its parent, as the command line shows codes out of tree order."""
    if len(code.path) == 1:
        return code.name
    return f"{code.name} ({code.path[-2]})"


def _largest(rows: Sequence[BranchCounts]) -> tuple[int, int, int, int, int]:
    return (
        max(r.extracts for r in rows),
        max(r.codings for r in rows),
        max(len(r.documents) for r in rows),
        max(len(r.cases) for r in rows),
        max(len(r.coders) for r in rows),
    )


def write_summary(
    doc: DocxDocument,
    selection: Selection,
    extracts: Sequence,
    label: Callable[..., str],
) -> list[BranchCounts]:
    """Append the summary table and the bar chart; returns the rows shown."""
    return write_rows(doc, branch_counts(selection, extracts), label)


def write_rows(
    doc: DocxDocument, rows: list[BranchCounts], label: Callable[..., str]
) -> list[BranchCounts]:
    """The summary of rows already counted, through python-docx: the reference of the
    writer in ``codage/exchange/dossier_summary.py``, compared with it byte for byte."""
    if not rows:
        return rows
    usable = usable_width(doc)
    heads = [label(f"dossier.col.{key}") for key in HEADS]
    # each count column as wide as its own heading (or its largest number), the
    # code names all the rest: they are what a reader reads, and words wrap there
    number_widths = [
        max(0.45, max(len(head), len(str(top))) * _CHAR + 0.2)
        for head, top in zip(heads[1:], _largest(rows), strict=True)
    ]
    names = [row.code.name for row in rows]
    code_width = usable - sum(number_widths)
    table = doc.add_table(rows=1, cols=len(HEADS))
    table.style = doc.styles["Light List Accent 1"]
    # the style would set the whole first column in bold: only parents are meant to be
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        table._tbl.tblPr.append(look)
    look.set(qn("w:firstColumn"), "0")
    look.set(qn("w:val"), "0420")  # the same as a bit mask: first row, no vertical bands
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
        # the tree as an indent of the paragraph, not leading spaces: a long name's
        # second line then stays under its first instead of under the parent's
        cells[0].paragraphs[0].paragraph_format.left_indent = Inches(_INDENT * row.level)
        if row.level == 0 or any(r.code.parent_id == row.code.id for r in rows):
            for run in cells[0].paragraphs[0].runs:
                run.bold = True
    _fix_widths(table, [code_width, *number_widths])
    _small(table, numbers_from=1)
    _rows_whole(table, header=True)
    _write_chart(doc, rows, label, usable)
    return rows


def _write_chart(
    doc: DocxDocument, rows: list[BranchCounts], label: Callable[..., str], usable: float
) -> None:
    """Bars of the codes that hold extracts themselves, most first (ties in tree order)."""
    order = {r.code.id: i for i, r in enumerate(rows)}
    bars = sorted((r for r in rows if r.own), key=lambda r: (-r.own, order[r.code.id]))
    title = doc.add_paragraph(label("dossier.chart_title"), style="Caption")
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.space_before = Pt(14)
    labels = [_label(r.code) for r in bars]
    label_width = min(max(len(text) for text in labels) * _CHAR + 0.2, usable * 0.45)
    value_width = max(0.5, len(str(bars[0].own)) * _CHAR + 0.25)
    bar_width = usable - label_width - value_width
    longest = max(1, int((bar_width - _BAR_SLACK) / _BAR_CHAR))
    top = bars[0].own or 1
    chart = doc.add_table(rows=0, cols=3)
    chart.alignment = WD_TABLE_ALIGNMENT.LEFT
    for text, row in zip(labels, bars, strict=True):
        cells = chart.add_row().cells
        cells[0].text = xml_safe(row.code.name)
        if len(text) > len(row.code.name):
            # the parent in grey: the eye finds the code first
            aside = cells[0].paragraphs[0].add_run(xml_safe(text[len(row.code.name) :]))
            aside.font.color.rgb = RGBColor(0x6E, 0x6E, 0x6E)
        blocks = max(1, round(longest * row.own / top))
        run = cells[1].paragraphs[0].add_run(_BAR * blocks)
        run.font.name = "Courier New"
        run.font.size = Pt(8)
        run.font.color.rgb = _printable(row.code.colour)
        cells[2].text = str(row.own)
    _fix_widths(chart, [label_width, bar_width, value_width])
    _small(chart, numbers_from=2)
    _rows_whole(chart, header=False)
    doc.add_paragraph(label("dossier.chart_caption"), style="Caption")

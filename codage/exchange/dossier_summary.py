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
from typing import Any

from docx.document import Document as DocxDocument
from docx.shared import Inches, Pt, RGBColor
from lxml import etree

from codage.domain import Code
from codage.exchange.dossier_layout import BodyWriter, usable_width
from codage.exchange.tables import xml_safe

__all__ = ["BranchCounts", "BranchTally", "write_summary"]

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


class BranchTally:
    """Counts of the summary, added up one extract at a time.

    A code appears when it or one of its descendants (within the selection's
    scope) has an extract; its counts are those of its whole branch, so a
    parent's row is the sum of what lies under it (sets for documents, cases
    and coders, so that nobody is counted twice).
    """

    def __init__(self, codes: Sequence[Code], scope: set[int] | None) -> None:
        self._in_scope = [c for c in codes if scope is None or c.id in scope]
        self._by_id = {c.id: c for c in self._in_scope}
        self._top = min((c.depth for c in self._in_scope), default=0)
        self._rows: dict[int, BranchCounts] = {}

    def _row(self, code_id: int) -> BranchCounts:
        row = self._rows.get(code_id)
        if row is None:
            code = self._by_id[code_id]
            row = self._rows[code_id] = BranchCounts(code, code.depth - self._top)
        return row

    def add(self, extract: Any) -> None:
        """Count one extract (an object with ``records`` and ``first``)."""
        records = extract.records
        current: int | None = extract.first.code.id
        if current in self._by_id:
            self._row(current).own += 1
        documents = {r.document.id for r in records}
        cases = {r.case.name for r in records if r.case is not None}
        coders = {r.coding.coder for r in records}
        while current is not None and current in self._by_id:
            row = self._row(current)
            row.extracts += 1
            row.codings += len(records)
            row.documents.update(documents)
            row.cases.update(cases)
            row.coders.update(coders)
            current = self._by_id[current].parent_id

    def add_code(
        self,
        code_id: int,
        extracts: int,
        codings: int,
        documents: set[int],
        cases: set[str],
        coders: set[str],
    ) -> None:
        """Count ``extracts`` of one code at once (what :meth:`add` counts one by one:
        sums and sets, so that the order they are counted in does not matter)."""
        current: int | None = code_id
        if current in self._by_id:
            self._row(current).own += extracts
        while current is not None and current in self._by_id:
            row = self._row(current)
            row.extracts += extracts
            row.codings += codings
            row.documents.update(documents)
            row.cases.update(cases)
            row.coders.update(coders)
            current = self._by_id[current].parent_id

    def rows(self) -> list[BranchCounts]:
        """Codes with extracts in tree order, each with the totals of its branch."""
        return [self._rows[c.id] for c in self._in_scope if c.id in self._rows]


# The tables are written with plain lxml calls, element for element what python-docx's
# add_table, add_row, cell.text and the paragraph and font properties wrote (the tests
# compare the bytes with that writer, kept in tests/exchange/legacy/summary.py): the
# python-docx calls, each searching the tree for where a child goes, took half the
# processor time of a 1,000-extract dossier.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_SPACING_AFTER = str(Pt(1).twips)  # each cell's paragraph: nothing before, 1 pt after
_LOOK = ("firstColumn", "firstRow", "lastColumn", "lastRow", "noHBand", "noVBand", "val")


def _twips(inches: float) -> str:
    return str(Inches(inches).twips)


def _half_points(points: float) -> str:
    return str(int(Pt(points).pt * 2))


def _table(
    doc: DocxDocument,
    widths: Sequence[float],
    look: Sequence[str],
    style_id: str | None = None,
    align_left: bool = False,
) -> tuple[etree._Element, list[str]]:
    """An empty table of fixed column widths before the body's section properties;
    returns it and its widths in twips."""
    tbl = etree.Element(_W + "tbl")
    pr = etree.SubElement(tbl, _W + "tblPr")
    if style_id is not None:
        etree.SubElement(pr, _W + "tblStyle").set(_W + "val", style_id)
    width = etree.SubElement(pr, _W + "tblW")
    width.set(_W + "type", "auto")
    width.set(_W + "w", "0")
    if align_left:
        etree.SubElement(pr, _W + "jc").set(_W + "val", "left")
    # twice, as the python-docx writer left it (autofit off, then the layout appended)
    etree.SubElement(pr, _W + "tblLayout").set(_W + "type", "fixed")
    look_el = etree.SubElement(pr, _W + "tblLook")
    for name, value in zip(_LOOK, look, strict=True):
        look_el.set(_W + name, value)
    etree.SubElement(pr, _W + "tblLayout").set(_W + "type", "fixed")
    grid = etree.SubElement(tbl, _W + "tblGrid")
    twips = [_twips(w) for w in widths]
    for w in twips:
        etree.SubElement(grid, _W + "gridCol").set(_W + "w", w)
    body = doc.element.body
    section = body.find(_W + "sectPr")
    if section is None:
        body.append(tbl)
    else:
        section.addprevious(tbl)
    return tbl, twips


def _row(tbl: etree._Element, header: bool = False) -> etree._Element:
    """A row that is never split across a page (the header one repeated on each)."""
    tr = etree.SubElement(tbl, _W + "tr")
    pr = etree.SubElement(tr, _W + "trPr")
    etree.SubElement(pr, _W + "cantSplit")
    if header:
        etree.SubElement(pr, _W + "tblHeader")
    return tr


def _cell(
    tr: etree._Element, width: str, right: bool = False, indent: str | None = None
) -> etree._Element:
    """A cell of small spacing; returns its paragraph."""
    tc = etree.SubElement(tr, _W + "tc")
    tc_w = etree.SubElement(etree.SubElement(tc, _W + "tcPr"), _W + "tcW")
    tc_w.set(_W + "type", "dxa")
    tc_w.set(_W + "w", width)
    p = etree.SubElement(tc, _W + "p")
    ppr = etree.SubElement(p, _W + "pPr")
    spacing = etree.SubElement(ppr, _W + "spacing")
    spacing.set(_W + "before", "0")
    spacing.set(_W + "after", _SPACING_AFTER)
    if indent is not None:
        etree.SubElement(ppr, _W + "ind").set(_W + "left", indent)
    if right:
        etree.SubElement(ppr, _W + "jc").set(_W + "val", "right")
    return p


def _run(
    p: etree._Element,
    text: str,
    size: str,
    bold: bool = False,
    colour: str | None = None,
    font: str | None = None,
) -> None:
    """A run as python-docx writes ``run.text``: a tab becomes ``w:tab``, a line break
    ``w:br``, and a text with spaces at either end keeps them."""
    r = etree.SubElement(p, _W + "r")
    pr = etree.SubElement(r, _W + "rPr")
    if font is not None:
        fonts = etree.SubElement(pr, _W + "rFonts")
        fonts.set(_W + "ascii", font)
        fonts.set(_W + "hAnsi", font)
    if bold:
        etree.SubElement(pr, _W + "b")
    if colour is not None:
        etree.SubElement(pr, _W + "color").set(_W + "val", colour)
    etree.SubElement(pr, _W + "sz").set(_W + "val", size)
    if "\t" not in text and "\n" not in text and "\r" not in text:
        if text:
            t = etree.SubElement(r, _W + "t")
            t.text = text
            if len(text.strip()) < len(text):
                t.set(_XML_SPACE, "preserve")
        return
    pending: list[str] = []

    def flush() -> None:
        piece = "".join(pending)
        if piece:
            t = etree.SubElement(r, _W + "t")
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")
        pending.clear()

    for char in text:
        if char == "\t":
            flush()
            etree.SubElement(r, _W + "tab")
        elif char in "\r\n":
            flush()
            etree.SubElement(r, _W + "br")
        else:
            pending.append(char)
    flush()


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
    rows: list[BranchCounts],
    label: Callable[..., str],
    style_id: Callable[[str], str] | None = None,
) -> list[BranchCounts]:
    """Append the summary table and the bar chart of ``rows`` (from :class:`BranchTally`);
    returns the rows shown. ``style_id`` turns a style's name into its id (by default
    a :class:`BodyWriter`'s, which reads the styles once)."""
    if not rows:
        return rows
    ids = style_id or BodyWriter(doc).style_id
    usable = usable_width(doc)
    heads = [label(f"dossier.col.{key}") for key in HEADS]
    # each count column as wide as its own heading (or its largest number), the
    # code names all the rest: they are what a reader reads, and words wrap there
    number_widths = [
        max(0.45, max(len(head), len(str(top))) * _CHAR + 0.2)
        for head, top in zip(heads[1:], _largest(rows), strict=True)
    ]
    code_width = usable - sum(number_widths)
    small = _half_points(9)
    # the style would set the whole first column in bold: only parents are meant to be
    tbl, twips = _table(
        doc,
        [code_width, *number_widths],
        ("0", "1", "0", "0", "0", "1", "0420"),  # as a bit mask: first row, no vertical bands
        style_id=ids("Light List Accent 1"),
    )
    tr = _row(tbl, header=True)
    for i, (head, width) in enumerate(zip(heads, twips, strict=True)):
        _run(_cell(tr, width, right=i >= 1), head, small)
    parents = {r.code.parent_id for r in rows}
    for row in rows:
        values = (len(row.documents), len(row.cases), len(row.coders))
        tr = _row(tbl)
        # the tree as an indent of the paragraph, not leading spaces: a long name's
        # second line then stays under its first instead of under the parent's
        p = _cell(tr, twips[0], indent=_twips(_INDENT * row.level))
        bold = row.level == 0 or row.code.id in parents
        _run(p, xml_safe(row.code.name), small, bold=bold)
        for value, width in zip((row.extracts, row.codings, *values), twips[1:], strict=True):
            _run(_cell(tr, width, right=True), str(value), small)
    _write_chart(doc, rows, label, usable, ids)
    return rows


def _write_chart(
    doc: DocxDocument,
    rows: list[BranchCounts],
    label: Callable[..., str],
    usable: float,
    style_id: Callable[[str], str],
) -> None:
    """Bars of the codes that hold extracts themselves, most first (ties in tree order)."""
    order = {r.code.id: i for i, r in enumerate(rows)}
    bars = sorted((r for r in rows if r.own), key=lambda r: (-r.own, order[r.code.id]))
    caption = style_id("Caption")
    title = doc.add_paragraph(label("dossier.chart_title"))
    title._p.style = caption
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.space_before = Pt(14)
    labels = [_label(r.code) for r in bars]
    label_width = min(max(len(text) for text in labels) * _CHAR + 0.2, usable * 0.45)
    value_width = max(0.5, len(str(bars[0].own)) * _CHAR + 0.25)
    bar_width = usable - label_width - value_width
    longest = max(1, int((bar_width - _BAR_SLACK) / _BAR_CHAR))
    top = bars[0].own or 1
    small = _half_points(9)
    chart, twips = _table(
        doc,
        [label_width, bar_width, value_width],
        ("1", "1", "0", "0", "0", "1", "04A0"),  # python-docx's default look
        align_left=True,
    )
    grey = str(RGBColor(0x6E, 0x6E, 0x6E))
    bar_size = _half_points(8)
    for text, row in zip(labels, bars, strict=True):
        tr = _row(chart)
        p = _cell(tr, twips[0])
        _run(p, xml_safe(row.code.name), small)
        if len(text) > len(row.code.name):
            # the parent in grey: the eye finds the code first
            _run(p, xml_safe(text[len(row.code.name) :]), small, colour=grey)
        blocks = max(1, round(longest * row.own / top))
        colour = str(_printable(row.code.colour))
        _run(_cell(tr, twips[1]), _BAR * blocks, bar_size, colour=colour, font="Courier New")
        _run(_cell(tr, twips[2], right=True), str(row.own), small)
    doc.add_paragraph(label("dossier.chart_caption"))._p.style = caption

"""Word plumbing of the dossier: its paragraph styles, fast paragraphs, and the contents.

The contents is a real TOC field, so that Word rebuilds it with page numbers
(updateFields asks on opening), but it is written already filled: one entry
per heading, linked to a bookmark on that heading. A reader whose program does
not update fields on opening (LibreOffice, a PDF made from the file, a viewer)
still sees every code listed instead of a request to update a field. Page
numbers are left to the program that lays the pages out: a PAGEREF written
without them shows as a dotted line leading nowhere in LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, RGBColor
from docx.styles import BabelFish
from docx.styles.style import ParagraphStyle, StyleFactory
from lxml import etree

from codage.exchange.tables import xml_safe

# Paragraph styles the dossier adds; names stay English so that a user's
# template or macros find them whatever the language of the labels.
CONTEXT_STYLE = "Extract Context"
ATTRIBUTION_STYLE = "Extract Attribution"
MEMO_STYLE = "Extract Memo"
DEFINITION_STYLE = "Code Definition"
# Word's own names for the contents levels: Word and LibreOffice both know them.
TOC_STYLES = ("toc 1", "toc 2", "toc 3")
TOC_LEVELS = len(TOC_STYLES)
TOC_INSTRUCTION = f' TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u '

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass
class TocEntry:
    """A heading the contents lists: its level (1-based), its text and its bookmark."""

    level: int
    text: str
    bookmark: str


class BodyWriter:
    """Appends paragraphs to the body with resolved style ids and plain lxml calls.

    ``Document.add_paragraph`` looks the style up by name and searches the body
    for ``w:sectPr`` on every call: too slow for the tens of thousands of
    paragraphs of a large dossier.
    """

    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc
        self.body = doc.element.body
        self._ids: dict[str, str] | None = None
        self.toc: list[TocEntry] = []

    def style_id(self, name: str) -> str:
        """The id of the style called ``name`` (its name in Word's interface)."""
        if self._ids is None:
            self._ids = style_ids(self.doc)
        found = self._ids.get(BabelFish.ui2internal(name))
        if found is None:
            # not a name: python-docx's own lookup says so (or finds an id, with a warning)
            found = self._ids[name] = self.doc.styles[name].style_id
        return found

    def styled(self, text: str, style: str) -> None:
        """``doc.add_paragraph(text, style)`` with the style id looked up once."""
        paragraph = self.doc.add_paragraph(text)
        paragraph._p.style = self.style_id(style)

    def paragraph(self, style: str | None, *runs: tuple[str, str | None, bool]) -> etree._Element:
        """A paragraph of runs (text, colour, italic) at the end of the body."""
        p = etree.SubElement(self.body, _W + "p")
        if style is not None:
            ppr = etree.SubElement(p, _W + "pPr")
            etree.SubElement(ppr, _W + "pStyle").set(_W + "val", self.style_id(style))
        for text, colour, italic in runs:
            self.run(p, text, colour, italic)
        return p

    def heading(self, level: int, text: str, marker_colour: str | None = None) -> etree._Element:
        """A heading, preceded by a square of its code's colour; the contents will list it."""
        level = min(level, 9)
        runs = [("■ ", marker_colour, False)] if marker_colour else []
        p = self.paragraph(f"Heading {level}", *runs, (text, None, False))
        if level <= TOC_LEVELS:
            number = len(self.toc) + 1
            name = f"_Toc{number:08d}"
            start = etree.Element(_W + "bookmarkStart")
            start.set(_W + "id", str(number))
            start.set(_W + "name", name)
            end = etree.Element(_W + "bookmarkEnd")
            end.set(_W + "id", str(number))
            # around the name, not the marker, so that the contents reads as the heading
            p.insert(len(p) - 1, start)
            p.append(end)
            self.toc.append(TocEntry(level, xml_safe(text), name))
        return p

    @staticmethod
    def run(p: etree._Element, text: str, colour: str | None = None, italic: bool = False) -> None:
        r = etree.SubElement(p, _W + "r")
        if colour or italic:
            rpr = etree.SubElement(r, _W + "rPr")
            if italic:
                etree.SubElement(rpr, _W + "i")
            if colour:
                etree.SubElement(rpr, _W + "color").set(_W + "val", colour.lstrip("#").upper())
        text = xml_safe(text)
        if "\n" not in text and "\t" not in text:
            t = etree.SubElement(r, _W + "t")
            t.set(_XML_SPACE, "preserve")
            t.text = text
            return
        # line breaks and tabs inside a passage become Word's own, not spaces
        for i, line in enumerate(text.split("\n")):
            if i:
                etree.SubElement(r, _W + "br")
            for j, piece in enumerate(line.split("\t")):
                if j:
                    etree.SubElement(r, _W + "tab")
                if piece:
                    t = etree.SubElement(r, _W + "t")
                    t.set(_XML_SPACE, "preserve")
                    t.text = piece


def usable_width(doc: DocxDocument) -> float:
    """The width between the margins of the last section, in inches."""
    section = doc.sections[-1]
    # python-docx types these as optional: python-docx's own template always sets them
    width, left, right = section.page_width, section.left_margin, section.right_margin
    assert width is not None and left is not None and right is not None
    return float(Emu(width - left - right).inches)


def _new_style(doc: DocxDocument, name: str) -> ParagraphStyle:
    """A paragraph style of ``name``, added as ``styles.add_style`` adds it, without its
    scan of every style's name for a duplicate: the dossier starts from python-docx's own
    template, which holds none of its styles, and the scan was a fifth of the fixed
    cost of a dossier."""
    element = doc.styles.element.add_style_of_type(
        BabelFish.ui2internal(name), WD_STYLE_TYPE.PARAGRAPH, False
    )
    return cast(ParagraphStyle, StyleFactory(element))


def add_styles(doc: DocxDocument) -> None:
    """The dossier's own paragraph styles, and the contents levels with dotted leaders."""
    normal = doc.styles["Normal"]
    grey = RGBColor(0x6E, 0x6E, 0x6E)
    for name, size, italic, colour, indent in (
        (CONTEXT_STYLE, 9, True, grey, 0.4),
        (ATTRIBUTION_STYLE, 9, False, RGBColor(0x40, 0x40, 0x40), 0.4),
        (MEMO_STYLE, 9, True, RGBColor(0x1F, 0x4E, 0x79), 0.6),
        (DEFINITION_STYLE, 10, True, RGBColor(0x40, 0x40, 0x40), 0.0),
    ):
        style = _new_style(doc, name)
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.italic = italic
        style.font.color.rgb = colour
        style.paragraph_format.left_indent = Inches(indent)
        style.paragraph_format.space_after = Pt(10 if name == ATTRIBUTION_STYLE else 4)
    right = Inches(usable_width(doc))
    for level, name in enumerate(TOC_STYLES):
        style = _new_style(doc, name)
        style.base_style = normal
        style.font.size = Pt(10)
        style.font.bold = level == 0
        fmt = style.paragraph_format
        fmt.left_indent = Inches(0.25 * level)
        fmt.space_before = Pt(4 if level == 0 else 0)
        fmt.space_after = Pt(0)
        fmt.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def style_ids(doc: DocxDocument) -> dict[str, str]:
    """Every style's id by its internal name (the first of a name, as ``styles[name]``
    finds it), in one pass: ``styles[name]`` searches the whole styles part each time."""
    ids: dict[str, str] = {}
    for style in doc.styles.element.iterchildren(_W + "style"):
        name = style.find(_W + "name")
        if name is not None:
            ids.setdefault(name.get(_W + "val", ""), style.get(_W + "styleId", ""))
    return ids


def page_break(doc: DocxDocument) -> None:
    """A page break in a paragraph of its own."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field_char(p: etree._Element, kind: str, *, dirty: bool = False) -> None:
    el = etree.SubElement(etree.SubElement(p, _W + "r"), _W + "fldChar")
    el.set(_W + "fldCharType", kind)
    if dirty:
        el.set(_W + "dirty", "true")


def _instruction(p: etree._Element, text: str) -> None:
    el = etree.SubElement(etree.SubElement(p, _W + "r"), _W + "instrText")
    el.set(_XML_SPACE, "preserve")
    el.text = text


def toc_field(doc: DocxDocument, placeholder: str) -> etree._Element:
    """An empty TOC field, marked dirty and with updateFields on; returns its paragraph.

    :func:`fill_toc` replaces it by the filled field once the headings are written.
    """
    p = doc.add_paragraph()._p
    _field_char(p, "begin", dirty=True)
    _instruction(p, TOC_INSTRUCTION)
    _field_char(p, "separate")
    BodyWriter.run(p, placeholder)
    _field_char(p, "end")
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = etree.SubElement(settings, qn("w:updateFields"))
        update.set(qn("w:val"), "true")
    return p


def fill_toc(writer: BodyWriter, placeholder: etree._Element) -> None:
    """Replace the empty field by one holding an entry per heading the writer bookmarked."""
    if not writer.toc:
        return
    paragraphs: list[etree._Element] = []
    for i, entry in enumerate(writer.toc):
        p = etree.Element(_W + "p")
        ppr = etree.SubElement(p, _W + "pPr")
        etree.SubElement(ppr, _W + "pStyle").set(
            _W + "val", writer.style_id(TOC_STYLES[entry.level - 1])
        )
        if i == 0:
            _field_char(p, "begin", dirty=True)
            _instruction(p, TOC_INSTRUCTION)
            _field_char(p, "separate")
        link = etree.SubElement(p, _W + "hyperlink")
        link.set(_W + "anchor", entry.bookmark)
        link.set(_W + "history", "1")
        BodyWriter.run(link, entry.text)
        paragraphs.append(p)
    _field_char(paragraphs[-1], "end")
    for p in reversed(paragraphs):
        placeholder.addnext(p)
    parent = placeholder.getparent()
    # the placeholder is a paragraph of the body: it always has a parent
    assert parent is not None
    parent.remove(placeholder)

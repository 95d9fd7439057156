"""The dossier's styles as python-docx's own calls added them (``styles.add_style``, which
reads every style's name first, and ``styles[name]`` lookups): the reference of
``codage.exchange.dossier_layout.add_styles``, compared with it byte for byte."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.shared import Inches, Pt, RGBColor

from codage.exchange.dossier_layout import (
    ATTRIBUTION_STYLE,
    CONTEXT_STYLE,
    DEFINITION_STYLE,
    MEMO_STYLE,
    TOC_STYLES,
    usable_width,
)


def add_styles(doc: DocxDocument) -> None:
    """The dossier's own paragraph styles, and the contents levels with dotted leaders."""
    styles = doc.styles
    grey = RGBColor(0x6E, 0x6E, 0x6E)
    for name, size, italic, colour, indent in (
        (CONTEXT_STYLE, 9, True, grey, 0.4),
        (ATTRIBUTION_STYLE, 9, False, RGBColor(0x40, 0x40, 0x40), 0.4),
        (MEMO_STYLE, 9, True, RGBColor(0x1F, 0x4E, 0x79), 0.6),
        (DEFINITION_STYLE, 10, True, RGBColor(0x40, 0x40, 0x40), 0.0),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.italic = italic
        style.font.color.rgb = colour
        style.paragraph_format.left_indent = Inches(indent)
        style.paragraph_format.space_after = Pt(4)
    styles[ATTRIBUTION_STYLE].paragraph_format.space_after = Pt(10)
    right = Inches(usable_width(doc))
    for level, name in enumerate(TOC_STYLES):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.size = Pt(10)
        style.font.bold = level == 0
        fmt = style.paragraph_format
        fmt.left_indent = Inches(0.25 * level)
        fmt.space_before = Pt(4 if level == 0 else 0)
        fmt.space_after = Pt(0)
        fmt.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)

"""Small readings of WordprocessingML markup shared by the Word reader.

Which branch of ``mc:AlternateContent`` to read, where text boxes sit under a
drawing, what a legacy form field shows, whether a run is bold.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from codage.ingest.readers.docx_numbering import w

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
ALTERNATE, CHOICE, FALLBACK = (f"{{{MC}}}{n}" for n in ("AlternateContent", "Choice", "Fallback"))
T, TXBX = w("t"), w("txbxContent")
SDT, SDT_CONTENT = w("sdt"), w("sdtContent")
INS, MOVE_TO = w("ins"), w("moveTo")
BLOCK_WRAPPERS = {w("customXml")}


def attr(element: etree._Element | None, child: str) -> str | None:
    """The ``w:val`` of ``element``'s child ``child``, if any."""
    if element is None:
        return None
    found = element.find(w(child))
    return None if found is None else found.get(w("val"))


def children(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Rows of a table or cells of a row, also when a content control wraps them."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from children(content, tag)
        elif child.tag in BLOCK_WRAPPERS or child.tag in (INS, MOVE_TO):
            yield from children(child, tag)


def chosen(alternate: etree._Element) -> etree._Element:
    """The one branch of ``mc:AlternateContent`` to read, so nothing is doubled.

    The first choice is what Word itself shows; the fallback (VML) is a copy for
    old readers, read only when the choice holds no text.
    """
    choice = alternate.find(CHOICE)
    fallback = alternate.find(FALLBACK)
    if choice is None:
        return fallback if fallback is not None else etree.Element("empty")
    if fallback is not None and not has_text(choice) and has_text(fallback):
        return fallback
    return choice


def has_text(element: etree._Element) -> bool:
    """Whether any text run under ``element`` holds more than blanks."""
    return any((t.text or "").strip() for t in element.iter(T))


def text_boxes(element: etree._Element) -> Iterator[etree._Element]:
    """The outermost text box contents under a drawing, one branch of each choice."""
    for child in element:
        if child.tag == TXBX:
            yield child
        elif child.tag == ALTERNATE:
            yield from text_boxes(chosen(child))
        elif isinstance(child.tag, str):
            yield from text_boxes(child)


def form_value(begin: etree._Element) -> str:
    """What a legacy form field shows without a text result: a drop-down's chosen
    entry or a check box's state (a text form field has its result as text)."""
    data = begin.find(w("ffData"))
    if data is None:
        return ""
    choices = data.find(w("ddList"))
    if choices is not None:
        entries = [e.get(w("val"), "") for e in choices.findall(w("listEntry"))]
        chosen = attr(choices, "result") or attr(choices, "default") or "0"
        index = int(chosen) if chosen.isdigit() else 0
        return entries[index] if index < len(entries) else ""
    box = data.find(w("checkBox"))
    if box is not None:
        state = box.find(w("checked"))
        if state is None:
            state = box.find(w("default"))
        checked = state is not None and state.get(w("val"), "1") not in ("0", "false", "off")
        return "☒" if checked else "☐"
    return ""


def is_bold(run: etree._Element) -> bool:
    """Whether a run is bold by its own properties (as python-docx's ``run.bold``)."""
    properties = run.find(w("rPr"))
    bold = None if properties is None else properties.find(w("b"))
    return bold is not None and bold.get(w("val"), "1") not in ("0", "false", "off")


def symbol(sym: etree._Element) -> str:
    """The character of a ``w:sym``, unless it only means something in its font."""
    code = sym.get(w("char"), "")
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    # Symbol-font characters (F0xx) have no meaning outside that font.
    if 0xF000 <= value <= 0xF0FF or value == 0:
        return ""
    return chr(value)

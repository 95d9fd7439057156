"""The dossier's body paragraphs as WordprocessingML text, written without building a tree.

These give, character for character, what :class:`codage.exchange.dossier_layout.BodyWriter`
builds with lxml and lxml serialises (the ``w:`` prefix is declared by the document's
root, which python-docx writes): a paragraph with its style id, runs with their colour
and italics, line breaks and tabs as Word's own, and text escaped as lxml escapes it.
Building strings is what lets a dossier of a hundred thousand extracts be written in a
few seconds: an element tree of it weighed gigabytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from codage.exchange.tables import escape_text, xml_safe

__all__ = [
    "PLAIN_CLOSE",
    "heading_xml",
    "paragraph_xml",
    "plain_open",
    "plain_paragraph_xml",
    "text_xml",
]

# What closes a paragraph of one plain run (see plain_paragraph_xml)
PLAIN_CLOSE = "</w:t></w:r></w:p>"

# What keeps a text from being written as one plain run: characters XML refuses (taken
# out by xml_safe), and lines and tabs (Word's own elements)
_NOT_PLAIN = re.compile("[\x00-\x0c\x0e-\x1f\ufffe\uffff]")


def _attribute(value: str) -> str:
    text = escape_text(xml_safe(value))
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#9;")
    return text


def text_xml(text: str) -> str:
    """Text escaped for an element's content (made XML-safe first)."""
    return escape_text(xml_safe(text))


def _t(piece: str) -> str:
    return f'<w:t xml:space="preserve">{escape_text(piece)}</w:t>'


def run_xml(text: str, colour: str | None = None, italic: bool = False) -> str:
    """One run: its properties, then its text, lines and tabs."""
    props = ""
    if colour or italic:
        inner = "<w:i/>" if italic else ""
        if colour:
            inner += f'<w:color w:val="{_attribute(colour.lstrip("#").upper())}"/>'
        props = f"<w:rPr>{inner}</w:rPr>"
    text = xml_safe(text)
    if "\n" not in text and "\t" not in text:
        return f"<w:r>{props}{_t(text)}</w:r>"
    # line breaks and tabs inside a passage become Word's own, not spaces
    parts = [f"<w:r>{props}"]
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if piece:
                parts.append(_t(piece))
    parts.append("</w:r>")
    return "".join(parts)


def paragraph_xml(style_id: str | None, runs: Iterable[tuple[str, str | None, bool]]) -> str:
    """A paragraph of runs (text, colour, italic) in the style of that id (or none)."""
    return f"<w:p>{_ppr(style_id)}{''.join(run_xml(*run) for run in runs)}</w:p>"


def plain_paragraph_xml(style_id: str | None, text: str) -> str:
    """``paragraph_xml(style_id, [(text, None, False)])``, the same characters, written
    the short way when the text is one plain run (as most of a dossier's are)."""
    # printable text holds no control character (isprintable is much cheaper than a
    # search); text that is not (a no-break space is not) is searched
    if text.isprintable() or _NOT_PLAIN.search(text) is None:
        return f"{_plain_open(style_id)}{escape_text(text)}{PLAIN_CLOSE}"
    return paragraph_xml(style_id, [(text, None, False)])


def plain_open(style_id: str | None) -> str:
    """What opens a paragraph of one plain run in that style, up to its text: a
    printable text's paragraph is this, the text escaped, and :data:`PLAIN_CLOSE`."""
    return _plain_open(style_id)


@functools.lru_cache(maxsize=64)
def _plain_open(style_id: str | None) -> str:
    return f'<w:p>{_ppr(style_id)}<w:r><w:t xml:space="preserve">'


@functools.lru_cache(maxsize=64)
def _ppr(style_id: str | None) -> str:
    return "" if style_id is None else f'<w:pPr><w:pStyle w:val="{_attribute(style_id)}"/></w:pPr>'


def heading_xml(style_id: str, text: str, marker_colour: str | None, bookmark: int | None) -> str:
    """A heading, after a square of its code's colour; with ``bookmark`` (its number),
    the name is bookmarked ``_Toc`` and that number, for the contents to link to."""
    marker = run_xml("■ ", marker_colour) if marker_colour else ""
    name = run_xml(text)
    if bookmark is not None:
        # around the name, not the marker, so that the contents reads as the heading
        name = (
            f'<w:bookmarkStart w:id="{bookmark}" w:name="_Toc{bookmark:08d}"/>'
            f'{name}<w:bookmarkEnd w:id="{bookmark}"/>'
        )
    return f"<w:p>{_ppr(style_id)}{marker}{name}</w:p>"

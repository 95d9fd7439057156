"""OpenDocument text ``.odt``: paragraphs, headings, lists and table rows in order.

``content.xml`` is read through the zip guard and parsed with defusedxml (no DTD,
no entities, no network), rather than through odfpy, which parses with its own
SAX setup.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.structure import build_document, join_blocks
from codage.ingest.zipguard import open_zip, read_entry

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _t(name: str) -> str:
    return f"{{{_TEXT}}}{name}"


_P, _H = _t("p"), _t("h")
_SKIPPED = {
    _t("note"),
    _t("tracked-changes"),
    _t("sequence-decls"),
    _t("bookmark"),
    _t("soft-page-break"),
}
Part = tuple[str, str, str | None]


def read_odt(path: Path) -> list[NewDocument]:
    """Read an ``.odt`` file as text: headings kept, then speaker turns as for text."""
    with open_zip(path) as archive:
        content = read_entry(archive, "content.xml", path)
    try:
        root = SafeET.fromstring(content)
    except DefusedXmlException:
        raise IngestError(
            path, "content.xml uses forbidden XML features (entities); refusing it"
        ) from None
    except SafeET.ParseError as exc:
        raise IngestError(
            path, f"this OpenDocument file is corrupt ({exc}); save it again"
        ) from None
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise IngestError(path, "this is not an OpenDocument text (.odt); check the file")
    parts: list[Part] = []
    _collect(body, parts)
    parts = [(clean_text(t, path) if t.strip() else "", k, s) for t, k, s in parts]
    text, blocks = join_blocks(parts)
    if not text.strip():
        raise IngestError(path, "this document contains no text; nothing to import")
    return [build_document(path.stem, text, blocks, source_path=path, metadata={"format": "odt"})]


def _collect(element: Element, parts: list[Part]) -> None:
    for child in element:
        tag = child.tag
        if tag == _H:
            parts.append((_inline_text(child), "heading", None))
        elif tag == _P:
            parts.append((_inline_text(child), "paragraph", None))
        elif tag == f"{{{_TABLE}}}table":
            for row in child.iter(f"{{{_TABLE}}}table-row"):
                cells = []
                for cell in row.findall(f"{{{_TABLE}}}table-cell"):
                    paragraphs = [_inline_text(p) for p in cell.iter() if p.tag in (_P, _H)]
                    cells.append("\n".join(p for p in paragraphs if p.strip()).strip())
                parts.append((" | ".join(c for c in cells if c), "paragraph", None))
        elif tag not in _SKIPPED:
            # Lists, list items, sections, frames: their paragraphs in order.
            _collect(child, parts)


def _inline_text(element: Element) -> str:
    out: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _t("s"):
            out.append(" " * int(child.get(_t("c"), "1") or 1))
        elif tag == _t("tab"):
            out.append("\t")
        elif tag == _t("line-break"):
            out.append("\n")
        elif tag in _SKIPPED:
            pass
        else:
            out.append(_inline_text(child))
        out.append(child.tail or "")
    return "".join(out)

"""OpenDocument text ``.odt``: paragraphs, headings, lists, frames and table rows in order.

``content.xml`` is read through the zip guard and parsed with defusedxml (no DTD,
no entities, no network), rather than through odfpy, which parses with its own
SAX setup.

Text boxes and shapes come as paragraphs after the paragraph that anchors them.
Footnotes and endnotes leave their citation (``[1]``) where they stand and their
text in a final "Notes" section. The change log of tracked changes is not text
(its deletions are dropped, insertions are already in the body: the document
reads as accepted); annotations are not text either. Both are said in warnings,
as are page headers and footers, which are not imported.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.readers.docx_numbering import format_number
from codage.ingest.readers.odt_lists import ListNumbering
from codage.ingest.readers.report import outside_text, plural
from codage.ingest.speakers import parse_line
from codage.ingest.structure import build_document, join_blocks
from codage.ingest.zipguard import check_xml_part, open_zip, read_entry
from codage.limits import MAX_REPEAT

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"

NOTES_HEADING = "Notes"


def _t(name: str) -> str:
    return f"{{{_TEXT}}}{name}"


_P, _H, _NOTE, _NUMBER = _t("p"), _t("h"), _t("note"), _t("number")
_LIST, _ITEM = _t("list"), _t("list-item")
_ANNOTATION = f"{{{_OFFICE}}}annotation"
_SKIPPED = {
    _t("tracked-changes"),
    _t("sequence-decls"),
    _t("variable-decls"),
    _t("user-field-decls"),
    _t("bookmark"),
    _t("soft-page-break"),
    _t("note-citation"),
    _ANNOTATION,
    f"{{{_OFFICE}}}annotation-end",
    f"{{{_OFFICE}}}forms",
}
# Charts, formulas and other embedded documents: their text is in another part.
_OBJECTS = {f"{{{_DRAW}}}object", f"{{{_DRAW}}}object-ole"}
Part = tuple[str, str, str | None]


def read_odt(path: Path) -> list[NewDocument]:
    """Read an ``.odt`` file as text: headings kept, then speaker turns as for text.

    Frames and shapes, notes (markers and a final "Notes" section), list items and
    tables are text; tracked deletions and annotations are not, and warnings say
    they were there.
    """
    with open_zip(path) as archive:
        content = _read_xml(archive, "content.xml", path)
        styles = (
            _read_xml(archive, "styles.xml", path) if "styles.xml" in archive.namelist() else None
        )
    root = _parse(content, "content.xml", path)
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise IngestError(path, "this is not an OpenDocument text (.odt); check the file")
    reader = _Reader()
    styles_root = None if styles is None else _parse(styles, "styles.xml", path)
    if styles_root is not None:
        reader.lists.add_styles(styles_root)
    reader.lists.add_styles(root)
    parts = reader.read(body)
    if styles_root is not None:
        reader.find_margins(styles_root)
    parts = [(clean_text(t, path) if t.strip() else "", k, s) for t, k, s in parts]
    text, blocks = join_blocks(parts)
    if not text.strip():
        raise IngestError(path, "this document contains no text; nothing to import")
    document = build_document(path.stem, text, blocks, source_path=path, metadata={"format": "odt"})
    document.warnings.extend(reader.warnings())
    return [document]


def _read_xml(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    if name in archive.namelist():
        check_xml_part(path, name, archive.getinfo(name).file_size)
    return read_entry(archive, name, path)


def _parse(data: bytes, name: str, path: Path) -> Element:
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise IngestError(
            path, f"{name} uses forbidden XML features (entities); refusing it"
        ) from None
    except SafeET.ParseError as exc:
        raise IngestError(
            path, f"this OpenDocument file is corrupt ({exc}); save it again"
        ) from None


@dataclass(slots=True)
class _Reader:
    """Walks one document body and remembers what the summary must say."""

    notes: list[tuple[str, str, str]] = field(default_factory=list)
    note_counts: dict[str, int] = field(default_factory=dict)
    annotations: int = 0
    revisions: int = 0
    cut_spaces: list[int] = field(default_factory=list)
    margins: list[str] = field(default_factory=list)
    objects: int = 0
    lists: ListNumbering = field(default_factory=ListNumbering)
    # The label of the list item being read (its number, or the one LibreOffice
    # cached in ``text:number``), for its first paragraph; and whether a bullet.
    label: str = ""
    bullet: bool = False

    def read(self, body: Element) -> list[Part]:
        """The blocks of the body, then the notes section."""
        parts: list[Part] = []
        self._collect(body, parts)
        tracked = body.find(_t("tracked-changes"))
        if tracked is not None:
            self.revisions = len(tracked.findall(_t("changed-region")))
        notes = [(kind, marker, text) for kind, marker, text in self.notes if text]
        if notes:
            parts.append((NOTES_HEADING, "heading", None))
            # Footnotes first, then endnotes, each in order of appearance.
            notes.sort(key=lambda note: note[0] == "endnote")
            parts.extend((f"{marker} {text}", "paragraph", None) for _, marker, text in notes)
        return parts

    def find_margins(self, styles: Element) -> None:
        """Note the text of page headers and footers (master pages), not imported."""
        for master in styles.iter(f"{{{_STYLE}}}master-page"):
            for region in master:
                for paragraph in region.iter():
                    if paragraph.tag not in (_P, _H):
                        continue
                    text = " ".join(self._inline_text(paragraph, []).split())
                    text = "".join(ch for ch in text if ch.isprintable())
                    if any(ch.isalpha() for ch in text) and text not in self.margins:
                        self.margins.append(text)

    def warnings(self) -> list[str]:
        """What the person importing should know about this file."""
        out = []
        if self.revisions:
            out.append(
                f"{plural(self.revisions, 'tracked change was', 'tracked changes were')} "
                "not yet accepted; read as accepted (insertions kept, deletions dropped)"
            )
        if self.annotations:
            out.append(
                f"{plural(self.annotations, 'comment', 'comments')} in the margin "
                "not imported (comments are not document text)"
            )
        if self.cut_spaces:
            out.append(
                f"{plural(len(self.cut_spaces), 'run', 'runs')} of repeated spaces "
                f"(up to {max(self.cut_spaces)}) cut to {MAX_REPEAT} (MAX_REPEAT)"
            )
        out.extend(outside_text(self.objects, self.margins))
        return out

    def _collect(self, element: Element, parts: list[Part]) -> None:
        for child in element:
            tag = child.tag
            if tag in (_H, _P):
                boxes: list[Part] = []
                # Taken first: paragraphs of frames inside this one must not take it.
                label, is_bullet, self.label = self.label, self.bullet, ""
                text = _labelled(self._inline_text(child, boxes), label, is_bullet)
                parts.append((text, "heading" if tag == _H else "paragraph", None))
                parts.extend(boxes)
            elif tag == _NUMBER:
                self.label = "".join(child.itertext()).strip()
                self.bullet = False
            elif tag == _LIST:
                self.lists.enter(child)
                self._collect(child, parts)
                self.lists.leave()
            elif tag == _ITEM:
                found = self.lists.item(child)
                self.label, self.bullet = found if found is not None else ("", False)
                self._collect(child, parts)
                self.label = ""
            elif tag in _OBJECTS:
                self.objects += 1
            elif tag == f"{{{_TABLE}}}table":
                self._table(child, parts)
            elif tag not in _SKIPPED and not tag.endswith("-source"):
                # Sections, list headers, frames, shapes, index bodies: their
                # paragraphs in order. (Index ``*-source`` elements hold templates.)
                self._collect(child, parts)

    def _table(self, table: Element, parts: list[Part]) -> None:
        for row in table.iter(f"{{{_TABLE}}}table-row"):
            cells = []
            for cell in row.findall(f"{{{_TABLE}}}table-cell"):
                cell_parts: list[Part] = []
                self._collect(cell, cell_parts)
                cells.append("\n".join(t.strip() for t, _, _ in cell_parts if t.strip()))
            parts.append((" | ".join(c for c in cells if c), "paragraph", None))

    def _inline_text(self, element: Element, boxes: list[Part]) -> str:
        out: list[str] = [element.text or ""]
        for child in element:
            tag = child.tag
            if tag == _t("s"):
                out.append(" " * self._repeat(child.get(_t("c"))))
            elif tag == _t("tab"):
                out.append("\t")
            elif tag == _t("line-break"):
                out.append("\n")
            elif tag == _NOTE:
                out.append(self._note(child))
            elif tag == _NUMBER:
                out.append("".join(child.itertext()).strip() + " ")
            elif tag == _ANNOTATION:
                self.annotations += 1
            elif tag in _SKIPPED:
                pass
            elif tag.startswith(f"{{{_DRAW}}}"):
                # A frame, text box or shape: its paragraphs follow this one.
                self._collect(child, boxes)
            else:
                out.append(self._inline_text(child, boxes))
            out.append(child.tail or "")
        return "".join(out)

    def _repeat(self, value: str | None) -> int:
        try:
            count = int(value or 1)
        except ValueError:
            return 1
        if count > MAX_REPEAT:
            self.cut_spaces.append(count)
            return MAX_REPEAT
        return max(count, 1)

    def _note(self, note: Element) -> str:
        kind = note.get(_t("note-class"), "footnote")
        citation = note.find(_t("note-citation"))
        label = "" if citation is None else "".join(citation.itertext()).strip()
        if not label:
            count = self.note_counts.get(kind, 0) + 1
            self.note_counts[kind] = count
            label = format_number(count, "lowerRoman" if kind == "endnote" else "decimal")
        marker = f"[{label}]"
        body = note.find(_t("note-body"))
        note_parts: list[Part] = []
        if body is not None:
            self._collect(body, note_parts)
        text = "\n".join(t.strip() for t, _, _ in note_parts if t.strip())
        self.notes.append((kind, marker, text))
        return marker


def _labelled(text: str, label: str, is_bullet: bool) -> str:
    """``text`` with its list label in front."""
    if not label or not text.strip():
        return text
    if is_bullet and parse_line(text.lstrip()) is not None:
        # A turn written as a bullet item: the speaker label must stay first.
        return text
    return f"{label} {text.lstrip()}"

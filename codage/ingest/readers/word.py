"""Word ``.docx``: everything the author wrote, in order, read as accepted.

python-docx opens the package (its parser resolves no entities and never reaches
the network) and gives the styles; the body is then walked here, because
python-docx's paragraph text skips content controls, text boxes, fields, smart
tags and tracked insertions, and knows nothing of notes or list numbers.

Paragraphs and table rows become blocks (tables flattened row by row with ``|``
between cells), heading styles give ``heading`` units, and a bold run ending
with ``:`` at the start of a paragraph names its speaker. Text boxes come as
paragraphs after the paragraph that anchors them. Footnotes (``[1]``) and
endnotes (``[i]``) leave their marker where the reference stands and their text
in a final "Notes" section. List numbers are computed (:mod:`docx_numbering`);
legacy form fields show their chosen entry or tick. What is not document text
(comments, headers and footers, embedded objects and altChunk parts) or was read
with a choice (unaccepted revisions, read as accepted) is said in warnings.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from codage.domain import NewDocument, fold
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.readers.docx_markup import (
    ALTERNATE,
    BLOCK_WRAPPERS,
    INS,
    MOVE_TO,
    SDT,
    SDT_CONTENT,
    T,
    attr,
    children,
    chosen,
    form_value,
    has_text,
    is_bold,
    symbol,
    text_boxes,
)
from codage.ingest.readers.docx_numbering import Numbering, format_number, w
from codage.ingest.readers.report import outside_text, plural
from codage.ingest.speakers import (
    is_dialogue_column,
    is_excluded_label,
    is_label_shape,
    parse_line,
    speaker_role,
)
from codage.ingest.structure import build_document, join_blocks
from codage.ingest.zipguard import check_xml_part, open_zip

_HEADING_STYLES = ("heading", "title", "titre", "subtitle", "sous-titre")
MAX_BOLD_LABEL = 60
NOTES_HEADING = "Notes"

_MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_OMATH = {f"{{{_MATH}}}oMath", f"{{{_MATH}}}oMathPara"}

_P, _R, _TBL, _TR, _TC = (w(n) for n in ("p", "r", "tbl", "tr", "tc"))
_DEL, _MOVE_FROM = w("del"), w("moveFrom")
# Inline wrappers whose runs are text as they stand (a field's runs are its result).
_INLINE_WRAPPERS = {w(n) for n in ("hyperlink", "smartTag", "customXml", "fldSimple", "dir", "bdo")}
_RUN_TEXT = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "-"}
_NOTE_KINDS = ("footnote", "endnote")
# Parts whose text lives outside the body: SmartArt, charts, embedded files.
_OBJECT_RELATIONSHIPS = {"diagramData", "chart", "oleObject", "package"}
_SKIPPED_NOTE_TYPES = {"separator", "continuationSeparator", "continuationNotice"}

Part = tuple[str, str, str | None]
Segment = tuple[str, bool]


def read_docx(path: Path) -> list[NewDocument]:
    """Read a ``.docx``: each paragraph and each table row becomes a block.

    Content controls, text boxes, fields (their displayed result), smart tags,
    hyperlinks and tracked insertions are text; tracked deletions are not (the
    revisions are read as accepted, and a warning says so). Footnotes and
    endnotes are kept as markers in the text and a final "Notes" section; list
    numbers are computed from ``numbering.xml``. Heading styles give ``heading``
    units; a bold run ending with ``:`` at the start of a paragraph names its
    speaker; table rows are flattened with `` | `` between cells, except
    two-column tables whose first column holds speaker names, which become
    ``Name : text`` lines.
    """
    import docx

    with open_zip(path) as archive:
        names = archive.namelist()
        if "word/document.xml" not in names:
            raise IngestError(path, "this zip file is not a Word document (no word/document.xml)")
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            check_xml_part(path, info.filename, info.file_size)
            _refuse_doctype(archive, info, path)
    try:
        document = docx.Document(str(path))
        walker = _Walker(document.part)
        parts = walker.read(document.element.body)
    except IngestError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on broken files
        raise IngestError(
            path, f"this Word file is corrupt ({exc}); open and save it again"
        ) from None
    parts = [
        (clean_text(text, path) if text.strip() else "", kind, speaker)
        for text, kind, speaker in parts
    ]
    text, blocks = join_blocks(parts)
    if not text.strip():
        if walker.chunks:
            raise IngestError(
                path,
                "the text of this Word document is in embedded parts (altChunk) that only "
                "Word merges; open it in Word and save it again",
            )
        raise IngestError(path, "this Word document contains no text; nothing to import")
    new = build_document(path.stem, text, blocks, source_path=path, metadata={"format": "docx"})
    new.warnings.extend(walker.warnings())
    return [new]


def _refuse_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """Refuse a part that declares a DTD: Word never writes one, entity bombs do."""
    try:
        with archive.open(info) as entry:
            head = entry.read(4096)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise IngestError(path, f"the file is corrupt ({exc}); open and save it again") from None
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise IngestError(
            path, f"{info.filename} uses forbidden XML features (entities); refusing it"
        )


def _parse(blob: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(blob, parser)


def _printable(text: str) -> str:
    """One line of text for a warning shown in a terminal: no control characters."""
    return "".join(ch for ch in " ".join(text.split()) if ch.isprintable())


@dataclass(slots=True)
class _Note:
    kind: str
    element: etree._Element
    marker: str = ""


@dataclass(slots=True)
class _Walker:
    """Walks one document's body, keeping the state that spans paragraphs."""

    part: Any
    numbering: Numbering = field(init=False)
    styles: dict[str, tuple[str, str | None, etree._Element | None]] = field(init=False)
    default_style: str = field(init=False, default="")
    notes: dict[tuple[str, str], _Note] = field(init=False, default_factory=dict)
    cited: list[tuple[str, str]] = field(init=False, default_factory=list)
    note_counts: dict[str, int] = field(init=False, default_factory=dict)
    # Complex fields: one entry per open field, True once its result has begun.
    fields: list[bool] = field(init=False, default_factory=list)
    revisions: int = field(init=False, default=0)
    comments: int = field(init=False, default=0)
    margins: list[str] = field(init=False, default_factory=list)
    objects: int = field(init=False, default=0)
    chunks: int = field(init=False, default=0)
    # A paragraph whose mark was deleted, waiting for the paragraph it joins.
    joined: Part | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        related = {}
        margins: list[etree._Element] = []
        for rel in self.part.rels.values():
            if rel.is_external:
                continue
            kind = rel.reltype.rsplit("/", 1)[-1]
            if kind in ("header", "footer"):
                margins.append(_parse(rel.target_part.blob))
            elif kind in ("numbering", "footnotes", "endnotes", "comments", "styles"):
                related[kind] = _parse(rel.target_part.blob)
            elif kind in _OBJECT_RELATIONSHIPS:
                self.objects += 1
        self.styles = {}
        # Numbering styles name a list by its numId; list definitions may point at them.
        style_lists: dict[str, str] = {}
        styles = related.get("styles")
        for style in () if styles is None else styles.iter(w("style")):
            style_id = style.get(w("styleId"), "")
            numbering = style.find(f"{w('pPr')}/{w('numPr')}")
            kind = style.get(w("type"))
            if kind == "numbering":
                num_id = attr(numbering, "numId")
                if num_id:
                    style_lists[style_id] = num_id
            if kind != "paragraph":
                continue
            name = style.find(w("name"))
            based = style.find(w("basedOn"))
            self.styles[style_id] = (
                "" if name is None else name.get(w("val"), ""),
                None if based is None else based.get(w("val")),
                numbering,
            )
            if style.get(w("default")) in ("1", "true", "on"):
                self.default_style = style_id
        self.numbering = Numbering(related.get("numbering"), style_lists)
        for kind in _NOTE_KINDS:
            root = related.get(f"{kind}s")
            if root is None:
                continue
            for note in root.findall(w(kind)):
                if note.get(w("type")) in _SKIPPED_NOTE_TYPES:
                    continue
                self.notes[(kind, note.get(w("id"), ""))] = _Note(kind, note)
        comments = related.get("comments")
        if comments is not None:
            self.comments = len(comments.findall(w("comment")))
        for root in margins:
            for paragraph in root.iter(_P):
                text = _printable("".join(t.text or "" for t in paragraph.iter(T)))
                # Page numbers alone are layout, not something the author wrote.
                if any(ch.isalpha() for ch in text) and text not in self.margins:
                    self.margins.append(text)

    def read(self, body: etree._Element) -> list[Part]:
        """The blocks of the body, then the notes section."""
        parts: list[Part] = []
        self._blocks(body, parts)
        cited = set(self.cited)
        notes = [self.notes[key] for key in self.cited if key in self.notes]
        # A note whose reference was deleted goes with it; one never cited is kept.
        referenced = {
            (kind, ref.get(w("id"), ""))
            for kind in _NOTE_KINDS
            for ref in body.iter(w(f"{kind}Reference"))
        }
        for key, note in self.notes.items():
            if key not in cited and key not in referenced and has_text(note.element):
                note.marker = self._marker(key[0])
                notes.append(note)
        section: list[Part] = []
        order = {kind: i for i, kind in enumerate(_NOTE_KINDS)}
        for note in sorted(notes, key=lambda n: order[n.kind]):
            self.fields.clear()
            note_parts: list[Part] = []
            self._blocks(note.element, note_parts)
            note_text = "\n".join(t.strip() for t, _, _ in note_parts if t.strip())
            if note_text:
                section.append((f"{note.marker} {note_text}", "paragraph", None))
        if section:
            parts.append((NOTES_HEADING, "heading", None))
            parts.extend(section)
        return parts

    def warnings(self) -> list[str]:
        """What the person importing should know about this file."""
        out = []
        if self.revisions:
            out.append(
                f"{plural(self.revisions, 'tracked change was', 'tracked changes were')} "
                "not yet accepted; read as accepted (insertions kept, deletions dropped)"
            )
        if self.comments:
            out.append(
                f"{plural(self.comments, 'comment', 'comments')} in the margin "
                "not imported (comments are not document text)"
            )
        if self.chunks:
            out.append(
                f"{plural(self.chunks, 'embedded document part', 'embedded document parts')} "
                "(altChunk) not imported; open the file in Word and save it to merge them"
            )
        out.extend(outside_text(self.objects, self.margins))
        return out

    # -- blocks ---------------------------------------------------------------

    def _blocks(self, container: etree._Element, parts: list[Part], *, ends: bool = True) -> None:
        """The blocks of ``container``; ``ends`` when the container closes a text flow
        (body, cell, text box, note), not for wrappers such as content controls."""
        for child in container:
            tag = child.tag
            if tag == _P:
                self._paragraph(child, parts)
            elif tag == _TBL:
                self._flush(parts)
                self._table(child, parts)
            elif tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    self._blocks(content, parts, ends=False)
            elif tag in BLOCK_WRAPPERS:
                self._blocks(child, parts, ends=False)
            elif tag in (INS, MOVE_TO):
                self.revisions += 1
                self._blocks(child, parts, ends=False)
            elif tag in (_DEL, _MOVE_FROM):
                self.revisions += 1
            elif tag == ALTERNATE:
                self._blocks(chosen(child), parts, ends=False)
            elif tag == w("altChunk"):
                self.chunks += 1
        if ends:
            self._flush(parts)

    def _flush(self, parts: list[Part]) -> None:
        """A paragraph whose mark was deleted, with nothing left to join it to."""
        if self.joined is not None:
            parts.append(self.joined)
            self.joined = None

    def _paragraph(self, paragraph: etree._Element, parts: list[Part]) -> None:
        segments: list[Segment] = []
        boxes: list[Part] = []
        self._inline(paragraph, segments, boxes)
        text = "".join(s for s, _ in segments)
        properties = paragraph.find(w("pPr"))
        mark = None if properties is None else properties.find(w("rPr"))
        if mark is not None and mark.find(INS) is not None:
            self.revisions += 1
        # A deleted paragraph mark, accepted, joins this paragraph to the next one.
        joins = mark is not None and mark.find(_DEL) is not None
        if joins:
            self.revisions += 1
        style_id = attr(properties, "pStyle") or self.default_style
        # An empty numbered paragraph still takes its number, as in Word.
        label = self._list_label(properties, style_id)
        carried: str | None = None
        if self.joined is not None:
            # The joined paragraph keeps the speaker of its start and, as in Word,
            # the paragraph properties of the mark that remains.
            before, _, carried = self.joined
            self.joined = None
            if before.strip():
                segments = [(before, False), *segments]
                text = before + text
                label = None
        if not text.strip():
            parts.extend(boxes)
            return
        style = self.styles.get(style_id, ("",))[0]
        if style and fold(style).startswith(_HEADING_STYLES):
            kind, speaker = "heading", None
        else:
            kind, speaker = "paragraph", _bold_speaker(segments, text)
        if label is not None:
            prefix, is_bullet = label
            if is_bullet and (speaker or parse_line(text.lstrip()) is not None):
                # A turn written as a bullet item: the bullet is only a glyph, and
                # the speaker label must stay first for the turn to be found.
                prefix = ""
            else:
                speaker = None
            text = prefix + text.lstrip()
        if carried is not None and kind == "paragraph":
            speaker = carried
        if joins:
            self.joined = (text, kind, speaker)
        else:
            parts.append((text, kind, speaker))
        parts.extend(boxes)

    def _list_label(
        self, properties: etree._Element | None, style_id: str
    ) -> tuple[str, bool] | None:
        num = None if properties is None else properties.find(w("numPr"))
        num_id = attr(num, "numId")
        ilvl = attr(num, "ilvl")
        seen: set[str] = set()
        style = style_id
        # Numbering given by the style (List Number...) or a style it is based on.
        while (num_id is None or ilvl is None) and style and style not in seen:
            seen.add(style)
            _, based, style_num = self.styles.get(style, ("", None, None))
            if style_num is not None:
                num_id = num_id if num_id is not None else attr(style_num, "numId")
                ilvl = ilvl if ilvl is not None else attr(style_num, "ilvl")
            style = based or ""
        if num_id is None or num_id == "0":
            return None
        found = self.numbering.label(num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0)
        if found is None:
            return None
        label, suffix, is_bullet = found
        if not label:
            return None
        return (label if suffix == "nothing" else label + " "), is_bullet

    def _table(self, table: etree._Element, parts: list[Part]) -> None:
        rows: list[list[str]] = []
        for row in children(table, _TR):
            properties = row.find(w("trPr"))
            if properties is not None and properties.find(_DEL) is not None:
                self.revisions += 1
                continue
            cells: list[str] = []
            for cell in children(row, _TC):
                cell_parts: list[Part] = []
                self._blocks(cell, cell_parts)
                cells.append("\n".join(t.strip() for t, _, _ in cell_parts if t.strip()))
            if any(cells):
                rows.append(cells)
        if rows and all(len(r) == 2 for r in rows) and _speaker_column([r[0] for r in rows]):
            parts.extend(
                (f"{label.rstrip(' :')} : {said}" if label else said, "paragraph", None)
                for label, said in rows
            )
            return
        parts.extend((" | ".join(c for c in cells if c), "paragraph", None) for cells in rows)

    # -- inline ---------------------------------------------------------------

    def _inline(self, element: etree._Element, out: list[Segment], boxes: list[Part]) -> None:
        for child in element:
            tag = child.tag
            if tag == _R:
                self._run(child, is_bold(child), out, boxes)
            elif tag in _INLINE_WRAPPERS:
                self._inline(child, out, boxes)
            elif tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    self._inline(content, out, boxes)
            elif tag in (INS, MOVE_TO):
                self.revisions += 1
                self._inline(child, out, boxes)
            elif tag in (_DEL, _MOVE_FROM):
                self.revisions += 1
            elif tag == ALTERNATE:
                self._inline(chosen(child), out, boxes)
            elif tag == w("ruby"):
                # Phonetic guides (w:rt) sit above the base text: the base is the text.
                base = child.find(w("rubyBase"))
                if base is not None:
                    self._inline(base, out, boxes)
            elif tag in _OMATH and self._showing():
                out.append(("".join(t.text or "" for t in child.iter(f"{{{_MATH}}}t")), False))

    def _showing(self) -> bool:
        """Whether text here is shown: not the result of a field nested in an instruction.

        The instruction itself is ``w:instrText``, never read. Word writes no text
        runs in an instruction, so text where the innermost field is still in its
        instruction (a field never closed, a careless writer) is shown, not lost.
        """
        return all(self.fields[:-1])

    def _run(self, run: etree._Element, bold: bool, out: list[Segment], boxes: list[Part]) -> None:
        for child in run:
            tag = child.tag
            if tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    if self._showing():
                        out.append((form_value(child), False))
                    self.fields.append(False)
                elif kind == "separate" and self.fields:
                    self.fields[-1] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif tag == ALTERNATE:
                self._run(chosen(child), bold, out, boxes)
            elif tag in (w("drawing"), w("pict"), w("object")):
                for content in text_boxes(child):
                    self._blocks(content, boxes)
            elif not self._showing():
                # A field's result inside another field's instruction (IF, INCLUDE...).
                continue
            elif tag == T:
                out.append((child.text or "", bold))
            elif tag in _RUN_TEXT:
                out.append((_RUN_TEXT[tag], False))
            elif tag == w("sym"):
                out.append((symbol(child), False))
            elif tag in (w("footnoteReference"), w("endnoteReference")):
                kind = "footnote" if tag == w("footnoteReference") else "endnote"
                out.append((self._cite(kind, child.get(w("id"), "")), False))

    def _cite(self, kind: str, note_id: str) -> str:
        key = (kind, note_id)
        note = self.notes.get(key)
        if note is not None and note.marker:
            return note.marker
        marker = self._marker(kind)
        if note is not None:
            note.marker = marker
        self.cited.append(key)
        return marker

    def _marker(self, kind: str) -> str:
        count = self.note_counts.get(kind, 0) + 1
        self.note_counts[kind] = count
        # Word numbers endnotes i, ii, iii by default; it keeps the two series apart.
        return f"[{count}]" if kind == "footnote" else f"[{format_number(count, 'lowerRoman')}]"


def _bold_speaker(segments: list[Segment], text: str) -> str | None:
    """The label of a paragraph that starts with a bold run ending in ``:``."""
    bold = []
    rest = ""
    for piece, in_bold in segments:
        if not piece:
            continue
        if in_bold and not rest:
            bold.append(piece)
        else:
            rest = piece
            break
    label = "".join(bold).strip()
    if not label:
        return None
    if label.endswith(":"):
        label = label[:-1].strip()
    elif rest.lstrip().startswith(":"):
        pass
    else:
        return None
    label = " ".join(label.split())
    if (
        not label
        or is_excluded_label(label)
        or len(label) > MAX_BOLD_LABEL
        or not text.lstrip().startswith(label.split()[0])
    ):
        return None
    after = text.lstrip()[len(label) :].lstrip(" \t:").strip()
    # A bold line alone ("Questions posées :") is a pseudo-heading unless it looks
    # like a name; with text after it, the bold label is the transcriber's intent.
    if not after and not is_label_shape(label):
        return None
    if speaker_role(label) is None and not label[0].isupper():
        return None
    return label


def _speaker_column(values: list[str]) -> bool:
    # A report's "label | value" table is not a dialogue: see is_dialogue_column.
    return is_dialogue_column(values)

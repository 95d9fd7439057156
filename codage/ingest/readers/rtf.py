"""Rich Text Format, read as plain text (striprtf), one paragraph per line.

striprtf drops footnote groups (``{\\footnote ...}``) as it drops any
destination, so they are taken out first: each leaves a marker (``[1]``, or
``[i]`` for an endnote) where it stood, and its text goes, converted by the same
pass, to a final "Notes" section. Text boxes (shapes) are dropped by striprtf
too: their text is made into paragraphs where the shape is anchored. Comments
(``\\annotation``), page headers and footers and embedded objects are not
imported; warnings say they were there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.readers.docx_numbering import format_number
from codage.ingest.structure import build_document, plain_blocks

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_FOOTNOTE = re.compile(r"\{\s*(?:\\\*\s*)?\\footnote(?![a-zA-Z])")
_ENDNOTE = re.compile(r"\\ftnalt(?![a-zA-Z])")
_MARGIN = re.compile(r"\{\s*(?:\\\*\s*)?\\(?:header|footer)[lrf]?(?![a-zA-Z])")
_ANNOTATION = re.compile(r"\\annotation(?![a-zA-Z])")
_DELETED = re.compile(r"\\deleted(?![a-zA-Z])")
# Shapes (text boxes) and old drawing objects: striprtf drops them whole.
_SHAPE = re.compile(r"\{\s*(?:\\\*\s*)?\\(?:shp|shpgrp|do)(?![a-zA-Z])")
_SHAPE_TEXT = re.compile(r"\{\s*\\shptxt(?![a-zA-Z])")
_DRAWING_TEXT = re.compile(r"\{\s*\\dptxbxtext(?![a-zA-Z])")
_STRUCTURE = re.compile(r"\\.|[{}]", re.DOTALL)
_OBJECT = re.compile(r"\{\s*\\object(?![a-zA-Z])")
# Sent through striprtf between the main text and each note, then split on: a
# private-use character, written as RTF's \uN (N is signed 16-bit).
_SEPARATOR = "\ue000"
_SEPARATOR_RTF = r"\par\u-8192?\par "
NOTES_HEADING = "Notes"


def read_rtf(path: Path) -> list[NewDocument]:
    """Read an ``.rtf`` file: its text, paragraph by paragraph, then speaker turns."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    if not data.lstrip().startswith(b"{\\rtf"):
        raise IngestError(path, "this is not an RTF file (no {\\rtf header); check the extension")
    # RTF is 7-bit: non-ASCII comes as \'xx escapes in the declared code page, or
    # as \uN. Latin-1 maps the raw bytes one to one so striprtf sees them intact.
    encoding = _encoding(data)
    source = data.decode("latin-1")
    warnings = _margin_warnings(source, encoding)
    objects = len(_OBJECT.findall(source))
    source = _unwrap_shapes(source)
    source, markers = _move_notes(source)
    converted = _convert(source, encoding, path)
    chunks = converted.split(_SEPARATOR)
    text = clean_text(chunks[0], path)
    notes = []
    for marker, chunk in zip(markers, chunks[1:], strict=False):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines:
            notes.append(f"{marker} " + "\n".join(lines))
    blocks = plain_blocks(text, per_line=True)
    if notes:
        # The notes section: a heading, then one block per line of the notes.
        text = text.rstrip() + "\n\n"
        heading_start = len(text)
        text = clean_text(text + NOTES_HEADING + "\n\n" + "\n".join(notes), path)
        blocks = plain_blocks(text, per_line=True)
        for block in blocks:
            if block.start == heading_start:
                block.kind = "heading"
    document = build_document(path.stem, text, blocks, source_path=path, metadata={"format": "rtf"})
    comments = len(_ANNOTATION.findall(source))
    if comments:
        plural = "comment" if comments == 1 else "comments"
        warnings.append(
            f"{comments} {plural} in the margin not imported (comments are not document text)"
        )
    if _DELETED.search(source):
        warnings.append(
            "the file has tracked deletions, kept as text (RTF); accept the changes "
            "in the word processor and import again to drop them"
        )
    if objects:
        warnings.append(
            f"{objects} embedded {'object' if objects == 1 else 'objects'} "
            "(charts, diagrams, spreadsheets...) not imported"
        )
    document.warnings.extend(warnings)
    return [document]


def _convert(source: str, encoding: str, path: Path) -> str:
    try:
        return str(rtf_to_text(source, encoding=encoding, errors="strict"))
    except (UnicodeDecodeError, LookupError):
        try:
            return str(rtf_to_text(source, encoding="cp1252", errors="replace"))
        except Exception as exc:  # striprtf raises bare exceptions on broken input
            raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None
    except Exception as exc:
        raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None


def _group_end(source: str, start: int) -> int | None:
    """The index of the brace closing the group opened at ``start``, if any."""
    depth = 0
    # Only braces and escapes matter; the regex skips the text (pictures' hex
    # can be megabytes) in C rather than character by character.
    for match in _STRUCTURE.finditer(source, start):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.start()
        # An escaped brace or backslash (\{, \}, \\) is text, not structure.
    return None


def _groups(source: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int, int]]:
    """Groups opened by ``pattern``, outermost only: ``(start, inner start, end)``."""
    pos = 0
    for match in pattern.finditer(source):
        if match.start() < pos:
            continue  # inside a group already given
        end = _group_end(source, match.start())
        if end is None:
            return
        yield match.start(), match.end(), end
        pos = end + 1


def _unwrap_shapes(source: str) -> str:
    """Text boxes of shapes made into paragraphs where the shape is anchored.

    A Word shape carries its text in ``\\shptxt`` and a drawing of it for old
    readers in ``\\shprslt``; only the first is kept, so nothing is doubled. Old
    drawing objects (``\\do``) carry theirs in ``\\dptxbx``.
    """
    out: list[str] = []
    pos = 0
    for start, _, end in _groups(source, _SHAPE):
        group = source[start : end + 1]
        texts = [group[inner:close] for _, inner, close in _groups(group, _SHAPE_TEXT)]
        if not texts:
            texts = [group[inner:close] for _, inner, close in _groups(group, _DRAWING_TEXT)]
        out.append(source[pos:start])
        out.extend(r"\par{" + text + r"}\par " for text in texts)
        pos = end + 1
    if not out:
        return source
    out.append(source[pos:])
    return "".join(out)


def _move_notes(source: str) -> tuple[str, list[str]]:
    """Footnote groups replaced by markers and moved, separated, to the end.

    Returns the new RTF source and the markers in the order of the notes.
    """
    kept: list[str] = []
    moved: list[tuple[bool, str, str]] = []
    counts = {"footnote": 0, "endnote": 0}
    pos = 0
    for start, inner_start, end in _groups(source, _FOOTNOTE):
        inner = source[inner_start:end]
        kind = "endnote" if _ENDNOTE.search(inner) else "footnote"
        counts[kind] += 1
        number = counts[kind]
        marker = f"[{number}]" if kind == "footnote" else f"[{format_number(number, 'lowerRoman')}]"
        kept.append(source[pos:start])
        kept.append(marker)
        moved.append((kind == "endnote", marker, _SEPARATOR_RTF + "{" + inner + "}"))
        pos = end + 1
    if not moved:
        return source, []
    kept.append(source[pos:])
    main = "".join(kept)
    # Footnotes first, then endnotes, each in order of reference.
    moved.sort(key=lambda note: note[0])
    notes = "".join(rtf for _, _, rtf in moved)
    markers = [marker for _, marker, _ in moved]
    close = main.rfind("}")
    if close < 0:
        return main + notes, markers
    return main[:close] + notes + main[close:], markers


def _margin_warnings(source: str, encoding: str) -> list[str]:
    """A warning naming the text of page headers and footers, which is not imported."""
    texts: list[str] = []
    for _, inner, end in _groups(source, _MARGIN):
        try:
            text = rtf_to_text("{\\rtf1 " + source[inner:end] + "}", encoding=encoding)
        except Exception:  # a damaged header is reported by the main pass, if at all
            continue
        # Shown in a terminal: no control characters.
        text = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
        if any(ch.isalpha() for ch in text) and text not in texts:
            texts.append(text)
    if not texts:
        return []
    sample = " / ".join(texts)
    if len(sample) > 80:
        sample = sample[:79] + "…"
    return [f"page headers and footers not imported: «{sample}»"]


def _encoding(data: bytes) -> str:
    head = data[:4096]
    if b"\\mac" in head and b"\\ansicpg" not in head:
        return "mac_roman"
    match = _CODEPAGE.search(head)
    if match is None:
        return "cp1252"
    page = int(match.group(1))
    if page == 65001:
        return "utf-8"
    if page == 10000:
        return "mac_roman"
    return f"cp{page}"

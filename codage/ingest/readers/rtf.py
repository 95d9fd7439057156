"""Rich Text Format, read as plain text (striprtf), one paragraph per line.

striprtf drops footnote groups (``{\\footnote ...}``) as it drops any
destination, so they are taken out first: each leaves a marker (``[1]``, or
``[i]`` for an endnote) where it stood, and its text goes, converted by the same
pass, to a final "Notes" section. Comments (``\\annotation``) and page headers
and footers are not document text; warnings say they were there.
"""

from __future__ import annotations

import re
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
    document.warnings.extend(warnings)
    return [document]


def _convert(source: str, encoding: str, path: Path) -> str:
    try:
        return rtf_to_text(source, encoding=encoding, errors="strict")
    except (UnicodeDecodeError, LookupError):
        try:
            return rtf_to_text(source, encoding="cp1252", errors="replace")
        except Exception as exc:  # striprtf raises bare exceptions on broken input
            raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None
    except Exception as exc:
        raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None


def _group_end(source: str, start: int) -> int | None:
    """The index of the brace closing the group opened at ``start``, if any."""
    depth = 0
    index = start
    length = len(source)
    while index < length:
        char = source[index]
        if char == "\\":
            # An escaped brace or backslash is text, not structure.
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _move_notes(source: str) -> tuple[str, list[str]]:
    """Footnote groups replaced by markers and moved, separated, to the end.

    Returns the new RTF source and the markers in the order of the notes.
    """
    kept: list[str] = []
    moved: list[tuple[bool, str, str]] = []
    counts = {"footnote": 0, "endnote": 0}
    pos = 0
    for match in _FOOTNOTE.finditer(source):
        if match.start() < pos:
            continue  # inside a note already moved
        end = _group_end(source, match.start())
        if end is None:
            break
        inner = source[match.end() : end]
        kind = "endnote" if _ENDNOTE.search(inner) else "footnote"
        counts[kind] += 1
        number = counts[kind]
        marker = f"[{number}]" if kind == "footnote" else f"[{format_number(number, 'lowerRoman')}]"
        kept.append(source[pos : match.start()])
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
    for match in _MARGIN.finditer(source):
        end = _group_end(source, match.start())
        if end is None:
            continue
        try:
            text = rtf_to_text("{\\rtf1 " + source[match.end() : end] + "}", encoding=encoding)
        except Exception:  # a damaged header is reported by the main pass, if at all
            continue
        text = " ".join(text.split())
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

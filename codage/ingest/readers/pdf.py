"""Text-based PDF, read as a person reads it (pypdf); a scan without text is refused clearly.

The text layer is taken page by page in pypdf's layout mode, whose blank lines and
indents show where paragraphs start. Then, as a reader sees the page:

- margin line numbers (``1 2 3...`` or every fifth line) and page headers and
  footers repeated on most pages (the same line, or the same but for a page
  number) are removed, and counted in a warning;
- runs of blanks and tabs between words become one space;
- the lines of a paragraph are joined with spaces, a word hyphenated at a line's
  end (``organi-`` / ``sation``) is joined back;
- a page that ends mid-sentence continues into the next page's first paragraph.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.speakers import parse_line
from codage.ingest.structure import build_document, plain_blocks

# A margin number: digits, then blanks, then text (``1.`` or ``2)`` start a list instead).
_LINE_NUMBER = re.compile(r"^(?P<indent>[ \t]*)(?P<number>\d{1,4})(?P<gap>[ \t]+)(?=\S)")
_BLANKS = re.compile(r"[ \t\u00a0]{2,}|\t")
_FINAL = (".", "?", "!", "…", ":", "»", '"', "”", ")", "]")
# What ends a page's last sentence; a colon there announces what the next page says.
_PAGE_END = tuple(end for end in _FINAL if end != ":")
# Lines looked at, from the top and from the bottom of each page, for running heads.
RUNNING_ZONE = 2
# A line longer than this is text, not a running head with a page number.
MAX_RUNNING_HEAD = 80
# A short line ends a paragraph when it ends a sentence: short is below this share
# of the page's usual line length.
SHORT_LINE = 0.75


@dataclass(slots=True)
class _Line:
    text: str
    indent: int
    blank_before: bool = False


@dataclass(slots=True)
class PageCleaning:
    """What was taken off the pages as not being text, for the import's warning."""

    running_heads: int = 0
    line_numbers: int = 0
    examples: list[str] = field(default_factory=list)


def read_pdf(path: Path) -> list[NewDocument]:
    """Read the text layer of a ``.pdf`` into paragraphs and turns, cleaned of page furniture."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not head.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    if b"%PDF" not in head:
        raise IngestError(path, "this is not a PDF file (no %PDF header); check the extension")
    # pypdf logs warnings for every small flaw of real-world PDFs; our message suffices.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "this PDF is password-protected; remove the password first")
        pages = [_page_text(page) for page in reader.pages]
    except IngestError:
        raise
    except FileNotDecryptedError:
        raise IngestError(
            path, "this PDF is password-protected; remove the password first"
        ) from None
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise IngestError(path, f"this PDF is damaged and cannot be read ({exc})") from None
    if not any(page.strip() for page in pages):
        raise IngestError(
            path,
            "this PDF has no text layer (a scan?); run OCR first (e.g. ocrmypdf) "
            "and import the result",
        )
    text, cleaning = tidy_pages(pages)
    text = clean_text(text, path)
    blocks = plain_blocks(text)
    document = build_document(
        path.stem,
        text,
        blocks,
        source_path=path,
        metadata={"format": "pdf", "pages": len(pages)},
    )
    document.warnings.extend(_warnings(cleaning))
    return [document]


def _page_text(page: Any) -> str:
    # Layout mode keeps vertical gaps and indents (paragraphs); some damaged
    # pages only survive the plain mode.
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # pypdf's layout mode fails on some fonts and matrices
        return page.extract_text() or ""


def tidy_pages(pages: list[str]) -> tuple[str, PageCleaning]:
    """The text of the pages as paragraphs separated by blank lines, and what was removed."""
    cleaning = PageCleaning()
    page_lines = [_lines(page) for page in pages]
    _drop_line_numbers(page_lines, cleaning)
    _drop_running_heads(page_lines, cleaning)
    paragraphs: list[str] = []
    open_end = False
    for lines in page_lines:
        page_paragraphs = _paragraphs(lines)
        if not page_paragraphs:
            continue
        if open_end and paragraphs:
            # The previous page stopped mid-sentence: its paragraph goes on here
            # (on a line of its own if it opens with a speaker label).
            going_on = page_paragraphs.pop(0)
            starts = parse_line(going_on)
            if starts is not None and starts.label is not None:
                paragraphs[-1] += "\n" + going_on
            else:
                paragraphs[-1] = _join(paragraphs[-1], going_on)
        paragraphs.extend(page_paragraphs)
        open_end = not paragraphs[-1].rstrip().endswith(_PAGE_END)
    return "\n\n".join(paragraphs), cleaning


def _lines(page: str) -> list[_Line]:
    """The non-empty lines of a page, each remembering its indent and a blank line before it."""
    lines: list[_Line] = []
    blank = False
    for raw in page.split("\n"):
        if not raw.strip():
            blank = True
            continue
        expanded = raw.replace("\t", "    ")
        indent = len(expanded) - len(expanded.lstrip())
        lines.append(_Line(raw.rstrip(), indent, blank and bool(lines)))
        blank = False
    return lines


def _margin_numbers(lines: list[_Line]) -> list[tuple[int, re.Match[str]]]:
    """The numbers at line starts of one page that count its lines (1 by 1, or by 5)."""
    numbered = []
    for index, line in enumerate(lines):
        match = _LINE_NUMBER.match(line.text)
        if match is not None:
            numbered.append((index, int(match.group("number")), match))
    if not numbered:
        return []
    # Margin numbers follow the lines: number minus line index is the same for all.
    offset, count = Counter(n - i for i, n, _ in numbered).most_common(1)[0]
    counted = [(i, n, m) for i, n, m in numbered if n - i == offset]
    every_line = count >= max(2, len(lines) // 2)
    every_fifth = all(n % 5 == 0 for _, n, _ in counted) and count >= max(1, len(lines) // 5 - 1)
    return [(i, m) for i, _, m in counted] if every_line or every_fifth else []


def _drop_line_numbers(page_lines: list[list[_Line]], cleaning: PageCleaning) -> None:
    """Remove margin line numbers when most pages have them (three at least in all)."""
    found = [_margin_numbers(lines) for lines in page_lines]
    pages = sum(1 for lines in page_lines if lines)
    with_numbers = sum(1 for matches in found if matches)
    if sum(len(m) for m in found) < 3 or with_numbers < math.ceil(pages / 2):
        return
    for lines, matches in zip(page_lines, found, strict=True):
        for index, match in matches:
            line = lines[index]
            # The text keeps its column, so that indents still show paragraphs.
            width = match.end() - match.start("number")
            line.text = line.text[: match.start("number")] + " " * width + line.text[match.end() :]
            expanded = line.text.replace("\t", "    ")
            line.indent = len(expanded) - len(expanded.lstrip())
            cleaning.line_numbers += 1


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()


def _drop_running_heads(page_lines: list[list[_Line]], cleaning: PageCleaning) -> None:
    """Remove lines found at the top (or bottom) of most pages, page numbers aside."""
    pages = sum(1 for lines in page_lines if lines)
    if pages < 2:
        return
    needed = max(2, math.ceil(pages / 2))
    for zone in ("top", "bottom"):
        seen: dict[str, dict[int, str]] = {}
        for number, lines in enumerate(page_lines):
            for line in _zone(lines, zone):
                seen.setdefault(_running_key(line.text), {})[number] = " ".join(line.text.split())
        running = {key for key, found in seen.items() if len(found) >= needed and _running(found)}
        offset = _page_number_offset(page_lines, zone, needed)
        for number, lines in enumerate(page_lines):
            # A page number is printed once: only the line nearest the edge that
            # carries it goes (``1`` above the heading ``1 Introduction`` on page 1).
            numbered = False
            edge_first = _zone(lines, zone)[:: 1 if zone == "top" else -1]
            for line in edge_first:
                paged = offset is not None and offset in _edge_offsets(line.text, number)
                if _running_key(line.text) in running or (paged and not numbered):
                    numbered = numbered or paged
                    example = " ".join(line.text.split())
                    if len(cleaning.examples) < 3 and example not in cleaning.examples:
                        cleaning.examples.append(example)
                    line.text = ""
                    cleaning.running_heads += 1
        for i, lines in enumerate(page_lines):
            page_lines[i] = [line for line in lines if line.text.strip()]


def _edge_offsets(text: str, page: int) -> set[int]:
    """A number at either end of a short line, minus the page's index.

    For a page number this is the same on every page, whatever the words beside
    it (``Chapitre 2 : Contexte 14``, then ``15 Entretien avec M. Garnier``).
    """
    words = text.split()
    if not words or len(" ".join(words)) > MAX_RUNNING_HEAD:
        return set()
    return {int(w) - page for w in {words[0], words[-1]} if w.isdigit() and len(w) <= 4}


def _page_number_offset(page_lines: list[list[_Line]], zone: str, needed: int) -> int | None:
    """The shift between page numbers printed in a zone and page indexes, if most pages agree."""
    votes: Counter[int] = Counter()
    for number, lines in enumerate(page_lines):
        offsets: set[int] = set()
        for line in _zone(lines, zone):
            offsets |= _edge_offsets(line.text, number)
        votes.update(offsets)
    if not votes:
        return None
    offset, count = votes.most_common(1)[0]
    return offset if count >= needed else None


def _running(found: dict[int, str]) -> bool:
    """The same line on these pages, or the same but for a number that counts the pages."""
    if len(set(found.values())) == 1:
        return True
    numbers = {page: [int(n) for n in re.findall(r"\d+", text)] for page, text in found.items()}
    width = min(len(n) for n in numbers.values())
    return any(len({n[k] - page for page, n in numbers.items()}) == 1 for k in range(width))


def _zone(lines: list[_Line], zone: str) -> list[_Line]:
    if zone == "top":
        return lines[:RUNNING_ZONE]
    return lines[-RUNNING_ZONE:] if len(lines) > RUNNING_ZONE else lines[RUNNING_ZONE:]


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Join the lines of a page into paragraphs: a blank line, an indent or a label starts one."""
    if not lines:
        return []
    margin = Counter(line.indent for line in lines).most_common(1)[0][0]
    lengths = sorted(len(line.text.strip()) for line in lines)
    usual = lengths[int(0.9 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    previous: _Line | None = None
    for line in lines:
        text = _BLANKS.sub(" ", line.text).strip()
        step = "paragraph" if previous is None else _step(line, text, previous, margin, usual)
        if step == "paragraph":
            paragraphs.append(text)
        elif step == "line":
            paragraphs[-1] += "\n" + text
        else:
            paragraphs[-1] = _join(paragraphs[-1], text)
        previous = line
    return paragraphs


def _step(line: _Line, text: str, previous: _Line, margin: int, usual: int) -> str:
    """How ``line`` follows ``previous``: a new ``paragraph``, a new ``line`` or a ``space``."""
    if line.blank_before:
        return "paragraph"
    before = previous.text.strip()
    ends_sentence = before.endswith(_FINAL)
    if ends_sentence and line.indent > margin + 1 and previous.indent <= margin + 1:
        return "paragraph"  # a first-line indent
    starts = parse_line(text)
    if starts is not None and (starts.timestamp is not None or starts.label is not None):
        # A timestamp or a label after a finished sentence starts a turn. After an
        # unfinished one, the line may merely wrap a sentence with a colon in it:
        # it keeps its line break, and speaker detection decides.
        return "paragraph" if ends_sentence or starts.timestamp is not None else "line"
    if ends_sentence and len(before) < SHORT_LINE * usual and text[:1].isupper():
        return "paragraph"
    return "space"


def _join(before: str, after: str) -> str:
    """Join two pieces of one paragraph; a word cut by a hyphen at the line's end is rejoined."""
    if re.search(r"[^\W\d_]-$", before) and after[:1].islower():
        return before[:-1] + after
    return f"{before} {after}"


def _warnings(cleaning: PageCleaning) -> list[str]:
    removed = []
    if cleaning.running_heads:
        examples = "; ".join(repr(e) for e in cleaning.examples)
        removed.append(
            f"{cleaning.running_heads} page header/footer line(s) repeated across pages "
            f"(e.g. {examples})"
        )
    if cleaning.line_numbers:
        removed.append(f"{cleaning.line_numbers} margin line number(s)")
    if not removed:
        return []
    return ["removed " + " and ".join(removed) + " (not part of the text)"]

"""How a REFI-QDA file counts positions, and the conversion to codage's offsets.

The standard counts code points, end exclusive. NVivo counts UTF-16 code units
(a character outside the Basic Multilingual Plane, an emoji, counts two) and a
line break as two characters; ATLAS.ti counts a line break as one; nobody counts
a leading BOM (already removed from the text). The counting is detected from
the selections: under the right one, selections start and end on word or line
boundaries and, when they carry a name, cover that text. The standard wins ties.

Positions are then converted in two steps: counted position -> index in the raw
text (as the file holds it) -> offset in the stored text (NFC, ``\\n``
newlines, no stray control characters), through an offset map, since
normalisation can change lengths.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Line breaks (CRLF first, as one) and what the ingest readers remove from a text
# (codage.ingest.encoding: stray control characters), kept in step with them.
_REMOVED = "[\\x00-\\x08\\x0e-\\x1f\\x7f-\\x84\\x86-\\x9f]"
# a CR then a line feed (or a control read as one) is one break, even with removed
# characters between them, as the readers see it once those are gone
_SPECIAL = re.compile(f"\\r{_REMOVED}*[\\n\\x0b\\x0c\\x85]|[\\r\\n\\x0b\\x0c\\x85]")
_REMOVED_RUN = re.compile(f"{_REMOVED}+")
_LINE_BREAKS = "\r\n\x0b\x0c\x85"


@dataclass(frozen=True, slots=True)
class Counting:
    """One way of counting positions: code units and line breaks."""

    utf16: bool = False
    # None: line breaks count as the characters they are (CRLF two, LF one)
    newline: int | None = None

    @property
    def standard(self) -> bool:
        return not self.utf16 and self.newline is None

    def describe(self) -> str:
        """How this counting differs from the standard, in words."""
        parts = []
        if self.utf16:
            parts.append("UTF-16 code units")
        if self.newline == 1:
            parts.append("line breaks (CRLF) counted as one")
        elif self.newline == 2:
            parts.append("line breaks counted as two (CRLF)")
        return ", ".join(parts) or "code points (the standard)"


STANDARD = Counting()
CANDIDATES = (
    STANDARD,
    Counting(newline=1),
    Counting(newline=2),
    Counting(utf16=True),
    Counting(utf16=True, newline=2),
    Counting(utf16=True, newline=1),
)


def stored_text(raw: str) -> tuple[str, list[int]]:
    """The text codage stores for ``raw``, and the offset map raw index -> stored offset.

    The map has ``len(raw) + 1`` entries; a removed character maps to the offset of
    what follows it. Runs of text between line breaks and removed characters that
    are already NFC (nearly all) map one to one; others are normalised cluster by
    cluster (a base and its combining marks, or jamo that compose), each part mapping to
    the cluster's start. Removed characters go before normalising, as in the readers.
    """
    pieces: list[str] = []
    mapping: list[int] = []
    out = 0
    at = 0
    for match in _SPECIAL.finditer(raw):
        out = _line(raw[at : match.start()], out, pieces, mapping)
        mapping.extend([out] * (match.end() - match.start()))
        pieces.append("\n")
        out += 1
        at = match.end()
    out = _line(raw[at:], out, pieces, mapping)
    mapping.append(out)
    return "".join(pieces), mapping


def _line(line: str, out: int, pieces: list[str], mapping: list[int]) -> int:
    """One stretch between line breaks: removed characters taken out first, then
    normalised as a whole, as the readers do (a combining mark after a removed
    control composes with the letter before the control)."""
    if not _REMOVED_RUN.search(line):
        return _run(line, out, pieces, mapping)
    kept: list[int] = []  # raw index in ``line`` of each kept character
    removed_before: list[int] = []  # removed characters just before each kept one
    gap = 0
    for index, char in enumerate(line):
        if _REMOVED_RUN.match(char):
            gap += 1
        else:
            kept.append(index)
            removed_before.append(gap)
            gap = 0
    local: list[int] = []
    end = _run("".join(line[i] for i in kept), out, pieces, local)
    for offset, removed in zip(local, removed_before, strict=True):
        # a removed character maps to the offset of what follows it
        mapping.extend([offset] * (removed + 1))
    mapping.extend([end] * gap)
    return end


def _run(run: str, out: int, pieces: list[str], mapping: list[int]) -> int:
    if unicodedata.is_normalized("NFC", run):
        pieces.append(run)
        mapping.extend(range(out, out + len(run)))
        return out + len(run)
    i, n = 0, len(run)
    while i < n:
        j = i + 1
        cluster = unicodedata.normalize("NFC", run[i:j])
        # a cluster grows by combining marks and by what composes with it (Hangul jamo)
        while j < n:
            longer = unicodedata.normalize("NFC", run[i : j + 1])
            if not unicodedata.combining(run[j]) and len(longer) > len(cluster):
                break
            cluster = longer
            j += 1
        mapping.extend([out] * (j - i))
        pieces.append(cluster)
        out += len(cluster)
        i = j
    return out


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BREAK = re.compile("\r\n|\r|\n")


def _events(raw: str, counting: Counting) -> list[tuple[int, int]]:
    """(raw index, extra width) of the characters that do not count as one."""
    events: list[tuple[int, int]] = []
    if counting.utf16:
        events.extend((m.start(), 1) for m in _ASTRAL.finditer(raw))
    if counting.newline is not None:
        for m in _BREAK.finditer(raw):
            if m.end() - m.start() == 2:  # CRLF: the CR carries the difference
                events.append((m.start(), counting.newline - 2))
            else:
                events.append((m.start(), counting.newline - 1))
    events = [e for e in events if e[1]]
    events.sort()
    return events


class Positions:
    """Counted positions of one text under one counting -> raw indices.

    Kept sparse: only the characters that do not count as one (astral characters
    in UTF-16, line breaks counted otherwise) are listed, so that a text of
    millions of characters costs the size of its exceptions, not of its text.
    Between two exceptions the counted position grows with the raw index.
    """

    def __init__(self, raw: str, counting: Counting) -> None:
        self.counting = counting
        events = _events(raw, counting)
        self._indices = [k for k, _ in events]
        # extra[j]: the extra width of the exceptions before the j-th one
        self._extra = list(itertools.accumulate((w for _, w in events), initial=0))
        # the last counted position of each stretch that ends at an exception (or the end)
        self._ends = [k + e for k, e in zip(self._indices, self._extra, strict=False)]
        self._ends.append(len(raw) + self._extra[-1])
        self.length = self._ends[-1]

    def index(self, position: int) -> tuple[int, bool] | None:
        """The raw index at ``position`` and whether it falls on a character boundary;
        None when the position lies outside the text."""
        if position < 0 or position > self.length:
            return None
        j = bisect.bisect_left(self._ends, position)
        i = position - self._extra[j]
        previous = self._indices[j - 1] if j > 0 else -1
        if i <= previous:
            # inside a character counted as two (a surrogate pair, a CRLF as two)
            return previous + 1, False
        return i, True


def _boundary(raw: str, i: int) -> bool:
    """Not inside a word: a selection that starts or ends here looks intended."""
    if i <= 0 or i >= len(raw):
        return True
    return not (raw[i - 1].isalnum() and raw[i].isalnum())


def squash(text: str) -> str:
    """A text compared as a person reads it: NFC, runs of blanks as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def score(raw: str, positions: Positions, spans: Sequence[tuple[int, int, str]]) -> int:
    """How well ``spans`` (start, end, name) fit the text under this counting."""
    total = 0
    for start, end, name in spans:
        a = positions.index(start)
        b = positions.index(end)
        if a is None or b is None or start >= end:
            total -= 4
            continue
        (ia, exact_a), (ib, exact_b) = a, b
        total += _boundary(raw, ia) + _boundary(raw, ib)
        total -= (not exact_a) + (not exact_b)
        if name.strip():
            covered = raw[ia:ib]
            total += 4 if squash(covered) == squash(name) else -1
            # the very name, blanks at its ends included, breaks a tie with a counting
            # that takes a blank more ("intranet 😀" in UTF-16 or "intranet 😀 " as code
            # points): found by tests/properties/test_refi_positions.py
            total += covered == name
    return total


def detect(sources: Sequence[tuple[str, Sequence[tuple[int, int, str]]]]) -> Counting:
    """The counting that fits the selections of all ``(raw text, spans)`` best.

    One file is written by one tool: the scores of every source add up. A
    counting that gives a source the same positions as the standard scores
    alike there, so only the texts where countings differ decide.
    """
    best, best_score = STANDARD, None
    for counting in CANDIDATES:
        total = 0
        for raw, spans in sources:
            if spans:
                total += score(raw, Positions(raw, counting), spans)
        if best_score is None or total > best_score:
            best, best_score = counting, total
    return best

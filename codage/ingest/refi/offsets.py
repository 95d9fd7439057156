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

# What the ingest readers remove from a text (codage.ingest.encoding), kept in step.
_REMOVED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_BREAK_CONTROLS = {"\x0b", "\x0c", "\x85"}


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
    what follows it. NFC is applied per run between line breaks, so a composed
    character maps its parts to its start.
    """
    pieces: list[str] = []
    mapping: list[int] = []
    out = 0
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\r" or c == "\n" or c in _BREAK_CONTROLS:
            mapping.append(out)
            if c == "\r" and i + 1 < n and raw[i + 1] == "\n":
                mapping.append(out)
                i += 1
            pieces.append("\n")
            out += 1
            i += 1
            continue
        if _REMOVED.match(c):
            mapping.append(out)
            i += 1
            continue
        # a run of ordinary characters: NFC by cluster (base + combining marks)
        j = i + 1
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", raw[i:j])
        mapping.extend([out] * (j - i))
        pieces.append(cluster)
        out += len(cluster)
        i = j
    mapping.append(out)
    return "".join(pieces), mapping


def _widths(raw: str, counting: Counting) -> list[int]:
    widths = [2 if counting.utf16 and ord(c) > 0xFFFF else 1 for c in raw]
    if counting.newline is not None:
        i = 0
        n = len(raw)
        while i < n:
            c = raw[i]
            if c == "\r" and i + 1 < n and raw[i + 1] == "\n":
                widths[i], widths[i + 1] = counting.newline - 1, 1
                i += 2
                continue
            if c in ("\r", "\n"):
                widths[i] = counting.newline
            i += 1
    return widths


class Positions:
    """Counted positions of one text under one counting -> raw indices."""

    def __init__(self, raw: str, counting: Counting) -> None:
        self.counting = counting
        self.cumulative = list(itertools.accumulate(_widths(raw, counting), initial=0))

    @property
    def length(self) -> int:
        return self.cumulative[-1]

    def index(self, position: int) -> tuple[int, bool] | None:
        """The raw index at ``position`` and whether it falls on a character boundary;
        None when the position lies outside the text."""
        if position < 0 or position > self.length:
            return None
        i = bisect.bisect_left(self.cumulative, position)
        return i, self.cumulative[i] == position

    def same_as(self, other: Positions) -> bool:
        return self.cumulative == other.cumulative


def _boundary(raw: str, i: int) -> bool:
    """Not inside a word: a selection that starts or ends here looks intended."""
    if i <= 0 or i >= len(raw):
        return True
    return not (raw[i - 1].isalnum() and raw[i].isalnum())


def _squash(text: str) -> str:
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
            total += 4 if _squash(raw[ia:ib]) == _squash(name) else -1
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

"""Carrying offsets from one version of a text to another (a corrected transcript).

Used by the merge to re-anchor codings made on a coder's copy of a document
onto the project's copy. Pure: texts in, offsets out.

The two texts are aligned with rapidfuzz's Indel opcodes. Aligning two long
texts character by character costs time proportional to the product of their
lengths, so past a size the alignment is done coarse to fine: first by lines,
then by words inside the lines that differ, then characters inside the words
that differ. Corrections of transcripts are local, so the fine steps stay small.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

__all__ = ["OffsetMap", "Placement", "align_texts", "place_anchor", "snap_to_words", "word_edges"]

# Above this product of lengths a character alignment is split by lines, then
# words; 1e9 is about 0.1 s of rapidfuzz on two cores.
_DIRECT_LIMIT = 1_000_000_000

_WORDS = re.compile(r"\S+\s*|\s+")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


# One block of the alignment: source [s1, s2) became target [d1, d2). ``equal``
# blocks match character for character; others were deleted, inserted or
# (when a coarse level gave up) replaced as a whole.
Block = tuple[int, int, int, int, bool]


def _align(
    a: str,
    b: str,
    a0: int,
    b0: int,
    out: list[Block],
    splitters: Sequence[Callable[[str], list[str]]],
) -> None:
    # Common prefix and suffix cost nothing to find and are most of a corrected text.
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    q = 0
    while q < n - p and a[len(a) - 1 - q] == b[len(b) - 1 - q]:
        q += 1
    if p:
        out.append((a0, a0 + p, b0, b0 + p, True))
    mid_a, mid_b = a[p : len(a) - q], b[p : len(b) - q]
    ma0, mb0 = a0 + p, b0 + p
    if mid_a or mid_b:
        if not mid_a or not mid_b:
            out.append((ma0, ma0 + len(mid_a), mb0, mb0 + len(mid_b), False))
        elif len(mid_a) * len(mid_b) <= _DIRECT_LIMIT:
            for op in Indel.opcodes(mid_a, mid_b):
                out.append(
                    (
                        ma0 + op.src_start,
                        ma0 + op.src_end,
                        mb0 + op.dest_start,
                        mb0 + op.dest_end,
                        op.tag == "equal",
                    )
                )
        else:
            _align_coarse(mid_a, mid_b, ma0, mb0, out, splitters)
    if q:
        out.append((a0 + len(a) - q, a0 + len(a), b0 + len(b) - q, b0 + len(b), True))


def _align_coarse(
    a: str,
    b: str,
    a0: int,
    b0: int,
    out: list[Block],
    splitters: Sequence[Callable[[str], list[str]]],
) -> None:
    if not splitters:
        # Nothing finer left that is affordable: map proportionally.
        out.append((a0, a0 + len(a), b0, b0 + len(b), False))
        return
    split, rest = splitters[0], splitters[1:]
    pa, pb = split(a), split(b)
    if len(pa) * len(pb) > _DIRECT_LIMIT or (len(pa) <= 1 and len(pb) <= 1):
        _align_coarse(a, b, a0, b0, out, rest)
        return
    # Offsets of each piece, so that piece opcodes become character offsets.
    sa = [0]
    for piece in pa:
        sa.append(sa[-1] + len(piece))
    sb = [0]
    for piece in pb:
        sb.append(sb[-1] + len(piece))
    pending: tuple[int, int, int, int] | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            i1, i2, j1, j2 = pending
            _align(a[sa[i1] : sa[i2]], b[sb[j1] : sb[j2]], a0 + sa[i1], b0 + sb[j1], out, rest)
            pending = None

    for op in Indel.opcodes(pa, pb):
        if op.tag == "equal":
            flush()
            out.append(
                (
                    a0 + sa[op.src_start],
                    a0 + sa[op.src_end],
                    b0 + sb[op.dest_start],
                    b0 + sb[op.dest_end],
                    True,
                )
            )
        elif pending is None:
            pending = (op.src_start, op.src_end, op.dest_start, op.dest_end)
        else:
            # Adjacent deletions and insertions of pieces are aligned together
            # at the finer level: a corrected line is a deleted plus an inserted one.
            pending = (pending[0], op.src_end, pending[2], op.dest_end)
    flush()


@dataclass(frozen=True)
class OffsetMap:
    """Maps code-point offsets of a source text onto a target text."""

    source_length: int
    target_length: int
    blocks: tuple[Block, ...]
    _starts: tuple[int, ...]

    @property
    def identical(self) -> bool:
        return (
            len(self.blocks) == 1 and self.blocks[0][4] and self.source_length == self.target_length
        )

    def _block(self, char: int) -> Block:
        return self.blocks[bisect_right(self._starts, char) - 1]

    def start(self, offset: int) -> int:
        """Where a passage starting at ``offset`` starts in the target."""
        if offset >= self.source_length:
            return self.target_length
        s1, s2, d1, d2, equal = self._block(offset)
        if equal:
            return d1 + offset - s1
        # A removed or rewritten first character: start where the text now goes on.
        return d1 + (offset - s1) * (d2 - d1) // (s2 - s1)

    def end(self, offset: int) -> int:
        """Where a passage ending at ``offset`` (exclusive) ends in the target."""
        if offset <= 0:
            return 0
        char = min(offset, self.source_length) - 1
        s1, s2, d1, d2, equal = self._block(char)
        if equal:
            return d1 + char - s1 + 1
        return d1 + -((-(char - s1 + 1) * (d2 - d1)) // (s2 - s1))


def align_texts(source: str, target: str) -> OffsetMap:
    """Align two versions of a text; the map carries offsets from ``source`` to ``target``."""
    blocks: list[Block] = []
    if source == target:
        blocks.append((0, len(source), 0, len(target), True))
    else:
        _align(source, target, 0, 0, blocks, (_lines, _words))
    # Only blocks with source characters are looked up; insertions have none.
    kept = tuple(b for b in blocks if b[1] > b[0])
    return OffsetMap(len(source), len(target), kept, tuple(b[0] for b in kept))


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def word_edges(text: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether ``text[start:end]`` starts at the start of a word and ends at the end of one."""
    if start >= end:
        return False, False
    starts = _in_word(text[start]) and (start == 0 or not _in_word(text[start - 1]))
    ends = _in_word(text[end - 1]) and (end == len(text) or not _in_word(text[end]))
    return starts, ends


def snap_to_words(
    text: str, start: int, end: int, *, at_start: bool, at_end: bool
) -> tuple[int, int]:
    """Move a span's edges onto word boundaries of ``text`` where asked.

    An edge inside a word goes to the nearer boundary of that word (outward
    on a tie, so that a corrected word is kept whole rather than lost); an
    edge on blanks or punctuation moves inward to the nearest word. Returns
    the span unchanged when snapping would leave nothing.
    """
    s, e = start, end
    if at_start and s < e:
        if _in_word(text[s]):
            left = s
            while left > 0 and _in_word(text[left - 1]):
                left -= 1
            right = s
            while right < e and _in_word(text[right]):
                right += 1
            while right < e and not _in_word(text[right]):
                right += 1
            s = left if s - left <= right - s or right >= e else right
        else:
            while s < e and not _in_word(text[s]):
                s += 1
    if at_end and s < e:
        if e < len(text) and _in_word(text[e]) and _in_word(text[e - 1]):
            right = e
            while right < len(text) and _in_word(text[right]):
                right += 1
            left = e
            while left > s and _in_word(text[left - 1]):
                left -= 1
            while left > s and not _in_word(text[left - 1]):
                left -= 1
            e = right if right - e <= e - left or left <= s else left
        else:
            while e > s and not _in_word(text[e - 1]):
                e -= 1
    if s >= e:
        return start, end
    return s, e


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an anchored passage was found in the target text, and how."""

    start: int
    end: int
    how: str  # "same", "exact", "nearby", "fuzzy", "fuzzy-nearby"
    score: float = 1.0


def place_anchor(
    anchor: str,
    start: int,
    end: int,
    target: str,
    offsets: OffsetMap,
    *,
    threshold: float = 0.75,
    source: str | None = None,
) -> Placement | tuple[None, float]:
    """Find the passage ``anchor`` (at ``[start, end)`` in the source) in the target text.

    In order: the mapped span holds the anchor exactly; the mapped span is
    similar to the anchor (Indel similarity at least ``threshold``, a
    correction inside the passage); the anchor occurs exactly near the mapped
    place (the nearest occurrence wins); a passage near the mapped place is
    similar enough (rapidfuzz partial alignment). Returns a :class:`Placement`,
    or ``(None, best_score)`` when the passage cannot be placed.

    With the ``source`` text given, a passage that started (ended) on a word
    boundary there and is placed approximately starts (ends) on one in the
    target too: "about budgets" corrected to "about the budget" lands on
    "about the budget", never on a word cut in two.
    """
    if offsets.identical:
        return Placement(start, end, "same")
    found = _place(anchor, start, end, target, offsets, threshold)
    if source is None or not isinstance(found, Placement):
        return found
    at_start, at_end = word_edges(source, start, end)
    s, e = snap_to_words(target, found.start, found.end, at_start=at_start, at_end=at_end)
    if (s, e) == (found.start, found.end):
        return found
    return Placement(s, e, found.how, Indel.normalized_similarity(anchor, target[s:e]))


def _place(
    anchor: str, start: int, end: int, target: str, offsets: OffsetMap, threshold: float
) -> Placement | tuple[None, float]:
    ms, me = offsets.start(start), offsets.end(end)
    me = max(me, ms)
    if target[ms:me] == anchor:
        return Placement(ms, me, "exact")
    mapped_score = Indel.normalized_similarity(anchor, target[ms:me]) if me > ms else 0.0
    if mapped_score >= threshold:
        return Placement(ms, me, "fuzzy", mapped_score)
    window = max(200, 2 * len(anchor))
    lo, hi = max(0, ms - window), min(len(target), me + window)
    best: int | None = None
    found = target.find(anchor, lo, hi) if anchor else -1
    while found >= 0:
        if best is None or abs(found - ms) < abs(best - ms):
            best = found
        found = target.find(anchor, found + 1, hi)
    if best is not None:
        return Placement(best, best + len(anchor), "nearby")
    if anchor and hi > lo:
        aligned = fuzz.partial_ratio_alignment(anchor, target[lo:hi])
        # None only under a score_cutoff, and none is given
        assert aligned is not None
        score = aligned.score / 100.0
        if score >= threshold and aligned.dest_end > aligned.dest_start:
            return Placement(lo + aligned.dest_start, lo + aligned.dest_end, "fuzzy-nearby", score)
        return None, max(score, mapped_score)
    return None, mapped_score

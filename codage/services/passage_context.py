"""Where a passage sits in its document: speaker, time and numbered place of an offset,
sentences of context around a passage, and the other codes overlapping it.

Each helper is built once per document from its units (and text) and then asked for
each of the document's codings; the selection services use them one document at a time.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence

from codage.domain import Coding, Span, Unit
from codage.places import Locator, Place

__all__ = ["context_finder", "locator", "overlap_index"]


def locator(
    units: list[Unit], text: str | None = None, *, numbered: Sequence[Place] | None = None
) -> Callable[[int], tuple[str | None, float | None, Place | None]]:
    """speaker, timestamp and numbered place (see :class:`Locator`) of an offset;
    ``numbered``, when given, is :func:`number_places` of these units, already made."""
    places = Locator(numbered) if numbered else Locator.of(units, text)
    # turns (or any unit naming a speaker or a time) sorted by start
    voiced = [u for u in units if u.speaker is not None or u.timestamp is not None]
    voiced_starts = [u.start for u in voiced]

    def locate(offset: int) -> tuple[str | None, float | None, Place | None]:
        speaker = timestamp = None
        i = bisect.bisect_right(voiced_starts, offset) - 1
        # turns do not nest; looking one unit further back covers a heading inside a turn
        for j in (i, i - 1):
            if j >= 0 and voiced[j].start <= offset < voiced[j].end:
                speaker, timestamp = voiced[j].speaker, voiced[j].timestamp
                break
        return speaker, timestamp, places.at(offset)

    return locate


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _sentence_spans(text: str, units: Sequence[Unit]) -> list[Span]:
    sentences = [u.span for u in units if u.kind == "sentence"]
    if sentences:
        return sorted(sentences)
    # no sentence units (spaCy was not run): cut after ., !, ? and … within lines
    out, cursor = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(Span(cursor, match.start()))
        cursor = match.end()
    if cursor < len(text):
        out.append(Span(cursor, len(text)))
    return out


def _container_finder(units: Sequence[Unit]) -> Callable[[Span], Span | None]:
    """The turn, paragraph or answer holding the start of a passage (the shortest at a tie).

    These units do not overlap one another, so the last one starting at or
    before the passage is the only candidate.
    """
    boxes = sorted(
        (u.span for u in units if u.kind in ("turn", "paragraph", "answer")),
        key=lambda b: (b.start, -b.end),
    )
    box_starts = [b.start for b in boxes]

    def find(span: Span) -> Span | None:
        i = bisect.bisect_right(box_starts, span.start) - 1
        return boxes[i] if i >= 0 and boxes[i].end > span.start else None

    return find


def context_finder(text: str, units: Sequence[Unit], n: int) -> Callable[[Span], tuple[str, str]]:
    """Up to ``n`` whole sentences before and after a passage (the rest of a cut sentence too).

    The context stays inside the turn, paragraph or answer that holds the
    passage: another speaker's words are not this passage's context.
    """
    sentences = _sentence_spans(text, units)
    starts = [s.start for s in sentences]
    container_of = _container_finder(units)

    def around(span: Span) -> tuple[str, str]:
        if not sentences or n <= 0:
            return "", ""
        lo, hi = 0, len(sentences) - 1
        container = container_of(span)
        if container is not None:
            lo = bisect.bisect_left(starts, container.start)
            hi = bisect.bisect_right(starts, max(container.end - 1, container.start)) - 1
        # sentence holding the first character, and the one holding the last
        k = bisect.bisect_right(starts, span.start) - 1
        first = max(k - n, lo)
        before = text[sentences[first].start : span.start] if k >= 0 and first <= k else ""
        m = max(bisect.bisect_right(starts, max(span.end - 1, 0)) - 1, 0)
        last = min(m + n, hi)
        end = sentences[last].end if last >= m else span.end
        after = text[span.end : end] if end > span.end else ""
        return " ".join(before.split()), " ".join(after.split())

    return around


def overlap_index(spans: Sequence[tuple[int, int, int]]) -> Callable[[Coding], frozenset[int]]:
    """Code ids of the (code id, start, end) spans of one document that overlap a coding."""
    ordered = sorted(spans, key=lambda s: s[1])
    starts = [s[1] for s in ordered]
    longest = max((end - start for _, start, end in ordered), default=0)

    def overlapping(coding: Coding) -> frozenset[int]:
        lo = bisect.bisect_left(starts, coding.start - longest)
        hi = bisect.bisect_left(starts, coding.end)
        return frozenset(
            code_id
            for code_id, _, end in ordered[lo:hi]
            if end > coding.start and code_id != coding.code_id
        )

    return overlapping

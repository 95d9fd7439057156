"""Where a passage sits in its document: speaker, time and numbered place of an offset,
sentences of context around a passage, and the other codes overlapping it.

Each helper is built once per document from its units (and text) and then asked for
each of the document's codings; the selection services use them one document at a time.
The ``row_`` helpers give the same answers from plain rows of units, (kind, start, end,
speaker, timestamp), as the store's ``DocumentRows`` reads them: an export of a million
codings made a ``Unit`` of every unit of every document, sentences included, and that
was most of its reading (issue 20).
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Callable, Iterator, Sequence

from codage.domain import Coding, Span, Unit
from codage.places import Locator, Place, number_spans

__all__ = [
    "UnitTuple",
    "context_finder",
    "locator",
    "overlap_index",
    "overlaps_in_order",
    "row_context_finder",
    "row_locator",
    "row_places",
]

# (kind, start, end, speaker, timestamp) of a unit, in the order of ``Project.units``
UnitTuple = tuple[str, int, int, str | None, float | None]


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


# ---------------------------------------------------------------------------
# The same, from plain rows of units
# ---------------------------------------------------------------------------


def row_places(rows: Sequence[UnitTuple], text: str | None = None) -> list[Place]:
    """:func:`codage.places.number_places` of units given as rows: the same places."""
    return number_spans(((kind, start, end) for kind, start, end, _, _ in rows), text)


def row_locator(
    rows: Sequence[UnitTuple], places: Sequence[Place]
) -> Callable[[int], tuple[str | None, float | None, Place | None]]:
    """:func:`locator` over units given as rows, ``places`` being :func:`row_places` of
    them (with the text, for a document without numbered units)."""
    at = Locator(places).at
    # turns (or any unit naming a speaker or a time) in the order of the rows (by start)
    voiced = [r for r in rows if r[3] is not None or r[4] is not None]
    voiced_starts = [r[1] for r in voiced]
    last: list[object] = [None, None]  # the last offset asked for and its answer

    def locate(offset: int) -> tuple[str | None, float | None, Place | None]:
        # several coders' codings of one passage start at one offset, one after another
        if last[0] == offset:
            return last[1]  # type: ignore[return-value]
        speaker = timestamp = None
        i = bisect.bisect_right(voiced_starts, offset) - 1
        # turns do not nest; looking one unit further back covers a heading inside a turn
        for j in (i, i - 1):
            if j >= 0:
                unit = voiced[j]
                if unit[1] <= offset < unit[2]:
                    speaker, timestamp = unit[3], unit[4]
                    break
        found = (speaker, timestamp, at(offset))
        last[0], last[1] = offset, found
        return found

    return locate


def _row_sentences(text: str, sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    if sentences:
        return list(sentences)
    # no sentence units (spaCy was not run): cut after ., !, ? and … within lines
    out, cursor = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append((cursor, match.start()))
        cursor = match.end()
    if cursor < len(text):
        out.append((cursor, len(text)))
    return out


def row_context_finder(
    text: str, rows: Sequence[UnitTuple], n: int
) -> Callable[[int, int], tuple[str, str]]:
    """:func:`context_finder` from a document's units as rows, its sentence units among
    them: context of the passage (start, end)."""
    spans = _row_sentences(text, sorted((r[1], r[2]) for r in rows if r[0] == "sentence"))
    starts = [s for s, _ in spans]
    boxes = sorted(
        (
            (start, end)
            for kind, start, end, _, _ in rows
            if kind in ("turn", "paragraph", "answer")
        ),
        key=lambda b: (b[0], -b[1]),
    )
    box_starts = [b[0] for b in boxes]
    memo: list[object] = [None, None]  # the last passage asked for and its context

    def around(start: int, end: int) -> tuple[str, str]:
        if not spans or n <= 0:
            return "", ""
        if memo[0] == (start, end):
            # one passage coded by several coders: their codings come one after another
            return memo[1]  # type: ignore[return-value]
        lo, hi = 0, len(spans) - 1
        i = bisect.bisect_right(box_starts, start) - 1
        if i >= 0 and boxes[i][1] > start:
            # the context stays inside the turn, paragraph or answer holding the start
            b_start, b_end = boxes[i]
            lo = bisect.bisect_left(starts, b_start)
            hi = bisect.bisect_right(starts, max(b_end - 1, b_start)) - 1
        # sentence holding the first character, and the one holding the last
        k = bisect.bisect_right(starts, start) - 1
        first = max(k - n, lo)
        before = text[spans[first][0] : start] if k >= 0 and first <= k else ""
        m = max(bisect.bisect_right(starts, max(end - 1, 0)) - 1, 0)
        last = min(m + n, hi)
        stop = spans[last][1] if last >= m else end
        after = text[end:stop] if stop > end else ""
        found = (" ".join(before.split()), " ".join(after.split()))
        memo[0], memo[1] = (start, end), found
        return found

    return around


_NONE: frozenset[int] = frozenset()


def overlaps_in_order(
    spans: Sequence[tuple[int, int, int]], codings: Sequence[tuple[int, int, int]]
) -> Iterator[frozenset[int]]:
    """For each (code id, start, end) of ``codings``, given by start (never going back),
    the code ids of the (code id, start, end) ``spans`` overlapping it, its own code
    left out: what :func:`overlap_index` answers, found in one sweep over the document.

    A window back by the longest span met every span of a long passage again for each
    coding; the sweep holds the spans still open at a coding's start (by end, in a heap)
    and looks only at those starting inside the coding.
    """
    ordered = sorted(spans, key=lambda s: s[1])
    starts = [s[1] for s in ordered]
    open_ends: list[tuple[int, int]] = []  # (end, code id) of spans started before
    open_codes: dict[int, int] = {}  # code id -> number of its spans still open
    taken = 0  # spans pushed so far: those starting before the current coding
    previous: tuple[int, int, int] | None = None
    answer = _NONE
    for coding in codings:
        if coding == previous:
            yield answer  # the same passage of the same code, by another coder
            continue
        code_id, start, end = coding
        if previous is not None and start < previous[1]:
            raise ValueError("codings must come by start")
        previous = coding
        while taken < len(ordered) and ordered[taken][1] < start:
            other = ordered[taken]
            heapq.heappush(open_ends, (other[2], other[0]))
            open_codes[other[0]] = open_codes.get(other[0], 0) + 1
            taken += 1
        while open_ends and open_ends[0][0] <= start:
            _, closed = heapq.heappop(open_ends)
            if open_codes[closed] == 1:
                del open_codes[closed]
            else:
                open_codes[closed] -= 1
        found = set(open_codes)
        for j in range(taken, bisect.bisect_left(starts, end, taken)):
            other = ordered[j]
            if other[2] > start:
                found.add(other[0])
        found.discard(code_id)
        answer = frozenset(found) if found else _NONE
        yield answer

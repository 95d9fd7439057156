"""One document's codings counted into the statistics' tallies with array operations.

The workbook's statistics are counted on the export's own pass (see
:class:`codage.analysis.stats.StatsCollector`): a million codings went through
``_Tally.add``'s loop one Python step at a time, some 5 s of an export at 10M words
(issue 20). :func:`add_document` counts the same tables (equal values, the same keys
first met in the same order) with a few operations per document: the codings counted
by code, each code's passages merged by a running maximum, the co-occurrence units a
coding touches found by binary search. Only the sweep over merged passages and the pairs
of codes sharing a unit stay a loop, over far fewer items than codings. Documents whose
units nest (the order of a kind's units then no longer orders their ends) take the loop.

numpy loads with this module: only the export that counts on its pass imports it, never
``codage stats``, which starts light.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from codage.domain import Case, Code, Span

if TYPE_CHECKING:
    from codage.analysis.stats import _Tally

__all__ = ["PairCounts", "add_document"]

_COLUMNS = tuple(itemgetter(i) for i in range(4))
# Pairs of codes held before they are summed (see PairCounts)
_HOLD = 1 << 18


def add_document(
    tally: _Tally,
    name: str,
    rows: Sequence[tuple[int, str, int, int]],
    grain: Sequence[tuple[int, int, int]],
    find_case: Callable[[Span], Case | None] | None,
    document_case: Case | None,
    passages: PairCounts,
    units: PairCounts,
) -> None:
    """``tally.add(name, rows, grain, finder)`` where ``finder`` is ``find_case``, or,
    when that is None, the constant ``document_case`` (no case when None): the same
    tables, counted by arrays; the pairs of codes of passages and of units in
    ``passages`` and ``units``, added to the tally's tables by :meth:`PairCounts.fold`."""
    if not rows:
        return
    # columns by itemgetter: zip(*rows) over a document's hundreds of rows took six
    # times as long
    code_ids, coders, starts_t, ends_t = (list(map(get, rows)) for get in _COLUMNS)
    starts = np.array(starts_t, dtype=np.int64)
    ends = np.array(ends_t, dtype=np.int64)
    if bool((starts > ends).any()):
        # a reversed span: the loop's own arithmetic decides what it counts
        tally.add(name, rows, grain, find_case or (lambda _span: document_case))
        return
    counts = Counter(code_ids)  # codes in the order they first appear, as the loop's
    if find_case is not None:
        _count_found_cases(tally, code_ids, starts_t, ends_t, find_case)
    elif document_case is not None:
        for code_id, n in counts.items():
            tally.count_case(code_id, document_case, n)
    by_document = tally.by_document
    for code_id, n in counts.items():
        tally.codings[code_id] += n
        per_doc = by_document.get(code_id)
        if per_doc is None:
            per_doc = by_document[code_id] = {}
        per_doc[name] = per_doc.get(name, 0) + n
    for code_id, coder in set(zip(code_ids, coders, strict=True)):
        tally.coders[code_id].add(coder)
    codes = np.array(code_ids, dtype=np.int64)
    # each code's rank among the document's codes, by id: groups that sort apart
    unique, rank = np.unique(codes, return_inverse=True)
    characters, merged = _merged_by_code(codes, rank, starts, ends)
    for code_id in counts:
        tally.documents[code_id] += 1
        tally.characters[code_id] += characters.get(code_id, 0)
    if merged is not None:
        passages.add(*_overlapping(*merged))
    if grain:
        _count_units(tally, units, grain, unique, rank, starts, ends)


def _count_found_cases(
    tally: _Tally,
    code_ids: Sequence[int],
    starts: Sequence[int],
    ends: Sequence[int],
    find_case: Callable[[Span], Case | None],
) -> None:
    # each (code, case) counted once with its number of codings, in the order first met
    found: dict[tuple[int, str], list[Any]] = {}
    for code_id, start, end in zip(code_ids, starts, ends, strict=True):
        case = find_case(Span(start, end))
        if case is None:
            continue
        entry = found.get((code_id, case.name))
        if entry is None:
            found[(code_id, case.name)] = [case, 1]
        else:
            entry[1] += 1
    for (code_id, _), (case, n) in found.items():
        tally.count_case(code_id, case, n)


def _merged_by_code(
    codes: np.ndarray, rank: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[dict[int, int], tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """Per code, the characters its passages cover once merged (those that overlap or
    touch joined, empty ones left out), and the merged passages as arrays of starts,
    ends and code ids sorted by (start, end, code): what ``_merged`` and ``_sweep``
    make of each code's spans (None when every span is empty)."""
    keep = starts != ends
    if not bool(keep.any()):
        return {}, None
    codes, rank, starts, ends = codes[keep], rank[keep], starts[keep], ends[keep]
    # every code's passages moved past the previous code's: one running maximum merges
    # each code's passages and never joins two codes'
    width = int(ends.max()) + 1
    shifted_starts = starts + rank * width
    order = np.argsort(shifted_starts, kind="stable")
    shifted_starts = shifted_starts[order]
    reach = np.maximum.accumulate((ends + rank * width)[order])
    first = np.empty(len(order), dtype=bool)
    first[0] = True
    np.greater(shifted_starts[1:], reach[:-1], out=first[1:])
    at = np.flatnonzero(first)
    last = np.append(at[1:] - 1, len(order) - 1)
    offset = rank[order][at] * width
    piece_starts = shifted_starts[at] - offset
    piece_ends = reach[last] - offset
    piece_codes = codes[order][at]
    # the pieces come by code (its rank): one sum per code
    bounds = np.flatnonzero(np.diff(rank[order][at])) + 1
    sums = np.add.reduceat(piece_ends - piece_starts, np.concatenate(([0], bounds)))
    characters = dict(
        zip(piece_codes[np.concatenate(([0], bounds))].tolist(), sums.tolist(), strict=True)
    )
    by = np.lexsort((piece_codes, piece_ends, piece_starts))
    return characters, (piece_starts[by], piece_ends[by], piece_codes[by])


def _overlapping(
    starts: np.ndarray, ends: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``_sweep``'s stretches: every two merged passages (sorted by start, end, code)
    where the later starts before the earlier ends, as the code ids of the earlier and
    the later. A code's own merged passages never overlap nor touch."""
    # passage i is still open at the start of each passage from i + 1 up to the first
    # that starts at or after its end (starts are sorted)
    reach = np.searchsorted(starts, ends, side="left")
    after = np.arange(1, len(starts) + 1)
    counts = np.clip(reach - after, 0, None)
    total = int(counts.sum())
    if not total:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    before = np.cumsum(counts) - counts
    later = np.repeat(after - before, counts) + np.arange(total)
    return np.repeat(codes, counts), codes[later]


class PairCounts:
    """Pairs of codes counted by arrays over every document, then added to a tally's
    table (:meth:`fold`) as ``_add_pairs`` adds them: keyed in tree order. A document
    makes hundreds of pairs: counted one by one in a dict, they cost more than the
    rest of its counting."""

    def __init__(self, codes: Sequence[Code]) -> None:
        ids = np.array([c.id for c in codes], dtype=np.int64)
        self._tree = ids  # tree position -> code id
        self._sorted = np.argsort(ids, kind="stable")  # ids by value -> tree position
        self._ids = ids[self._sorted]
        self._size = max(len(codes), 1)
        # pairs as keys (tree positions) with their counts, summed whenever they grow
        # past _HOLD: a few megabytes held, whatever the number of codings
        self._keys: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._held = 0
        self._unknown: dict[tuple[int, int], int] = defaultdict(int)

    def add(self, first: np.ndarray, second: np.ndarray) -> None:
        """Count each pair (first[i], second[i]) of code ids once."""
        if not len(first):
            return
        at_first = np.minimum(np.searchsorted(self._ids, first), len(self._ids) - 1)
        at_second = np.minimum(np.searchsorted(self._ids, second), len(self._ids) - 1)
        if not (
            len(self._ids)
            and bool((self._ids[at_first] == first).all())
            and bool((self._ids[at_second] == second).all())
        ):
            # a code outside the tree: ordered by its id, as _pair orders it
            for a, b in zip(first.tolist(), second.tolist(), strict=True):
                self._unknown[(min(a, b), max(a, b))] += 1
            return
        one, other = self._sorted[at_first], self._sorted[at_second]
        self._keys.append(np.minimum(one, other) * self._size + np.maximum(one, other))
        self._counts.append(np.ones(len(one), dtype=np.int64))
        self._held += len(one)
        if self._held > _HOLD:
            self._sum()

    def _sum(self) -> None:
        # each pair once, with its count
        keys, at = np.unique(np.concatenate(self._keys), return_inverse=True)
        counts = np.zeros(len(keys), dtype=np.int64)
        np.add.at(counts, at.reshape(-1), np.concatenate(self._counts))
        self._keys, self._counts, self._held = [keys], [counts], len(keys)

    def fold(self, out: dict[tuple[int, int], int], order: dict[int, int]) -> None:
        """Add the pairs counted to ``out``, keyed by code ids in tree order."""
        if self._keys:
            self._sum()
            tree = self._tree
            for key, n in zip(self._keys[0].tolist(), self._counts[0].tolist(), strict=True):
                out[(int(tree[key // self._size]), int(tree[key % self._size]))] += n
            self._keys, self._counts, self._held = [], [], 0
        for (a, b), n in self._unknown.items():
            out[(a, b) if order.get(a, a) <= order.get(b, b) else (b, a)] += n
        self._unknown.clear()


def _count_units(
    tally: _Tally,
    units: PairCounts,
    grain: Sequence[tuple[int, int, int]],
    unique: np.ndarray,
    rank: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> None:
    """Pairs of codes whose codings touch one unit, into ``units`` (nested units: into
    the tally by the loop)."""
    _, unit_starts_t, unit_ends_t = zip(*grain, strict=True)
    unit_starts = np.array(unit_starts_t, dtype=np.int64)
    unit_ends = np.array(unit_ends_t, dtype=np.int64)
    if len(grain) > 1 and not bool((unit_ends[1:] >= unit_ends[:-1]).all()):
        # nested units: their ends are not ordered, the loop looks at each
        _unit_pairs(tally, unique[rank].tolist(), starts.tolist(), ends.tolist(), grain)
        return
    # the loop's units: from the last one starting at or before the coding's start,
    # those starting before its end and ending after its start; with ordered ends the
    # last condition holds from one unit on
    low = np.maximum(np.searchsorted(unit_starts, starts, side="right") - 1, 0)
    low = np.maximum(low, np.searchsorted(unit_ends, starts, side="right"))
    high = np.searchsorted(unit_starts, ends, side="left")
    touched = np.clip(high - low, 0, None)
    total = int(touched.sum())
    if not total:
        return
    # one (unit, code) per unit a coding touches, distinct, by unit then code id
    before = np.cumsum(touched) - touched
    reached = np.repeat(low - before, touched) + np.arange(total)
    held = np.unique(reached * len(unique) + np.repeat(rank, touched))
    unit_of = held // len(unique)
    code_of = unique[held % len(unique)]
    # every two codes of one unit: the entries d apart within a unit, for each d
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    d = 1
    while d < len(held):
        same = unit_of[d:] == unit_of[:-d]
        if not bool(same.any()):
            break
        first.append(code_of[:-d][same])
        second.append(code_of[d:][same])
        d += 1
    if first:
        units.add(np.concatenate(first), np.concatenate(second))


def _unit_pairs(
    tally: _Tally,
    code_ids: Sequence[int],
    starts: Sequence[int],
    ends: Sequence[int],
    grain: Sequence[tuple[int, int, int]],
) -> None:
    """The pairs of codes whose codings touch one unit, counted as ``_Tally.add``
    counts them, by its loop: what the counting by arrays does for nested units."""
    unit_starts = [start for _, start, _ in grain]
    count = len(grain)
    after = bisect.bisect_right
    codes_in_unit: dict[int, set[int]] = {}
    for code_id, start, end in zip(code_ids, starts, ends, strict=True):
        i = max(after(unit_starts, start) - 1, 0)
        while i < count:
            unit_id, unit_start, unit_end = grain[i]
            if unit_start >= end:
                break
            if start < unit_end:
                codes_in_unit.setdefault(unit_id, set()).add(code_id)
            i += 1
    order, unit = tally.order, tally.unit
    for held in codes_in_unit.values():
        if len(held) > 1:
            for a, b in combinations(sorted(held), 2):
                unit[(a, b) if order.get(a, a) <= order.get(b, b) else (b, a)] += 1

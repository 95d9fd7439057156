"""The workbook's statistics counted by arrays (``stats_arrays.add_document``) equal the
loop ``compute_stats`` counts with (``_Tally.add``), on random documents: empty and
equal spans, codings past every unit, nested and overlapping units, cases found per
passage or one per document, codes outside the tree."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
import pytest

from codage.analysis.stats import _Tally
from codage.analysis.stats_arrays import PairCounts, add_document
from codage.analysis.stats_tables import Stats
from codage.domain import Case, Code, CodePath, DocumentInfo, Span

CODES = [Code(id=10 + 7 * i, name=f"c{i}", path=CodePath((f"c{i}",))) for i in range(9)]
# tree order unlike id order: the pairs are keyed in tree order
TREE = [CODES[i] for i in (4, 0, 8, 2, 6, 1, 3, 7, 5)]
CASES = [Case(id=i, name=f"case{i}", attributes={"type": f"t{i % 2}", "n": i}) for i in range(3)]


def _units(rng: random.Random, length: int, nested: bool) -> list[tuple[int, int, int]]:
    """(id, start, end) by start, end descending, as the store orders a kind's units."""
    bounds = sorted(rng.sample(range(length), rng.randint(1, 12)))
    units = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    if nested and units:
        start, end = rng.choice(units)
        units.append((start, rng.randint(start + 1, end)))  # inside another, same start
    if rng.random() < 0.3 and units:
        start, end = rng.choice(units)
        units.append((start + 1, end + 3))  # overlapping its neighbour
    units.sort(key=lambda u: (u[0], -u[1]))
    return [(100 + i, s, e) for i, (s, e) in enumerate(units)]


def _rows(rng: random.Random, length: int, codes: list[Code]) -> list[tuple[int, str, int, int]]:
    rows = []
    for _ in range(rng.randint(1, 40)):
        start = rng.randint(0, length)
        end = start if rng.random() < 0.1 else min(length + 5, start + rng.randint(1, 30))
        rows.append((rng.choice(codes).id, rng.choice(["ana", "bruno", "chloe"]), start, end))
    if rng.random() < 0.3:
        rows.append(rows[0])  # two coders' same passage
    rows.sort(key=lambda r: (r[2], r[3]))
    return rows


def _finder(rng: random.Random) -> Callable[[Span], Case | None]:
    cut = rng.randint(0, 60)
    return lambda span: CASES[0] if span.start < cut else (None if span.end % 3 else CASES[1])


def _both(seed: int, codes: list[Code]) -> tuple[Stats, Stats]:
    rng = random.Random(seed)
    by_loop, by_arrays = _Tally(TREE), _Tally(TREE)
    passages, units = PairCounts(TREE), PairCounts(TREE)
    documents = []
    for n in range(rng.randint(1, 6)):
        name = f"doc{n}"
        length = rng.randint(20, 120)
        documents.append(DocumentInfo(n, name, "interview", "", length, length // 5))
        rows = _rows(rng, length, codes)
        grain = _units(rng, length, nested=rng.random() < 0.4) if rng.random() < 0.8 else []
        case_mode = rng.choice(["none", "document", "found"])
        found = _finder(rng) if case_mode == "found" else None
        document_case = CASES[2] if case_mode == "document" else None
        loop_finder = found or (lambda _span, c=document_case: c)  # type: ignore[misc]
        by_loop.add(name, rows, grain, loop_finder)
        add_document(by_arrays, name, rows, grain, found, document_case, passages, units)
    passages.fold(by_arrays.passage, by_arrays.order)
    units.fold(by_arrays.unit, by_arrays.order)
    return by_loop.stats(documents), by_arrays.stats(documents)


@pytest.mark.parametrize("seed", range(300))
def test_arrays_count_what_the_loop_counts(seed: int) -> None:
    expected, counted = _both(seed, CODES)
    assert counted == expected
    assert counted.sheets() == expected.sheets()


def test_codes_outside_the_tree_are_paired_by_id() -> None:
    stranger = Code(id=3, name="stranger", path=CodePath(("stranger",)))
    for seed in range(40):
        expected, counted = _both(seed, [*CODES[:3], stranger])
        assert counted == expected


def test_a_document_of_co_coded_units_counts_pairs() -> None:
    # the counts are not all zero: the test above compares something
    tally, passages, units = _Tally(TREE), PairCounts(TREE), PairCounts(TREE)
    a, b, c = CODES[0].id, CODES[1].id, CODES[2].id
    rows = [(a, "ana", 0, 10), (b, "bruno", 5, 15), (c, "ana", 30, 35), (a, "chloe", 31, 32)]
    add_document(tally, "d", rows, [(1, 0, 20), (2, 20, 40)], None, CASES[0], passages, units)
    passages.fold(tally.passage, tally.order)
    units.fold(tally.unit, tally.order)
    # tree order: CODES[0] (index 1) before CODES[1] (index 5) and CODES[2] (index 3)
    assert dict(tally.passage) == {(a, b): 1, (a, c): 1}
    assert dict(tally.unit) == {(a, b): 1, (a, c): 1}
    assert tally.characters[a] == 11 and tally.documents[a] == 1 and tally.codings[a] == 2
    assert tally.by_attribute["type"][a] == {"t0": 2}


def test_pairs_summed_as_they_grow_count_what_a_counter_counts() -> None:
    # more pairs than PairCounts holds before summing them: summed on the way, the
    # same counts
    rng = np.random.default_rng(7)
    ids = np.array([c.id for c in CODES], dtype=np.int64)
    pairs = PairCounts(TREE)
    expected: Counter[tuple[int, int]] = Counter()
    order = {c.id: i for i, c in enumerate(TREE)}
    for _ in range(5):
        first = ids[rng.integers(0, len(ids), 150_000)]
        second = ids[rng.integers(0, len(ids), 150_000)]
        keep = first != second
        first, second = first[keep], second[keep]
        pairs.add(first, second)
        for a, b in zip(first.tolist(), second.tolist(), strict=True):
            expected[(a, b) if order[a] <= order[b] else (b, a)] += 1
    out: dict[tuple[int, int], int] = defaultdict(int)
    pairs.fold(out, order)
    assert dict(out) == dict(expected)
    assert sum(out.values()) > 600_000

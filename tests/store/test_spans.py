"""The span algebra, checked against a brute-force model of sets of offsets."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codage.domain import (
    Span,
    covered_length,
    intersect_spans,
    normalise_spans,
    subtract_spans,
    union_spans,
)

spans = st.builds(
    lambda a, b: Span(min(a, b), max(a, b)),
    st.integers(0, 60),
    st.integers(0, 60),
)
span_lists = st.lists(spans, max_size=8)


def points(items: list[Span]) -> set[int]:
    return {i for s in items for i in range(s.start, s.end)}


@given(spans, spans)
def test_overlap_and_intersection_agree_with_sets(a: Span, b: Span) -> None:
    common = points([a]) & points([b])
    assert a.overlaps(b) == bool(common)
    inter = a.intersection(b)
    assert (inter is None) == (not common)
    if inter is not None:
        assert points([inter]) == common


@given(spans, spans)
def test_containment(a: Span, b: Span) -> None:
    if not b.is_empty:
        assert a.contains(b) == (points([b]) <= points([a]))


@given(spans, spans)
def test_union_of_touching_spans(a: Span, b: Span) -> None:
    if a.touches(b):
        assert points([a.union(b)]) == points([a]) | points([b])
    else:
        with pytest.raises(ValueError):
            a.union(b)


@given(span_lists)
def test_normalise_is_sorted_disjoint_and_covers_the_same(items: list[Span]) -> None:
    out = normalise_spans(items)
    assert points(out) == points(items)
    assert all(x.end < y.start for x, y in itertools.pairwise(out))
    assert covered_length(items) == len(points(items))


@given(span_lists, span_lists)
def test_set_operations(a: list[Span], b: list[Span]) -> None:
    assert points(union_spans(a, b)) == points(a) | points(b)
    assert points(intersect_spans(a, b)) == points(a) & points(b)
    assert points(subtract_spans(a, b)) == points(a) - points(b)


def test_invalid_spans_are_refused() -> None:
    with pytest.raises(ValueError):
        Span(5, 2)
    with pytest.raises(ValueError):
        Span(-1, 2)

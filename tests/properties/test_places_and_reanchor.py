"""The numbered places of a document, and re-anchoring codings after an edit, as properties."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from codage.analysis.align import Placement, align_texts, place_anchor
from codage.domain import Span, Unit, intersect_spans, normalise_spans, subtract_spans, union_spans
from codage.places import Locator, number_places
from tests.properties.profile import PROFILE, fewer

spans = st.builds(lambda a, b: Span(min(a, b), max(a, b)), st.integers(0, 80), st.integers(0, 80))
span_lists = st.lists(spans, max_size=8)
units = st.lists(
    st.builds(
        lambda a, b, kind: Unit(kind, min(a, b), max(a, b)),
        st.integers(0, 120),
        st.integers(0, 120),
        st.sampled_from(["turn", "paragraph", "answer", "sentence", "heading"]),
    ),
    max_size=12,
)


@PROFILE
@given(span_lists, span_lists)
def test_a_set_splits_into_what_another_covers_and_what_it_does_not(
    a: list[Span], b: list[Span]
) -> None:
    inside, outside = intersect_spans(a, b), subtract_spans(a, b)
    assert union_spans(inside, outside) == normalise_spans(a)
    assert intersect_spans(inside, outside) == []
    assert union_spans(a, b) == union_spans(b, a)
    assert intersect_spans(a, b) == intersect_spans(b, a)
    assert normalise_spans(normalise_spans(a)) == normalise_spans(a)


@PROFILE
@given(units, st.integers(0, 130))
def test_places_are_numbered_in_order_without_overlap(found: list[Unit], offset: int) -> None:
    places = number_places(found)
    assert [p.number for p in places] == list(range(1, len(places) + 1))
    assert all(x.end <= y.start for x, y in itertools.pairwise(places))
    assert all(p.kind != "sentence" and p.end > p.start for p in places)
    place = Locator(places).at(offset)
    if not places:
        assert place is None
        return
    assert place is not None
    holding = [p for p in places if p.start <= offset < p.end]
    if holding:
        assert place == holding[0]
    elif offset < places[-1].start:
        # between two units: the next one, where the passage's words begin
        assert place == min((p for p in places if p.start > offset), key=lambda p: p.start)
    else:
        assert place == places[-1]


WORDS = ["l'intranet", "est", "lent", "les", "agents", "du", "service", "mairie", "pourtant"]
sentences = st.lists(st.sampled_from(WORDS), min_size=6, max_size=30).map(" ".join)


@fewer(2)
@given(sentences, st.data())
def test_a_passage_untouched_by_an_edit_is_found_again_exactly(
    text: str, data: st.DataObject
) -> None:
    # an edit somewhere, a passage elsewhere: the passage keeps its words, shifted
    words = text.split(" ")
    cut = data.draw(st.integers(1, len(words) - 1))
    before, after = " ".join(words[:cut]), " ".join(words[cut:])
    inserted = data.draw(st.sampled_from(["", "vraiment", "et la messagerie aussi,"]))
    removed = data.draw(st.integers(0, 1))
    edited_after = " ".join(after.split(" ")[removed:]) if removed else after
    target = " ".join(p for p in (before, inserted, edited_after) if p)
    # a passage inside the part before the edit
    left = data.draw(st.integers(0, max(0, len(before) - 1)))
    right = data.draw(st.integers(left, len(before)))
    if right == left:
        return
    offsets = align_texts(text, target)
    assert 0 <= offsets.start(left) <= len(target) and 0 <= offsets.end(right) <= len(target)
    found = place_anchor(text[left:right], left, right, target, offsets, source=text)
    assert isinstance(found, Placement)
    assert target[found.start : found.end] == text[left:right]
    assert (found.start, found.end) == (left, right)


@PROFILE
@given(sentences, st.data())
def test_the_offset_map_of_an_edit_is_monotone_and_in_bounds(
    text: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(text)))
    gone = data.draw(st.integers(0, min(12, len(text) - at)))
    target = text[:at] + data.draw(st.sampled_from(["", "x", "nouveau texte "])) + text[at + gone :]
    offsets = align_texts(text, target)
    starts = [offsets.start(i) for i in range(len(text) + 1)]
    ends = [offsets.end(i) for i in range(len(text) + 1)]
    assert starts == sorted(starts) and ends == sorted(ends)
    assert all(0 <= s <= len(target) for s in starts)
    assert all(0 <= e <= len(target) for e in ends)
    same = align_texts(text, text)
    assert same.identical
    assert [same.start(i) for i in range(len(text))] == list(range(len(text)))

"""REFI-QDA positions: what the writer writes is read back to the same offsets, and a
file counted the way NVivo or ATLAS.ti count lands on the same passage."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from codage.domain import normalise_text
from codage.ingest.refi.build import place
from codage.ingest.refi.offsets import STANDARD, Counting, Positions, detect, stored_text
from tests.properties.profile import PROFILE

WORDS = ["intranet", "agents", "télétravail", "😀", "mairie", "🇫🇷", "œuvre", "e\u0301te\u0301"]
BREAKS = [" ", " ", "\n", "\r\n", ", "]


@st.composite
def texts_with_passages(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """A raw text of words and breaks, and passages that start and end on words."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=16))
    raw, starts = "", []
    for word in words:
        if raw:
            raw += draw(st.sampled_from(BREAKS))
        starts.append((len(raw), len(raw) + len(word)))
        raw += word
    chosen = draw(st.lists(st.integers(0, len(starts) - 1), min_size=1, max_size=4, unique=True))
    spans = []
    for first in chosen:
        last = draw(st.integers(first, min(first + 2, len(starts) - 1)))
        spans.append((starts[first][0], starts[last][1]))
    return raw, spans


def counted(raw: str, index: int, counting: Counting) -> int:
    """The position a tool counting this way writes for raw index ``index``: the reference."""
    prefix = raw[:index]
    units = len(prefix.encode("utf-16-le")) // 2 if counting.utf16 else len(prefix)
    if counting.newline is not None:
        crlf = prefix.count("\r\n")
        single = prefix.count("\n") + prefix.count("\r") - 2 * crlf
        units += crlf * (counting.newline - 2) + single * (counting.newline - 1)
    return units


@PROFILE
@given(texts_with_passages())
def test_the_writers_positions_read_back_to_the_same_offsets(
    case: tuple[str, list[tuple[int, int]]],
) -> None:
    raw, spans = case
    text = normalise_text(raw)  # what codage stores, and the writer writes as the source
    stored, mapping = stored_text(text)
    assert stored == text and mapping == list(range(len(text) + 1))
    # the writer's positions are code points of the stored text, its names the passages
    written = [
        (mapping[s], mapping[e], text[mapping[s] : mapping[e]])
        for s, e in ((len(normalise_text(raw[:s])), len(normalise_text(raw[:e]))) for s, e in spans)
    ]
    counting = detect([(text, written)])
    positions = Positions(text, counting)
    for start, end, name in written:
        assert place(positions, mapping, start, end) == (start, end)
        assert text[start:end] == name
    assert Positions(text, STANDARD).length == len(text)


@PROFILE
@given(texts_with_passages(), st.sampled_from([Counting(utf16=True), Counting(newline=1)]))
@example(("intranet 😀 intranet", [(0, 10)]), Counting(utf16=True))
def test_a_tools_counting_lands_on_the_passage_it_named(
    case: tuple[str, list[tuple[int, int]]], counting: Counting
) -> None:
    raw, spans = case
    written = [(counted(raw, s, counting), counted(raw, e, counting), raw[s:e]) for s, e in spans]
    found = detect([(raw, written)])
    stored, mapping = stored_text(raw)
    positions = Positions(raw, found)
    for (start, end, name), (s, e) in zip(written, spans, strict=True):
        placed = place(positions, mapping, start, end)
        assert placed == (mapping[s], mapping[e]), (found, raw, name)
        assert stored[placed[0] : placed[1]] == normalise_text(name).replace("\r", "")

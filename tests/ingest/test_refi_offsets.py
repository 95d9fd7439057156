"""Counting of positions: the sparse conversion agrees with counting every character,
and the stored text is the one every other reader stores."""

from __future__ import annotations

import bisect
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.refi.offsets import (
    CANDIDATES,
    STANDARD,
    Counting,
    Positions,
    detect,
    stored_text,
)

PIECES = ["a", "é", " ", "\r", "\n", "\r\n", "😀", "𝄞", "e\u0301", "\x01", "\x0b", "\x85", "\t"]
texts = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


def widths(raw: str, counting: Counting) -> list[int]:
    """Every character's width, counted one by one: the reference."""
    out = [2 if counting.utf16 and ord(c) > 0xFFFF else 1 for c in raw]
    if counting.newline is not None:
        i = 0
        while i < len(raw):
            if raw[i] == "\r" and raw[i + 1 : i + 2] == "\n":
                out[i], out[i + 1] = counting.newline - 1, 1
                i += 2
                continue
            if raw[i] in "\r\n":
                out[i] = counting.newline
            i += 1
    return out


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sparse_positions_agree_with_counting_every_character(raw: str) -> None:
    for counting in CANDIDATES:
        cumulative = list(itertools.accumulate(widths(raw, counting), initial=0))
        positions = Positions(raw, counting)
        assert positions.length == cumulative[-1]
        for p in range(-1, cumulative[-1] + 2):
            expected = None
            if 0 <= p <= cumulative[-1]:
                i = bisect.bisect_left(cumulative, p)
                expected = (i, cumulative[i] == p)
            assert positions.index(p) == expected


@settings(max_examples=300, deadline=None)
@given(texts)
def test_the_stored_text_is_what_the_readers_store_and_the_map_is_monotone(raw: str) -> None:
    text, mapping = stored_text(raw)
    assert len(mapping) == len(raw) + 1 and mapping[-1] == len(text)
    assert mapping == sorted(mapping)
    try:
        assert text == clean_text(raw)
    except IngestError:  # an empty text: the readers refuse it, and so does the import
        assert not text.strip()


def test_the_standard_wins_a_tie_and_utf16_is_found_from_the_names() -> None:
    raw = "😀 un intranet\r\nlent"
    assert detect([(raw, [])]) == STANDARD
    start = len(raw[: raw.index("intranet")].encode("utf-16-le")) // 2
    assert detect([(raw, [(start, start + 8, "intranet")])]) == Counting(utf16=True)

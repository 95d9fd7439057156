"""Short postings (up to four triples) are packed by one struct each: byte for byte what
the array path made of them, kept here verbatim as the reference."""

from __future__ import annotations

import random
import sys
import zlib
from array import array
from operator import sub

from hypothesis import given
from hypothesis import strategies as st

from codage.store.index_format import pack_postings, unpack_postings


def _reference(postings: array[int]) -> bytes:
    steps = array("i", postings)
    if postings:
        ordinals, starts, ends = postings[0::3], postings[1::3], postings[2::3]
        steps[3::3] = array("i", map(sub, ordinals[1:], ordinals[:-1]))
        steps[4::3] = array("i", map(sub, starts[1:], starts[:-1]))
        steps[2::3] = array("i", map(sub, ends, starts))
    if sys.byteorder == "big":
        steps.byteswap()
    raw = steps.tobytes()
    packed = zlib.compress(raw, 1) if len(raw) > 48 else raw
    return b"z" + packed if len(packed) < len(raw) else b"r" + raw


_triple = st.tuples(st.integers(0, 2**20), st.integers(0, 2**24), st.integers(0, 60)).map(
    lambda t: (t[0], t[1], t[1] + t[2])
)


@given(st.lists(_triple, max_size=7).map(sorted))
def test_packed_as_the_array_path_packs(triples: list[tuple[int, int, int]]) -> None:
    postings = array("i", [v for t in triples for v in t])
    packed = pack_postings(postings)
    assert packed == _reference(postings)
    assert unpack_postings(packed) == postings


def test_long_and_wide_postings_are_packed_as_the_array_path_packs() -> None:
    # up to 40 triples (the compressed path too), positions across the whole int32 range
    rng = random.Random(19)
    for count in range(40):
        for _ in range(20):
            bounds = sorted(rng.randrange(0, 2**31 - 1) for _ in range(2 * count))
            postings = array("i")
            ordinal = rng.randrange(0, 1000)
            for k in range(count):
                postings.extend((ordinal, bounds[2 * k], bounds[2 * k + 1]))
                ordinal += rng.randrange(1, 60)
            packed = pack_postings(postings)
            assert packed == _reference(postings)
            assert unpack_postings(packed) == postings

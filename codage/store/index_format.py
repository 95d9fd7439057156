"""The search index's stored format, without SQLAlchemy: the kinds of container unit,
the format's version, how positions and postings are packed, how a lemma is keyed, and
a document's stored entry as read back.

Kept apart from :mod:`codage.store.search_index` (which writes and reads the index
through the full store) so that a search read through ``sqlite3``
(:mod:`codage.store.lite`) reads the same rows the same way without loading SQLAlchemy
(issue 19).
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from itertools import accumulate
from operator import sub

from codage.folding import FoldedText, fold_text

__all__ = [
    "CONTAINER_KINDS",
    "INDEX_VERSION",
    "StoredText",
    "fold_lemma",
    "pack_postings",
    "unpack",
    "unpack_postings",
]

# The units a hit belongs to (and that the ``words`` search searches within).
CONTAINER_KINDS = ("answer", "turn", "paragraph", "heading")

# The format of the rows; an entry of another version is rebuilt on its next search.
INDEX_VERSION = 1


# one to four (ordinal, start, length) triples, little-endian as _pack writes them: 48
# bytes at most, which pack_postings never compresses
_FEW = [struct.Struct(f"<{3 * n}i") for n in range(1, 5)]


def _pack(values: array[int]) -> bytes:
    # little-endian on disk, whatever the machine: a project file travels
    if sys.byteorder == "big":
        values = array("i", values)
        values.byteswap()
    return values.tobytes()


def unpack(data: bytes | None) -> array[int]:
    """Little-endian int32 values as an array."""
    values = array("i")
    if data:
        values.frombytes(data)
        if sys.byteorder == "big":
            values.byteswap()
    return values


def pack_postings(postings: array[int]) -> bytes:
    """(ordinal, start, end) triples as the index stores them: ordinals and starts as
    the step from the previous one, ends as lengths, compressed (a third of the size)."""
    if 0 < len(postings) <= 3 * len(_FEW):
        # most lemmas of a document occur there once or a few times: too short to
        # compress, and stepped here faster than through arrays (an import packs tens of
        # thousands of them)
        ordinal, start, end = postings[0], postings[1], postings[2]
        few = [ordinal, start, end - start]
        for i in range(3, len(postings), 3):
            next_ordinal, next_start, end = postings[i], postings[i + 1], postings[i + 2]
            few += (next_ordinal - ordinal, next_start - start, end - next_start)
            ordinal, start = next_ordinal, next_start
        return b"r" + _FEW[len(postings) // 3 - 1].pack(*few)
    steps = array("i", postings)
    if postings:
        # map over slices: the loop runs in C (an import steps through a million tokens)
        ordinals, starts, ends = postings[0::3], postings[1::3], postings[2::3]
        steps[3::3] = array("i", map(sub, ordinals[1:], ordinals[:-1]))
        steps[4::3] = array("i", map(sub, starts[1:], starts[:-1]))
        steps[2::3] = array("i", map(sub, ends, starts))
    raw = _pack(steps)
    # most lemmas occur a few times in a document: too short for zlib to save anything
    packed = zlib.compress(raw, 1) if len(raw) > 48 else raw
    return b"z" + packed if len(packed) < len(raw) else b"r" + raw


def unpack_postings(data: bytes) -> array[int]:
    """The (ordinal, start, end) triples :func:`pack_postings` stored."""
    body = data[1:]
    values = unpack(zlib.decompress(body) if data[:1] == b"z" else body)
    ordinals = list(accumulate(values[0::3]))
    starts = list(accumulate(values[1::3]))
    ends = [s + n for s, n in zip(starts, values[2::3], strict=True)]
    out = array("i", bytes(4 * len(values)))
    out[0::3] = array("i", ordinals)
    out[1::3] = array("i", starts)
    out[2::3] = array("i", ends)
    return out


def fold_lemma(lemma: str, cache: dict[str, str] | None = None) -> str:
    """A lemma as the index keys it: folded as the search folds texts."""
    if cache is not None:
        known = cache.get(lemma)
        if known is None:
            known = cache[lemma] = fold_text(lemma).text
        return known
    return fold_text(lemma).text


@dataclass(frozen=True, slots=True)
class StoredText:
    """A document's folded text as the index holds it."""

    document_id: int
    sha256: str
    folded: FoldedText
    sentences: array[int]
    containers: array[int]

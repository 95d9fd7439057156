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


# Postings of up to four triples (most lemmas of a document: a merge or an import packs
# hundreds of thousands of them) are too short for zlib: packed by one struct each,
# byte for byte what the array path makes of them.
_SHORT = {n: struct.Struct(f"<{n}i") for n in (3, 6, 9, 12)}


def pack_postings(postings: array[int]) -> bytes:
    """(ordinal, start, end) triples as the index stores them: ordinals and starts as
    the step from the previous one, ends as lengths, compressed (a third of the size)."""
    short = _SHORT.get(len(postings))
    if short is not None:
        ordinal, start = postings[0], postings[1]
        values = [ordinal, start, postings[2] - start]
        for i in range(3, len(postings), 3):
            o, s = postings[i], postings[i + 1]
            values += (o - ordinal, s - start, postings[i + 2] - s)
            ordinal, start = o, s
        return b"r" + short.pack(*values)
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

    @classmethod
    def from_row(cls, row: tuple[int, str, str, bytes | None, bytes, bytes]) -> StoredText:
        """From the index's row: (document id, SHA-256, folded text, the way back to the
        text or None, sentences, containers), arrays packed."""
        doc_id, sha, folded, back, sentences, containers = row
        return cls(
            doc_id,
            sha,
            FoldedText(folded, None if back is None else unpack(back)),
            unpack(sentences),
            unpack(containers),
        )

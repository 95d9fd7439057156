"""Text normalisation and its offset map, as properties.

The ingest readers store a text in one form (NFC, ``\\n`` newlines, no stray
control characters); the REFI-QDA import converts a file's positions to offsets
in that form through a map (:func:`codage.ingest.refi.offsets.stored_text`).
"""

from __future__ import annotations

import codecs
import itertools
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from codage.domain import grapheme_boundaries, normalise_text, snap_to_graphemes
from codage.ingest.encoding import clean_text, decode_bytes
from codage.ingest.errors import IngestError
from codage.ingest.refi.offsets import stored_text
from tests.properties.profile import PROFILE

# Pieces that stress normalisation: decomposed accents, lone combining marks after
# a character the readers remove, Hangul jamo (NFC composes them), every kind of
# line break, removed controls between CR and LF, astral characters.
PIECES = [
    "a", "é", "e", " ", "\t", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x85",
    "\u0301", "\u0327", "e\u0301", "\x01", "\x1f", "\x7f", "\x9f",
    "\u1100", "\u1161", "\u11a8", "😀", "🇫🇷", "\u00a0", "œ", "Å", "A\u030a",
]  # fmt: skip
raw_texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
french = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêàçôùœ ,.'’«»\n-ÉÀ0123456789"),
    min_size=1,
    max_size=80,
).filter(lambda s: s.strip())


def reader_form(raw: str) -> str | None:
    """What the readers store for ``raw`` (None: a text they refuse as empty)."""
    try:
        return clean_text(raw)
    except IngestError:
        return None


@PROFILE
@given(raw_texts)
def test_the_map_names_a_place_for_every_source_character(raw: str) -> None:
    text, mapping = stored_text(raw)
    assert len(mapping) == len(raw) + 1
    assert mapping[0] == 0 and mapping[-1] == len(text)
    assert all(a <= b for a, b in itertools.pairwise(mapping))
    assert all(0 <= m <= len(text) for m in mapping)


@PROFILE
@given(raw_texts)
# found by this property: a control the readers remove sat between a letter and its
# accent, and the mapped text kept them apart (not NFC); Hangul jamo were not composed
@example("a\x01\u0301")
@example("\u1100\u1161\u11a8")
def test_the_mapped_text_is_the_one_the_readers_store(raw: str) -> None:
    text, _ = stored_text(raw)
    expected = reader_form(raw)
    if expected is None:
        assert not text.strip()
    else:
        assert text == expected


@PROFILE
@given(st.lists(st.sampled_from(["a", "é", " ", "intranet", "\n", "\r\n", "😀"]), max_size=20))
def test_a_passage_of_plain_source_maps_onto_the_same_words(pieces: list[str]) -> None:
    raw = "".join(pieces)
    text, mapping = stored_text(raw)
    # every passage between two line breaks keeps its characters at the mapped place
    at = 0
    for piece in pieces:
        if piece not in ("\n", "\r\n"):
            assert text[mapping[at] : mapping[at + len(piece)]] == piece
        at += len(piece)


@PROFILE
@given(raw_texts)
def test_normalising_twice_changes_nothing(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\r" not in once
    assert unicodedata.is_normalized("NFC", once)
    stored = reader_form(raw)
    if stored is not None:
        assert reader_form(stored) == stored


@PROFILE
@given(french, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]), st.booleans())
def test_decoding_reads_back_what_was_encoded(text: str, encoding: str, crlf: bool) -> None:
    source = text.replace("\n", "\r\n") if crlf else text
    data = source.encode(encoding)
    assert decode_bytes(data) == normalise_text(text)
    if encoding == "utf-8":
        assert decode_bytes(codecs.BOM_UTF8 + data) == normalise_text(text)


@PROFILE
@given(raw_texts, st.data())
def test_snapping_to_graphemes_widens_onto_cluster_boundaries(
    raw: str, data: st.DataObject
) -> None:
    text = normalise_text(raw)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    new_start, new_end = snap_to_graphemes(text, start, end)
    assert new_start <= start and end <= new_end
    boundaries = grapheme_boundaries(text)
    assert new_start in boundaries and new_end in boundaries
    assert snap_to_graphemes(text, new_start, new_end) == (new_start, new_end)

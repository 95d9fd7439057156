"""Finding a passage by its text, and spans that never cut a grapheme cluster."""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from codage.domain import Span, Unit, grapheme_boundaries, normalise_text, snap_to_graphemes
from codage.passages import (
    AmbiguousPassage,
    PassageNotFound,
    find_passage,
    fold_passage,
    locate_passage,
    place_label,
)
from codage.places import Locator, number_places

# A transcript as the import stores it: NFC, "\n" newlines, typographic
# apostrophes, French guillemets with narrow no-break spaces, a no-break space
# before the question mark.
DOCUMENT = normalise_text(
    "Enquêtrice : Qu’est-ce que l’intranet a changé\u00a0?\n\n"
    "M. Garnier : On disait «\u202fça ne marchera jamais\u202f» — et puis\n"
    "la crise est arrivée… Tout le monde s’y est mis.\n\n"
    "Enquêtrice : Et la sécurité\u00a0?"
)


def _only(typed: str) -> str:
    [span] = find_passage(DOCUMENT, typed)
    return DOCUMENT[span.start : span.end]


def test_straight_apostrophes_find_typographic_ones() -> None:
    assert _only("Qu'est-ce que l'intranet") == "Qu’est-ce que l’intranet"


def test_decomposed_accents_find_the_composed_text() -> None:
    typed = unicodedata.normalize("NFD", "l’intranet a changé")
    assert typed != "l’intranet a changé"
    assert _only(typed) == "l’intranet a changé"


def test_plain_quotes_find_guillemets_and_their_inner_spaces() -> None:
    found = _only('On disait "ça ne marchera jamais"')
    assert found == "On disait «\u202fça ne marchera jamais\u202f»"
    assert _only("« ça ne marchera jamais »") == "«\u202fça ne marchera jamais\u202f»"
    assert _only("“ça ne marchera jamais”") == "«\u202fça ne marchera jamais\u202f»"


def test_crlf_runs_of_spaces_and_no_break_spaces_fold_alike() -> None:
    found = _only("et puis\r\nla   crise est arrivée...")
    assert found == "et puis\nla crise est arrivée…"
    assert _only("a changé ?") == "a changé\u00a0?"
    assert _only("a changé?") == "a changé\u00a0?"
    assert _only("  - et puis  ") == "— et puis"


def test_offsets_are_the_documents_own() -> None:
    typed = "s'y est mis."
    [span] = find_passage(DOCUMENT, typed)
    assert DOCUMENT.index("s’y est mis.") == span.start
    assert span.end == span.start + len("s’y est mis.")


def test_soft_hyphens_and_zero_width_characters_are_skipped() -> None:
    text = "Le portail intra\u00adnet est lent ; l\u200b’intranet aussi."
    assert [text[s.start : s.end] for s in find_passage(text, "intranet est lent")] == [
        "intra\u00adnet est lent"
    ]
    [span] = find_passage(text, "l'intranet")
    assert text[span.start : span.end] == "l\u200b’intranet"


def test_case_and_accents_still_matter() -> None:
    assert find_passage(DOCUMENT, "l'intranet a change") == []
    assert find_passage(DOCUMENT, "QU'EST-CE") == []


def test_ambiguous_passage_names_every_place() -> None:
    units = [
        Unit("turn", 0, DOCUMENT.index("\n\nM."), speaker="Enquêtrice"),
        Unit("turn", DOCUMENT.index("M. "), DOCUMENT.index("\n\nEnquêtrice : Et")),
        Unit("turn", DOCUMENT.index("Enquêtrice : Et"), len(DOCUMENT)),
    ]
    spans = find_passage(DOCUMENT, "Enquêtrice :")
    assert [s.start for s in spans] == [0, DOCUMENT.index("Enquêtrice : Et")]
    with pytest.raises(AmbiguousPassage) as caught:
        locate_passage(DOCUMENT, "Enquêtrice :", document="doc", locator=Locator.of(units))
    message = str(caught.value)
    assert "2 times" in message and "turn 1" in message and "turn 3" in message
    assert "--start/--end" in message and "\n" not in message
    assert caught.value.spans == spans


def test_missing_and_empty_passages_say_so() -> None:
    with pytest.raises(PassageNotFound, match="passage not found"):
        locate_passage(DOCUMENT, "rançongiciel", document="doc")
    with pytest.raises(PassageNotFound, match="empty"):
        locate_passage(DOCUMENT, " \r\n ", document="doc")


def test_overlapping_occurrences_are_all_listed() -> None:
    assert find_passage("aaa", "aa") == [Span(0, 2), Span(1, 3)]


# Words and signs a transcript holds, each with the ways a person may type it.
VARIANTS = {
    "’": ["'", "’", "‘"],
    "«\u202f": ['"', "« ", "“"],
    "\u202f»": ['"', " »", "”"],
    "\u00a0?": ["?", " ?", "\u00a0?"],
    "…": ["...", "…"],
    " ": [" ", "  ", "\r\n", "\u00a0"],
    "\n": ["\n", "\r\n", " "],
    "é": ["é", "e\u0301"],
    "—": ["-", "—", "–"],
}
WORDS = ["l", "intranet", "a", "changé", "oui", "Ça", "marche", "été", "dit"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, *VARIANTS]), min_size=1, max_size=25),
    st.data(),
)
def test_a_retyped_passage_is_found_where_it_was_taken(
    pieces: list[str], data: st.DataObject
) -> None:
    text = normalise_text("".join(pieces))
    i = data.draw(st.integers(0, len(pieces) - 1))
    j = data.draw(st.integers(i + 1, len(pieces)))
    retyped = "".join(
        data.draw(st.sampled_from(VARIANTS[p])) if p in VARIANTS else p for p in pieces[i:j]
    )
    wanted = fold_passage(retyped)
    found = find_passage(text, retyped)
    if not wanted:
        assert found == []
        return
    # the passage is found where it was taken from, and everything found reads the same
    taken_from = len(normalise_text("".join(pieces[:i])))
    taken_to = len(normalise_text("".join(pieces[:j])))
    assert any(taken_from <= s.start and s.end <= taken_to for s in found), found
    for span in found:
        assert fold_passage(text[span.start : span.end]) == wanted


# ---------------------------------------------------------------------------
# Grapheme clusters
# ---------------------------------------------------------------------------

CLUSTERS = [
    "🇫🇷",  # a flag: two regional indicators
    "👍🏽",  # an emoji with a skin tone
    "👩‍💻",  # a ZWJ sequence
    "👨‍👩‍👧‍👦",
    "e\u0301\u0302",  # a letter with combining marks that do not compose
    "q\u0303",
    "क्ष",  # a conjunct
    "❤️",  # a variation selector
]
PIECES = [*CLUSTERS, "a", " ", "\n", "é", "l’", "Ça"]


@st.composite
def texts_and_spans(draw: st.DrawFn) -> tuple[str, int, int]:
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30)))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text, start, end


@settings(max_examples=200, deadline=None)
@given(texts_and_spans())
def test_snapped_spans_never_split_a_cluster(case: tuple[str, int, int]) -> None:
    text, start, end = case
    new_start, new_end = snap_to_graphemes(text, start, end)
    bounds = grapheme_boundaries(text)
    assert new_start in bounds and new_end in bounds
    # outward only, and no further than the clusters that held the ends
    assert new_start <= start and new_end >= end
    before = max(b for b in bounds if b <= start)
    after = min(b for b in bounds if b >= end)
    assert new_start == before and new_end == after


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.data())
def test_local_snapping_agrees_with_segmenting_the_whole_text(
    text: str, data: st.DataObject
) -> None:
    # only the text around the ends is segmented: it must give what a whole pass gives
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    bounds = sorted({0, len(text)} | {b for m in regex.finditer(r"\X", text) for b in m.span()})
    expected = (max(b for b in bounds if b <= start), min(b for b in bounds if b >= end))
    assert snap_to_graphemes(text, start, end) == expected


def test_a_flag_is_never_cut() -> None:
    text = "Drapeau 🇫🇷🇩🇪 !"
    flag = text.index("🇫🇷")
    assert snap_to_graphemes(text, flag + 1, flag + 3) == (flag, flag + 4)
    assert snap_to_graphemes(text, 0, 7) == (0, 7)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=20), st.data())
def test_found_passages_hold_whole_clusters_once_snapped(
    pieces: list[str], data: st.DataObject
) -> None:
    text = normalise_text("".join(pieces))
    i = data.draw(st.integers(0, len(pieces) - 1))
    j = data.draw(st.integers(i + 1, len(pieces)))
    typed = "".join(pieces[i:j])
    if not typed.strip():
        return
    bounds = grapheme_boundaries(text)
    for span in find_passage(text, typed):
        snapped = snap_to_graphemes(text, span.start, span.end)
        assert snapped[0] in bounds and snapped[1] in bounds


# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------


def test_places_number_turns_paragraphs_and_answers_in_one_sequence() -> None:
    units = [
        Unit("paragraph", 0, 10),
        Unit("sentence", 0, 5),
        Unit("turn", 12, 30, speaker="A"),
        Unit("sentence", 15, 20),
        Unit("turn", 32, 40, speaker="B"),
    ]
    places = number_places(units)
    assert [(p.number, p.kind, p.start) for p in places] == [
        (1, "paragraph", 0),
        (2, "turn", 12),
        (3, "turn", 32),
    ]
    locate = Locator(places)
    assert locate.at(16).number == 2
    assert locate.at(11).number == 2  # between two units: the one where the words begin
    assert locate.at(45).number == 3
    assert place_label(locate.at(16)) == "turn 2"
    assert place_label(places[0]) == "para. 1"


def test_without_units_places_are_the_non_empty_lines() -> None:
    text = "Un.\n\nDeux.\nTrois."
    places = number_places([], text)
    assert [(p.number, text[p.start : p.end]) for p in places] == [
        (1, "Un."),
        (2, "Deux."),
        (3, "Trois."),
    ]

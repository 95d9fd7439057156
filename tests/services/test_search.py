"""The text search the workbench's ``/`` runs."""

from __future__ import annotations

import pytest

from codage.domain import Span
from codage.services.search import SearchError, SearchMode, find_spans

TEXT = "L'intranet (v2) ? Personne ne lisait l'Intranet.\nPuis l'INTRANET a changé."


def test_text_search_is_literal_and_blind_to_case() -> None:
    hits = find_spans(TEXT, "intranet")
    assert [TEXT[h.start : h.end] for h in hits] == ["intranet", "Intranet", "INTRANET"]
    assert hits == sorted(hits, key=lambda h: h.start)
    # characters that mean something in a regular expression are taken as typed
    assert find_spans(TEXT, "(v2) ?") == [Span(TEXT.index("(v2)"), TEXT.index("(v2)") + 6)]


def test_case_can_count() -> None:
    assert [TEXT[h.start : h.end] for h in find_spans(TEXT, "Intranet", ignore_case=False)] == [
        "Intranet"
    ]


def test_empty_query_and_no_hit_find_nothing() -> None:
    assert find_spans(TEXT, "") == []
    assert find_spans(TEXT, "rançongiciel") == []


def test_offsets_are_code_points() -> None:
    text = "é😀 changé"
    (hit,) = find_spans(text, "changé")
    assert (hit.start, hit.end) == (3, 9)


def test_regex_mode() -> None:
    hits = find_spans(TEXT, r"l'\w+", SearchMode.REGEX)
    assert [TEXT[h.start : h.end] for h in hits] == ["L'intranet", "l'Intranet", "l'INTRANET"]
    # a pattern that matches nothing wide gives no empty span
    assert find_spans(TEXT, r"x*", SearchMode.REGEX) == []


def test_a_broken_regex_is_one_clear_error() -> None:
    with pytest.raises(SearchError, match="not a valid regular expression"):
        find_spans(TEXT, "(unclosed", SearchMode.REGEX)


def test_text_search_is_blind_to_accents_and_gives_stored_spans() -> None:
    text = "La sécurité d'abord ; la securite ensuite ; SÉCURITÉ enfin. Straße."
    hits = find_spans(text, "securite")
    assert [text[h.start : h.end] for h in hits] == ["sécurité", "securite", "SÉCURITÉ"]
    # a character that folds to two ("ß" -> "ss") keeps the spans exact
    (hit,) = find_spans(text, "strasse")
    assert text[hit.start : hit.end] == "Straße"
    assert [text[h.start : h.end] for h in find_spans(text, "sécurité", accents=False)] == [
        "sécurité",
        "SÉCURITÉ",
    ]

"""Searching one text: folding it for case- and accent-blind matching with a map back to
the stored text, and the matchers every mode of the search is built on.

Offsets are code-point offsets into the stored text, end exclusive, like every span of
codage: a hit found in the folded text is mapped back, so that it is an exact span of the
text a coding stores.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from enum import Enum

import regex

from codage.domain import Span
from codage.folding import FoldedText, fold_char, fold_text

__all__ = [
    "REGEX_TIMEOUT",
    "FoldedText",
    "SearchError",
    "SearchMode",
    "find_spans",
    "fold_query",
    "fold_text",
    "regex_spans",
]

# Seconds a regular expression may run over the whole corpus before it is given up.
REGEX_TIMEOUT = 2.0


class SearchMode(Enum):
    """How the workbench's ``/`` reads a query."""

    TEXT = "text"  # the characters as typed, blind to case and accents
    REGEX = "regex"  # a regular expression


class SearchError(ValueError):
    """A query that cannot be searched (a bad or too slow regular expression, ...)."""


def fold_query(query: str, *, accents: bool = True) -> str:
    """A query folded as :func:`fold_text` folds texts (composed first: a typed query may
    come decomposed)."""
    return "".join(fold_char(ch, accents) for ch in unicodedata.normalize("NFC", query))


def exact_spans(folded: FoldedText, needle: str) -> Iterator[Span]:
    """Non-overlapping occurrences of a folded ``needle``, as stored spans, in text order."""
    if not needle:
        return
    text = folded.text
    at = text.find(needle)
    step = len(needle)
    while at >= 0:
        yield folded.span(at, at + step)
        at = text.find(needle, at + step)


def compile_regex(query: str, *, ignore_case: bool = True) -> regex.Pattern[str]:
    """The pattern of a query, or SearchError with one line saying why not."""
    flags = regex.IGNORECASE | regex.VERSION0 if ignore_case else regex.VERSION0
    try:
        return regex.compile(query, flags)
    except regex.error as exc:
        raise SearchError(f"not a valid regular expression {query!r}: {exc}") from None


def regex_spans(pattern: regex.Pattern[str], text: str, *, timeout: float) -> list[Span]:
    """Matches of ``pattern`` that hold something; SearchError when it runs over ``timeout``
    seconds (a catastrophic pattern ends with a message, not a hang)."""
    try:
        return [
            Span(m.start(), m.end())
            for m in pattern.finditer(text, timeout=max(timeout, 0.001))
            if m.end() > m.start()
        ]
    except TimeoutError:
        raise SearchError(
            f"the regular expression {pattern.pattern!r} took longer than "
            f"{REGEX_TIMEOUT:g} s and was stopped; make it simpler"
        ) from None


def find_spans(
    text: str,
    query: str,
    mode: SearchMode = SearchMode.TEXT,
    *,
    ignore_case: bool = True,
    accents: bool = True,
) -> list[Span]:
    """Every non-overlapping occurrence of ``query`` in ``text``, in text order.

    Text queries are blind to case and to accents (unless ``accents`` is False), as
    the corpus search's ``exact`` mode; with ``ignore_case`` False they are taken
    character for character. An empty
    query finds nothing; so do matches of a regular expression that cover no
    character (a span must hold something to be shown or jumped to).
    """
    if not query:
        return []
    if mode is SearchMode.REGEX:
        pattern = compile_regex(query, ignore_case=ignore_case)
        return regex_spans(pattern, text, timeout=REGEX_TIMEOUT)
    if not ignore_case:
        # case counts: the characters exactly as typed
        return list(exact_spans(FoldedText(text, None), query))
    return list(exact_spans(fold_text(text, accents=accents), fold_query(query, accents=accents)))

"""Searching a text: the spans where a query occurs, as the workbench's ``/`` finds them.

The search is literal and blind to case by default; a regular expression can be asked for.
Offsets are code-point offsets into the text, end exclusive, like every span of codage.
"""

from __future__ import annotations

import re
from enum import Enum

from codage.domain import Span

__all__ = ["SearchError", "SearchMode", "find_spans"]


class SearchMode(Enum):
    """How a query is read."""

    TEXT = "text"  # the characters as typed
    REGEX = "regex"  # a Python regular expression


class SearchError(ValueError):
    """A query that cannot be searched (a regular expression that does not compile)."""


def find_spans(
    text: str,
    query: str,
    mode: SearchMode = SearchMode.TEXT,
    *,
    ignore_case: bool = True,
) -> list[Span]:
    """Every non-overlapping occurrence of ``query`` in ``text``, in text order.

    An empty query finds nothing; so do matches of a regular expression that cover no
    character (a span must hold something to be shown or jumped to).
    """
    if not query:
        return []
    flags = re.IGNORECASE if ignore_case else 0
    if mode is SearchMode.TEXT:
        pattern = re.compile(re.escape(query), flags)
    else:
        try:
            pattern = re.compile(query, flags)
        except re.error as exc:
            raise SearchError(f"not a valid regular expression {query!r}: {exc}") from None
    return [Span(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]

"""Search: the spans of one text where a query occurs (the workbench's ``/``), the corpus
search of both faces (exact, words, lemma, regex, fuzzy, with filters) and auto-coding
from a search, as one journal step."""

from __future__ import annotations

from codage.services.search.autocode import (
    SCOPES,
    UNIT_SCOPE,
    AutocodePlan,
    apply_autocode,
    plan_autocode,
)
from codage.services.search.corpus import (
    DEFAULT_THRESHOLD,
    MODES,
    REGEX_TIMEOUT,
    Lemmatizer,
    SearchFilters,
    SearchHit,
    SearchResult,
    search_corpus,
)
from codage.services.search.text import SearchError, SearchMode, find_spans

__all__ = [
    "DEFAULT_THRESHOLD",
    "MODES",
    "REGEX_TIMEOUT",
    "SCOPES",
    "UNIT_SCOPE",
    "AutocodePlan",
    "Lemmatizer",
    "SearchError",
    "SearchFilters",
    "SearchHit",
    "SearchMode",
    "SearchResult",
    "apply_autocode",
    "find_spans",
    "plan_autocode",
    "search_corpus",
]

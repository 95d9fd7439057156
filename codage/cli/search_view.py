"""``codage search`` without Typer: what its Typer command and the light start
(:mod:`codage.cli.light`) both run.

The corpus is read through :func:`codage.services.reading.reading`: on a SQLite project
at the head schema whose search index is up to date, the standard library's ``sqlite3``
(no SQLAlchemy, and no language model but for a ``lemma`` query whose words the corpus
does not know), so that ``codage search`` starts as fast as a listing (issue 19).
Where the index must be written first, the search runs on the full store, which brings
it up to date and keeps it, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from codage.cli import reporting
from codage.cli.reporting import emit_json, register_expected
from codage.i18n import register, t

if TYPE_CHECKING:
    from rich.text import Text

    from codage.services.search import Lemmatizer, SearchHit, SearchResult
    from codage.services.search.index import SearchSource

__all__ = ["check_mode", "lemmatizer", "show_search"]

# codage.services.search.DEFAULT_THRESHOLD, which the help shows as the default
# (tests/cli/test_start_up.py checks that the two agree)
DEFAULT_THRESHOLD = 85.0

register_expected("codage.services.search.text:SearchError")

register(
    {
        "search.title": {
            "en": "{total} hit(s) for {query} ({mode})",
            "fr": "{total} résultat(s) pour {query} ({mode})",
        },
        "search.more": {
            "en": "{shown} shown of {total}; --limit 0 shows them all",
            "fr": "{shown} affichés sur {total} ; --limit 0 les affiche tous",
        },
        "search.col.where": {"en": "Where", "fr": "Où"},
        "search.col.hit": {"en": "Hit in context", "fr": "Résultat en contexte"},
        "search.col.score": {"en": "Score", "fr": "Score"},
    }
)


def check_mode(mode: str) -> str:
    """``mode`` if the search knows it, else :class:`SearchError` naming the modes."""
    from codage.services.search import MODES, SearchError

    if mode not in MODES:
        raise SearchError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    return mode


def lemmatizer(mode: str) -> Lemmatizer | None:
    """The language model's lemmas of a query, for the lemma mode only."""
    if mode != "lemma":
        return None
    # Only the lemma mode needs the language model: the other modes start without it.
    from codage.ingest.nlp import query_lemmas

    return query_lemmas


def _hit_text(hit: SearchHit) -> Text:
    from rich.text import Text

    from codage.display import plain

    line = Text()
    if hit.before:
        line.append_text(plain("…" + hit.before, "dim"))
    line.append_text(plain(" ".join(hit.text.split()), "bold reverse"))
    if hit.after:
        line.append_text(plain(hit.after + "…", "dim"))
    return line


def _where(hit: SearchHit) -> Text:
    from codage.display import plain

    parts = [hit.document, f"{hit.start}–{hit.end}"]
    if hit.speaker:
        parts.append(hit.speaker)
    if hit.case is not None:
        parts.append(hit.case.name)
    return plain(" · ".join(parts))


def show_search(
    query: str,
    mode: str = "exact",
    code: str | None = None,
    document: list[str] | None = None,
    case: list[str] | None = None,
    limit: int = 50,
    threshold: float = DEFAULT_THRESHOLD,
    accents: bool = False,
    project: str | None = None,
    json_: bool = False,
) -> None:
    """Search the corpus and print the hits ranked: a table, or JSON with ``json_``."""
    from codage.services.reading import reading
    from codage.services.search import SearchFilters, search_corpus
    from codage.store.lite_search import IndexNeedsWriting

    check_mode(mode)

    def searched(location: str | None, light: bool) -> SearchResult:
        from codage.services import open_project

        with reading(location) if light else open_project(location, create=False) as proj:
            return search_corpus(
                # reading() opens one of the two kinds of project a search reads
                cast("SearchSource", proj),
                query,
                mode,
                filters=SearchFilters(code, tuple(document or ()), tuple(case or ())),
                limit=limit or None,
                threshold=threshold,
                accent_blind=not accents,
                lemmatize=lemmatizer(mode),
            )

    try:
        result = searched(project, True)
    except IndexNeedsWriting:
        # the full store brings the index up to date, keeps it, and searches
        result = searched(project, False)
    if json_:
        emit_json(result.to_json())
        return
    from rich.text import Text

    from codage.cli.quick_table import QuickTable as Table
    from codage.display import plain

    console = reporting.console
    table = Table(title=plain(t("search.title", total=result.total, query=repr(query), mode=mode)))
    table.add_column(t("search.col.where"), overflow="fold", ratio=1)
    table.add_column(t("search.col.hit"), overflow="fold", ratio=3)
    if mode in ("fuzzy", "words"):
        table.add_column(t("search.col.score"), justify="right")
    for hit in result.hits:
        cells = [_where(hit), _hit_text(hit)]
        if mode in ("fuzzy", "words"):
            cells.append(Text(f"{hit.score:.0f}"))
        table.add_row(*cells)
    console.print(table)
    if len(result.hits) < result.total:
        console.print(plain(t("search.more", shown=len(result.hits), total=result.total)))

"""``codage search`` and ``codage autocode``: the corpus search, and coding its hits in one
journal step (``codage undo`` takes them all back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    handle_errors,
    project_from,
    register_expected,
)
from codage.i18n import register, t

# The search wing (rapidfuzz, regex and the full store) loads when a search runs, not
# when `codage search --help` is asked.
if TYPE_CHECKING:
    from rich.text import Text

    from codage.services.search import Lemmatizer, SearchHit

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
        "autocode.preview": {
            "en": 'Would code {n} passage(s) with "{code}" ({scope}); nothing written (--dry-run)',
            "fr": "Coderait {n} passage(s) avec « {code} » ({scope}) ; rien n'est écrit "
            "(--dry-run)",
        },
        "autocode.done": {
            "en": 'Coded {n} passage(s) with "{code}" ({scope}), marked automatic; '
            "`codage undo` takes them all back",
            "fr": "{n} passage(s) codé(s) avec « {code} » ({scope}), marqués automatiques ; "
            "`codage undo` les retire tous",
        },
        "autocode.already": {
            "en": "{n} already coded so by {coder}: left as they are",
            "fr": "{n} déjà codé(s) ainsi par {coder} : laissés tels quels",
        },
        "autocode.no_unit": {
            "en": "{n} hit(s) not in any {scope}: not coded",
            "fr": "{n} résultat(s) hors de toute unité « {scope} » : non codé(s)",
        },
    }
)

ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        "-m",
        help="exact (case- and accent-blind), words (all, in one unit), lemma, regex, fuzzy.",
    ),
]
CodeFilter = Annotated[
    str | None,
    typer.Option(
        "--code",
        help="Only inside passages coded with this code (or its children).",
        show_default=False,
    ),
]
DocumentFilter = Annotated[
    list[str] | None,
    typer.Option("--document", help="Only in this document (repeatable).", show_default=False),
]
CaseFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--case",
        help="Only in cases with this KEY=VALUE attribute (repeatable).",
        show_default=False,
    ),
]
ThresholdOption = Annotated[
    float,
    typer.Option("--threshold", help="fuzzy: the lowest score kept, 0 to 100.", min=0, max=100),
]
AccentsOption = Annotated[
    bool,
    typer.Option(
        "--accents/--no-accents",
        help="exact and words: accents count (default: they do not).",
    ),
]


def _check_mode(mode: str) -> str:
    from codage.services.search import MODES, SearchError

    if mode not in MODES:
        raise SearchError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    return mode


def _lemmatizer(mode: str) -> Lemmatizer | None:
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


@app.command()
@handle_errors
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    mode: ModeOption = "exact",
    code: CodeFilter = None,
    document: DocumentFilter = None,
    case: CaseFilter = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many hits (0: all).", min=0)
    ] = 50,
    threshold: ThresholdOption = DEFAULT_THRESHOLD,
    accents: AccentsOption = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Search the corpus: hits ranked, with their document, speaker and case."""
    from rich.text import Text

    from codage.cli.quick_table import QuickTable as Table
    from codage.display import plain
    from codage.services.search import SearchFilters, search_corpus

    _check_mode(mode)
    with project_from(project) as proj:
        result = search_corpus(
            proj,
            query,
            mode,
            filters=SearchFilters(code, tuple(document or ()), tuple(case or ())),
            limit=limit or None,
            threshold=threshold,
            accent_blind=not accents,
            lemmatize=_lemmatizer(mode),
        )
    if json_:
        emit_json(result.to_json())
        return
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


@app.command()
@handle_errors
def autocode(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    code_path: Annotated[str, typer.Argument(help="The code to apply (path).")],
    mode: ModeOption = "exact",
    code: CodeFilter = None,
    document: DocumentFilter = None,
    case: CaseFilter = None,
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="What is coded for each hit: match (the hit), or its sentence, turn, "
            "paragraph or answer.",
        ),
    ] = "match",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be coded; write nothing.")
    ] = False,
    threshold: ThresholdOption = DEFAULT_THRESHOLD,
    accents: AccentsOption = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Code every hit of a search (or its unit) as one step, marked automatic."""
    from codage.cli.quick_table import QuickTable as Table
    from codage.display import plain
    from codage.services.search import (
        SCOPES,
        SearchError,
        SearchFilters,
        apply_autocode,
        plan_autocode,
        search_corpus,
    )

    _check_mode(mode)
    if scope not in SCOPES:
        raise SearchError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
    who = coder_from(coder)
    with project_from(project, create=not dry_run) as proj:
        result = search_corpus(
            proj,
            query,
            mode,
            filters=SearchFilters(code, tuple(document or ()), tuple(case or ())),
            threshold=threshold,
            accent_blind=not accents,
            lemmatize=_lemmatizer(mode),
        )
        plan = plan_autocode(proj, result, code_path, coder=who, scope=scope)
        if not dry_run:
            apply_autocode(proj, plan, query=query, mode=mode)
    if json_:
        emit_json({**plan.to_json(), "dry_run": dry_run})
        return
    path = plan.code.path_str
    if dry_run:
        console.print(plain(t("autocode.preview", n=len(plan.new), code=path, scope=scope)))
        table = Table()
        table.add_column(t("search.col.where"), overflow="fold", ratio=1)
        table.add_column(t("search.col.hit"), overflow="fold", ratio=3)
        for p in plan.new[:20]:
            excerpt = " ".join(p.text.split())
            table.add_row(
                plain(f"{p.document} · {p.start}–{p.end}"),
                plain(excerpt if len(excerpt) < 200 else excerpt[:197] + "…"),
            )
        if plan.new:
            console.print(table)
    else:
        console.print(plain(t("autocode.done", n=plan.added, code=path, scope=scope)))
    if plan.already:
        console.print(plain(t("autocode.already", n=len(plan.already), coder=plan.coder)))
    if plan.without_unit:
        console.print(plain(t("autocode.no_unit", n=len(plan.without_unit), scope=scope)))

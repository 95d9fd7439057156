"""``codage search`` and ``codage autocode``: the corpus search, and coding its hits in one
journal step (``codage undo`` takes them all back)."""

from __future__ import annotations

from typing import Annotated

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
)
from codage.cli.search_view import DEFAULT_THRESHOLD, check_mode, lemmatizer, show_search
from codage.i18n import register, t

# The search wing (rapidfuzz, regex and the full store) loads when a search runs, not
# when `codage search --help` is asked; the search's own strings and errors are
# registered by codage.cli.search_view.
__all__ = ["DEFAULT_THRESHOLD", "autocode", "search"]

register(
    {
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
    # The body is shared with the light start (codage.cli.light), which runs it without Typer.
    show_search(query, mode, code, document, case, limit, threshold, accents, project, json_)


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

    check_mode(mode)
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
            lemmatize=lemmatizer(mode),
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

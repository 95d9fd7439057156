"""``codage similar``, ``codage suggest`` and ``codage assist-runs``: passages like a
passage, the codes a team uses for such passages, and what produced them, offline.

A suggestion is never applied by itself: ``codage suggest DOC --start S --end E
--accept CODE`` is the person's act, and the coding it makes is marked suggested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    fail,
    handle_errors,
    project_from,
    register_expected,
)
from codage.display import plain
from codage.i18n import register, t

# The assist wing (numpy, the vectors) loads when one of its commands runs, not for
# `--help` or the other commands (tests/cli/test_start_up.py).
if TYPE_CHECKING:
    from codage.domain import Document
    from codage.services import Project, assist
    from codage.services.passages import NamedSpan
register_expected("codage.services.assist.vectors:AssistError")

register(
    {
        "assist.similar.title": {
            "en": "Passages like {what} ({method}: {model})",
            "fr": "Passages semblables à {what} ({method} : {model})",
        },
        "assist.col.where": {"en": "Where", "fr": "Où"},
        "assist.col.passage": {"en": "Passage", "fr": "Passage"},
        "assist.col.codes": {"en": "Codes", "fr": "Codes"},
        "assist.col.score": {"en": "Score", "fr": "Score"},
        "assist.col.code": {"en": "Suggested code", "fr": "Code suggéré"},
        "assist.col.evidence": {"en": "Evidence", "fr": "Indices"},
        "assist.suggest.title": {
            "en": "{document} {start}–{end}: {text}",
            "fr": "{document} {start}–{end} : {text}",
        },
        "assist.suggest.none": {
            "en": "No uncoded passage in {document}, or no coded passage to learn from.",
            "fr": "Aucun passage non codé dans {document}, ou aucun passage codé dont apprendre.",
        },
        "assist.suggest.footer": {
            "en": "{n} passage(s); nothing was coded ({method}: {model})",
            "fr": "{n} passage(s) ; rien n'a été codé ({method} : {model})",
        },
        "assist.accepted": {
            "en": 'Coded {document} {start}–{end} with "{code}" as {coder}, marked suggested',
            "fr": "{document} {start}–{end} codé avec « {code} » par {coder}, marqué comme suggéré",
        },
        "assist.runs.title": {"en": "Assistance runs", "fr": "Exécutions de l'assistance"},
    }
)

MethodOption = Annotated[
    str,
    typer.Option(
        "--method",
        help="auto (the model's word vectors where codage[assist] is installed, else "
        "tfidf), vectors or tfidf.",
    ),
]
StartOption = Annotated[int | None, typer.Option(help="Start offset (code points).")]
EndOption = Annotated[int | None, typer.Option(help="End offset, exclusive.")]
TopOption = Annotated[int, typer.Option("--top", help="How many to show.", min=1, max=1000)]


def passage_span(
    project: Project,
    document: Document,
    *,
    text: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> NamedSpan | None:
    """:func:`codage.services.passages.passage_span`, its module (and regex) loaded when
    a passage is named rather than for `--help`."""
    from codage.services.passages import passage_span as find

    return find(project, document, text=text, start=start, end=end)


def _method(method: str) -> str:
    from codage.services import assist

    if method not in assist.METHODS:
        raise assist.AssistError(f"unknown method {method!r}: one of {', '.join(assist.METHODS)}")
    return method


def _short(text: str, size: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def _index(project: Project, method: str) -> assist.AssistIndex:
    from codage.services import assist

    return assist.build_index(project, _method(method))


@app.command()
@handle_errors
def similar(
    document: Annotated[
        str | None,
        typer.Argument(help="Document of the passage (leave out with --text to compare a text)."),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            help="With DOC: the passage as it reads; without: any text to compare.",
        ),
    ] = None,
    top: TopOption = 10,
    method: MethodOption = "auto",
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """The units most like a passage across the corpus, with a similarity score."""
    from codage.services import assist, resolve_document

    if document is None and text is None:
        raise fail("give DOC with --start and --end (or --text), or --text alone")
    if document is not None and (text is None) == (start is None or end is None):
        raise fail("give either --start and --end, or --text")
    who = coder_from(coder)
    with project_from(project) as proj:
        index = _index(proj, method)
        if document is None:
            from codage.ingest.nlp import query_lemmas

            found = assist.similar_passages(
                proj, index, coder=who, text=text, lemmatize=query_lemmas, top=top
            )
            what = repr(_short(text or "", 60))
        else:
            doc = proj.document(resolve_document(proj, document).id)
            span = passage_span(proj, doc, text=text, start=start, end=end)
            assert span is not None
            found = assist.similar_passages(
                proj,
                index,
                coder=who,
                document_id=doc.id,
                start=span.start,
                end=span.end,
                top=top,
            )
            what = f"{doc.name} {span.start}–{span.end}"
    if json_:
        emit_json([p.as_json() for p in found])
        return
    table = Table(
        title=plain(
            t("assist.similar.title", what=what, method=index.method.name, model=index.method.model)
        )
    )
    table.add_column(t("assist.col.score"), justify="right")
    table.add_column(t("assist.col.where"), overflow="fold", ratio=1)
    table.add_column(t("assist.col.passage"), overflow="fold", ratio=3)
    table.add_column(t("assist.col.codes"), overflow="fold", ratio=1)
    for p in found:
        where = " · ".join(
            x for x in (p.document, f"{p.start}–{p.end}", p.speaker or "", p.case or "") if x
        )
        codes = Text("\n").join(plain(c) for c in p.codes)
        table.add_row(f"{p.score:.2f}", plain(where), plain(_short(p.text)), codes)
    console.print(table)


def _print_suggestions(items: list[assist.PassageSuggestions]) -> None:
    for item in items:
        table = Table(
            title=plain(
                t(
                    "assist.suggest.title",
                    document=item.document,
                    start=item.start,
                    end=item.end,
                    text=_short(item.text, 100),
                )
            ),
            title_justify="left",
        )
        table.add_column(t("assist.col.score"), justify="right")
        table.add_column(t("assist.col.code"), overflow="fold", ratio=1)
        table.add_column(t("assist.col.evidence"), overflow="fold", ratio=2)
        for s in item.suggestions:
            # one line per piece of evidence (plain() would show a newline as a mark)
            evidence = Text("\n").join(
                plain(f"{e.document} {e.start}–{e.end} ({e.coder}): {_short(e.text, 90)}")
                for e in s.evidence
            )
            table.add_row(f"{s.score:.2f}", plain(s.code), evidence)
        console.print(table)


@app.command()
@handle_errors
def suggest(
    document: Annotated[str, typer.Argument(help="Document name.")],
    start: StartOption = None,
    end: EndOption = None,
    text: Annotated[str | None, typer.Option("--text", help="The passage, as it reads.")] = None,
    accept: Annotated[
        str | None,
        typer.Option(
            "--accept",
            help="Code the passage with this code (path), marked as accepted from a "
            "suggestion. Without it nothing is ever coded.",
            show_default=False,
        ),
    ] = None,
    top: TopOption = 3,
    method: MethodOption = "auto",
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Codes suggested for each uncoded passage of a document, with the passages behind them.

    One passage only with --start and --end, or with --text."""
    from codage.services import assist, resolve_code, resolve_document

    one = text is not None or start is not None or end is not None
    if one and (text is None) == (start is None or end is None):
        raise fail("give either --start and --end, or --text")
    if accept is not None and not one:
        raise fail("--accept codes one passage: give it with --start and --end, or --text")
    who = coder_from(coder)
    with project_from(project) as proj:
        doc = proj.document(resolve_document(proj, document).id)
        if accept is not None:
            span = passage_span(proj, doc, text=text, start=start, end=end)
            assert span is not None
            target = resolve_code(proj, accept)
            coding = assist.accept_suggestion(
                proj, doc.id, target.id, span.start, span.end, coder=who
            )
            if json_:
                emit_json(
                    {
                        "document": doc.name,
                        "start": coding.start,
                        "end": coding.end,
                        "text": coding.text,
                        "code": target.path_str,
                        "coder": coding.coder,
                        "suggested": coding.suggested,
                    }
                )
                return
            console.print(
                plain(
                    t(
                        "assist.accepted",
                        document=doc.name,
                        start=coding.start,
                        end=coding.end,
                        code=target.path_str,
                        coder=coding.coder,
                    )
                )
            )
            return
        index = _index(proj, method)
        # definitions are compared by their written words: loading the language model
        # to lemmatize a few lines of codebook would cost more than the suggestions
        suggester = assist.build_suggester(proj, index)
        if one:
            span = passage_span(proj, doc, text=text, start=start, end=end)
            assert span is not None
            items = [
                assist.suggest_for_passage(
                    proj, suggester, doc.id, span.start, span.end, coder=who, top=top
                )
            ]
        else:
            items = assist.suggest_codes(proj, suggester, doc.id, coder=who, top=top)
    if json_:
        emit_json([item.as_json() for item in items])
        return
    if not items or not any(item.suggestions for item in items):
        console.print(plain(t("assist.suggest.none", document=doc.name)))
        return
    _print_suggestions(items)
    console.print(
        plain(
            t(
                "assist.suggest.footer",
                n=len(items),
                method=index.method.name,
                model=index.method.model,
            )
        )
    )


@app.command("assist-runs")
@handle_errors
def assist_runs(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """What produced each similarity and suggestion run: method, model, parameters."""
    with project_from(project) as proj:
        runs = proj.assist_runs()
    if json_:
        emit_json(
            [
                {
                    "at": r.at.isoformat(),
                    "coder": r.coder,
                    "command": r.command,
                    "method": r.method,
                    "model": r.model,
                    "parameters": r.parameters,
                    "seconds": r.seconds,
                    "units": r.units,
                }
                for r in runs
            ]
        )
        return
    table = Table(title=t("assist.runs.title"))
    for column in ("at", "coder", "command", "method", "model", "seconds", "units"):
        table.add_column(column)
    for r in runs:
        table.add_row(
            r.at.strftime("%Y-%m-%d %H:%M:%S"),
            plain(r.coder),
            r.command,
            r.method,
            plain(r.model),
            f"{r.seconds:.3f}",
            str(r.units),
        )
    console.print(table)

"""Commands for a team of coders: merge projects, and place or discard what a merge kept aside.

Agreement and consensus live in :mod:`codage.cli.agreement_cmds`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

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
)
from codage.display import markup_safe, plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.analysis.merge import MergeReport
    from codage.domain import AsideCoding
    from codage.services import Project

register(
    {
        "team.merged": {
            "en": "Merged {sources} project(s) into {target}",
            "fr": "{sources} projet(s) fusionné(s) dans {target}",
        },
        "team.aside_note": {
            "en": "{count} coding(s) could not be placed and are kept aside: see `codage aside`",
            "fr": "{count} codage(s) n'ont pu être placés et sont mis de côté : "
            "voir `codage aside`",
        },
        "team.conflicts": {"en": "Conflicts", "fr": "Conflits"},
        "team.aside": {"en": "Codings kept aside", "fr": "Codages mis de côté"},
        "team.no_aside": {
            "en": "No coding is kept aside.",
            "fr": "Aucun codage n'est mis de côté.",
        },
        "team.aside_placed": {
            "en": "Placed #{id}: {code} by {coder} on {document} [{start}, {end})",
            "fr": "#{id} placé : {code} de {coder} sur {document} [{start}, {end})",
        },
        "team.aside_discarded": {
            "en": "Discarded #{id} ({document}); `codage undo` takes it back.",
            "fr": "#{id} écarté ({document}) ; `codage undo` le rétablit.",
        },
        "col.source": {"en": "Source", "fr": "Source"},
        "col.reason": {"en": "Reason", "fr": "Motif"},
    }
)


# ---------------------------------------------------------------------------
# merge
# ---------------------------------------------------------------------------


def _print_merge(report: MergeReport) -> None:
    table = Table(title=plain(t("team.merged", sources=len(report.sources), target=report.target)))
    table.add_column(t("col.source"), overflow="fold")
    labels = {
        "documents_added": "docs +",
        "documents_matched_sha": "docs = text",
        "documents_matched_name": "docs = name",
        "codes_added": "codes +",
        "codes_matched": "codes =",
        "code_conflicts": "code conflicts",
        "cases_added": "cases +",
        "cases_updated": "cases ~",
        "codings_added": "codings +",
        "codings_duplicates": "duplicates",
        "codings_reanchored": "re-anchored",
        "codings_aside": "aside",
        "memos_added": "memos +",
    }
    for label in labels.values():
        table.add_column(label, justify="right")
    from codage.analysis.merge import summary_rows

    for row in summary_rows(report):
        table.add_row(plain(row["source"]), *(str(row[key]) for key in labels))
    console.print(table)
    conflicts = [line for s in report.sources for line in (*s.code_conflicts, *s.case_conflicts)]
    for line in conflicts:
        console.print(f"[yellow]{t('team.conflicts')}:[/] {markup_safe(line)}", highlight=False)
    aside = sum(len(s.codings_aside) - s.codings_aside_known for s in report.sources)
    if aside:
        console.print(f"[yellow]{t('team.aside_note', count=aside)}[/]", highlight=False)


@app.command()
@handle_errors
def merge(
    target: Annotated[str, typer.Argument(help="Project to merge into (path or URL).")],
    sources: Annotated[list[str], typer.Argument(help="Projects to merge from (paths or URLs).")],
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Merge coders' projects into one: documents, codebook, cases, memos and codings."""
    from codage.analysis.merge import merge_projects
    from codage.services import open_project

    who = coder_from(coder)
    opened: list[Project] = []
    try:
        for location in sources:
            opened.append(open_project(location, create=False))
        with project_from(target, create=True) as proj:
            if json_:
                report = merge_projects(proj, opened, coder=who)
            else:
                with console.status("merge…") as status:

                    def progress(stage: str, done: int, total: int) -> None:
                        status.update(f"merge: {stage} {done}/{total}")

                    report = merge_projects(proj, opened, coder=who, progress=progress)
    finally:
        for project in opened:
            project.close()
    if json_:
        emit_json(report.to_dict())
        return
    _print_merge(report)


aside_app = typer.Typer(
    help="List, place or discard the codings a merge could not place.",
    invoke_without_command=True,
)
app.add_typer(aside_app, name="aside")


def _aside_row(a: AsideCoding) -> dict[str, object]:
    return {
        "id": a.id,
        "document": a.document_name,
        "code": a.code_path,
        "coder": a.coder,
        "start": a.start,
        "end": a.end,
        "text": a.text,
        "memo": a.memo,
        "source": a.source,
        "reason": a.reason,
    }


@aside_app.callback()
@handle_errors
def aside(ctx: typer.Context, project: ProjectOption = None, json_: JsonOption = False) -> None:
    """List the codings a merge could not place, kept aside for you to place."""
    if ctx.invoked_subcommand is not None:
        # `codage aside -p X place 3`: the sub-command works on that project too
        ctx.obj = project
        return
    with project_from(project) as proj:
        kept = proj.codings_aside()
    rows = [_aside_row(a) for a in kept]
    if json_:
        emit_json(rows)
        return
    if not rows:
        console.print(t("team.no_aside"))
        return
    table = Table(title=f"{t('team.aside')} ({len(rows)})")
    for col in ("#", t("col.document"), t("col.path"), t("col.coder"), t("col.span")):
        table.add_column(col, overflow="fold")
    table.add_column(t("col.text"), overflow="fold", max_width=50)
    table.add_column(t("col.reason"), overflow="fold", max_width=40)
    # the table reads the records themselves: the rows are untyped JSON-ready mappings
    for a in kept:
        excerpt = " ".join(str(a.text).split())
        table.add_row(
            str(a.id),
            plain(a.document_name),
            plain(a.code_path),
            plain(a.coder),
            f"{a.start}–{a.end}",
            plain(excerpt if len(excerpt) < 120 else excerpt[:117] + "…"),
            plain(a.reason),
        )
    console.print(table)


@aside_app.command("place")
@handle_errors
def aside_place(
    ctx: typer.Context,
    aside_id: Annotated[int, typer.Argument(metavar="ID", help="Id shown by `codage aside`.")],
    start: Annotated[
        int | None, typer.Option("--start", help="Start offset in the document's text.")
    ] = None,
    end: Annotated[int | None, typer.Option("--end", help="End offset (exclusive).")] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="Place on this passage (nearest its old place)."),
    ] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Turn a coding kept aside into a coding, on offsets or on a passage (undoable)."""
    from codage.analysis.aside import place_aside_on_text

    offsets = start is not None or end is not None
    if offsets == (text is not None):
        raise fail("give either --start and --end, or --text")
    if offsets and (start is None or end is None):
        raise fail("--start and --end go together")
    who = coder_from(coder)
    with project_from(project or ctx.obj) as proj:
        if text is not None:
            placed = place_aside_on_text(proj, aside_id, text, coder=who)
        else:
            assert start is not None and end is not None
            placed = proj.place_aside(aside_id, start, end, coder=who)
        document = proj.document_info(placed.document_id).name
        code = proj.code(placed.code_id).path_str
    if json_:
        emit_json(
            {
                "aside_id": aside_id,
                "coding_id": placed.id,
                "document": document,
                "code": code,
                "coder": placed.coder,
                "start": placed.start,
                "end": placed.end,
                "text": placed.text,
            }
        )
        return
    console.print(
        plain(
            t(
                "team.aside_placed",
                id=aside_id,
                document=document,
                code=code,
                coder=placed.coder,
                start=placed.start,
                end=placed.end,
            )
        )
    )


@aside_app.command("discard")
@handle_errors
def aside_discard(
    ctx: typer.Context,
    aside_id: Annotated[int, typer.Argument(metavar="ID", help="Id shown by `codage aside`.")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Drop a coding kept aside (undoable with `codage undo`)."""
    who = coder_from(coder)
    with project_from(project or ctx.obj) as proj:
        kept = next((a for a in proj.codings_aside() if a.id == aside_id), None)
        if kept is None:
            raise fail(f"no coding kept aside with id {aside_id}")
        proj.discard_aside(aside_id, coder=who)
    if json_:
        emit_json({"discarded": _aside_row(kept)})
        return
    console.print(plain(t("team.aside_discarded", id=aside_id, document=kept.document_name)))


# ---------------------------------------------------------------------------
# consensus
# ---------------------------------------------------------------------------

"""``codage memo``: add, list, edit and delete memos on the project, a document, a code or a
coding, journaled like the interface's (``codage undo`` takes them back)."""

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
from codage.display import plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.services import memos as memo_service

memo_app = typer.Typer(
    help="Memos on the project, a document, a code or a coding.", no_args_is_help=True
)
app.add_typer(memo_app, name="memo")

register(
    {
        "memo.added": {"en": "Memo written on {target}", "fr": "Mémo écrit sur {target}"},
        "memo.edited": {"en": "Memo on {target} rewritten", "fr": "Mémo sur {target} réécrit"},
        "memo.deleted": {
            "en": "Memo on {target} deleted; `codage undo` takes it back",
            "fr": "Mémo sur {target} supprimé ; `codage undo` le rétablit",
        },
        "title.memos": {"en": "Memos", "fr": "Mémos"},
        "memo.col.on": {"en": "On", "fr": "Sur"},
        "memo.col.by": {"en": "By", "fr": "Par"},
        "memos.none": {"en": "No memos.", "fr": "Aucun mémo."},
    }
)

DocumentOption = Annotated[
    str | None, typer.Option("--document", help="On this document.", show_default=False)
]
CodeOption = Annotated[
    str | None, typer.Option("--code", help="On this code (path).", show_default=False)
]
CodingOption = Annotated[
    int | None,
    typer.Option(
        "--coding", help="On this coding (id, see `codage segments`).", show_default=False
    ),
]
TextArgument = Annotated[str, typer.Argument(help="The memo's text ('-' reads stdin).")]


def _text(typed: str) -> str:
    return typer.get_text_stream("stdin").read() if typed == "-" else typed


def _memo_id(memo_id: int | None, coding: int | None) -> None:
    if (memo_id is None) == (coding is None):
        raise fail("give a memo id or --coding ID (see codage memo list)")


def _done(json_: bool, record: memo_service.MemoRecord, key: str) -> None:
    if json_:
        emit_json(record.to_json())
        return
    console.print(
        plain(t(key, target=f"{record.target.kind} {record.target.label}")), soft_wrap=True
    )


@memo_app.command("add")
@handle_errors
def memo_add(
    text: TextArgument,
    document: DocumentOption = None,
    code: CodeOption = None,
    coding: CodingOption = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Write a memo on a document, a code, one of your codings, or (none given) the project."""
    from codage.services import memos as memo_service

    body = _text(text)
    with project_from(project) as proj:
        target = memo_service.memo_target(proj, document=document, code=code, coding=coding)
        record = memo_service.add_memo(proj, target, body, coder=coder_from(coder))
    _done(json_, record, "memo.added")


@memo_app.command("list")
@handle_errors
def memo_list(
    document: DocumentOption = None,
    code: CodeOption = None,
    coding: CodingOption = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """List memos (all, or those on one document, code or coding)."""
    from codage.services import memos as memo_service

    with project_from(project) as proj:
        target = None
        if document is not None or code is not None or coding is not None:
            target = memo_service.memo_target(proj, document=document, code=code, coding=coding)
        records = memo_service.list_memos(proj, target)
    if json_:
        emit_json([r.to_json() for r in records])
        return
    if not records:
        console.print(t("memos.none"))
        return
    table = Table(title=f"{t('title.memos')} ({len(records)})")
    for col in ("#", t("memo.col.on"), t("memo.col.by"), t("col.text")):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            "" if r.id is None else str(r.id),
            plain(f"{r.target.kind} {r.target.label}"),
            plain(r.author or ""),
            plain(r.text),
        )
    console.print(table)


@memo_app.command("edit")
@handle_errors
def memo_edit(
    memo_id: Annotated[int | None, typer.Argument(help="Memo id (see codage memo list).")] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="The new text ('-' reads stdin).")
    ] = None,
    coding: CodingOption = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Rewrite a memo (by id), or the memo of one of your codings (--coding)."""
    from codage.services import memos as memo_service

    _memo_id(memo_id, coding)
    if text is None:
        raise fail("give the new text with --text")
    body = _text(text)
    with project_from(project) as proj:
        record = memo_service.edit_memo(proj, memo_id, body, coder=coder_from(coder), coding=coding)
    _done(json_, record, "memo.edited")


@memo_app.command("delete")
@handle_errors
def memo_delete(
    memo_id: Annotated[int | None, typer.Argument(help="Memo id (see codage memo list).")] = None,
    coding: CodingOption = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Delete a memo (by id), or the memo of one of your codings (--coding)."""
    from codage.services import memos as memo_service

    _memo_id(memo_id, coding)
    with project_from(project) as proj:
        record = memo_service.delete_memo(proj, memo_id, coder=coder_from(coder), coding=coding)
    _done(json_, record, "memo.deleted")

"""``codage document``: show a document with its units, rename it, delete it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from codage.cli.app import app
from codage.cli.common import (
    JsonOption,
    ProjectOption,
    console,
    emit_json,
    fail,
    handle_errors,
    project_from,
)
from codage.display import plain
from codage.i18n import register, t
from codage.services import documents as docs

document_app = typer.Typer(help="Show, rename or delete one document.", no_args_is_help=True)
app.add_typer(document_app, name="document")

register(
    {
        "document.renamed": {"en": "Renamed {was} to {name}", "fr": "{was} renommé en {name}"},
        "document.deleted": {
            "en": "Deleted {name} with its {codings} coding(s)",
            "fr": "{name} supprimé avec ses {codings} codage(s)",
        },
        "document.confirm": {
            "en": "deleting {name} removes its {codings} coding(s) and cannot be undone: "
            "add --yes to delete it",
            "fr": "supprimer {name} retire ses {codings} codage(s) sans retour possible : "
            "ajoutez --yes pour le supprimer",
        },
        "document.col.unit": {"en": "Unit", "fr": "Unité"},
        "document.col.speaker": {"en": "Speaker", "fr": "Locuteur"},
    }
)

DocumentArgument = Annotated[str, typer.Argument(help="Document name (or a unique prefix).")]


@document_app.command("show")
@handle_errors
def document_show(
    document: DocumentArgument,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only units of this kind (turn, sentence...; repeatable)."),
    ] = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Print a document's units in text order: kind, place, speaker and text."""
    with project_from(project) as proj:
        view = docs.show_document(proj, document)
    units = [u for u in view.units if not kind or u.kind in kind]
    if json_:
        d = view.document
        emit_json(
            {
                "name": d.name,
                "kind": d.kind,
                "length": len(d.text),
                "text": d.text,
                "units": [u.to_json() for u in units],
            }
        )
        return
    table = Table(title=plain(view.document.name))
    for col in ("document.col.unit", "col.kind", "col.span", "document.col.speaker", "col.text"):
        table.add_column(t(col), overflow="fold")
    for u in units:
        table.add_row(
            plain(u.locator),
            plain(u.kind),
            f"{u.start}–{u.end}",
            plain(u.speaker or ""),
            plain(u.text),
        )
    console.print(table)


@document_app.command("rename")
@handle_errors
def document_rename(
    document: DocumentArgument,
    new_name: Annotated[str, typer.Argument(help="The new name.")],
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Rename a document (its codings stay)."""
    with project_from(project) as proj:
        was, name = docs.rename_document(proj, document, new_name)
    if json_:
        emit_json({"was": was, "name": name})
        return
    console.print(plain(t("document.renamed", was=was, name=name)), soft_wrap=True)


@document_app.command("delete")
@handle_errors
def document_delete(
    document: DocumentArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Delete it: this cannot be undone.")] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Delete a document with its units and everyone's codings of it (cannot be undone)."""
    with project_from(project) as proj:
        name, codings = docs.document_usage(proj, document)
        if not yes:
            raise fail(t("document.confirm", name=name, codings=codings))
        name, codings = docs.delete_document(proj, document)
    if json_:
        emit_json({"deleted": name, "codings": codings})
        return
    console.print(plain(t("document.deleted", name=name, codings=codings)), soft_wrap=True)

"""``codage document``: show a document with its units, rename it, correct its text
(every coding re-anchored), delete it."""

from __future__ import annotations

from pathlib import Path
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
    err_console,
    fail,
    handle_errors,
    project_from,
    register_expected,
)
from codage.display import plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.analysis.reanchor import CodingChange, ReplacementReport

document_app = typer.Typer(
    help="Show, rename, correct or delete one document.", no_args_is_help=True
)
app.add_typer(document_app, name="document")
# by name: the importers load only when a document is replaced
register_expected("codage.ingest.errors:IngestError")

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
        "document.replaced": {
            "en": "Corrected the text of {name}: {codings} coding(s) of {coders} coder(s) "
            "re-anchored ({identical} on the same place, {moved} moved, {changed} on a "
            "changed text), {aside} kept aside; undo with codage undo",
            "fr": "Texte de {name} corrigé : {codings} codage(s) de {coders} codeur(s) "
            "réancré(s) ({identical} à la même place, {moved} déplacé(s), {changed} sur un "
            "texte modifié), {aside} mis de côté ; annulez avec codage undo",
        },
        "document.replace_dry": {
            "en": "Dry run, nothing written: correcting {name} would re-anchor {codings} "
            "coding(s) ({identical} on the same place, {moved} moved, {changed} on a "
            "changed text) and keep {aside} aside",
            "fr": "Essai, rien n'est écrit : corriger {name} réancrerait {codings} codage(s) "
            "({identical} à la même place, {moved} déplacé(s), {changed} sur un texte "
            "modifié) et en mettrait {aside} de côté",
        },
        "document.replace_same": {
            "en": "{name}: the file holds the document's very text; nothing to change",
            "fr": "{name} : le fichier contient exactement le texte du document ; rien à changer",
        },
        "document.replace_changed": {
            "en": "Re-anchored on a changed text:",
            "fr": "Réancrés sur un texte modifié :",
        },
        "document.replace_aside": {
            "en": "Kept aside (their passage is gone; see codage aside):",
            "fr": "Mis de côté (leur passage a disparu ; voir codage aside) :",
        },
        "document.replace_links": {
            "en": "Case links whose unit is gone:",
            "fr": "Liens de cas dont l'unité a disparu :",
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
    from codage.services import documents as docs

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
    from codage.services import documents as docs

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
    from codage.services import documents as docs

    with project_from(project) as proj:
        name, codings = docs.document_usage(proj, document)
        if not yes:
            raise fail(t("document.confirm", name=name, codings=codings))
        name, codings = docs.delete_document(proj, document)
    if json_:
        emit_json({"deleted": name, "codings": codings})
        return
    console.print(plain(t("document.deleted", name=name, codings=codings)), soft_wrap=True)


def _change_line(change: CodingChange) -> str:
    new = "" if change.new_text is None else f" -> «{change.new_text}»"
    why = f" ({change.reason})" if change.reason else ""
    return (
        f"  {change.code} [{change.coder}] {change.old_start}–{change.old_end} "
        f"«{change.old_text}»{new}{why}"
    )


def _print_replacement(report: ReplacementReport) -> None:
    counts = {
        "name": report.document,
        "codings": report.codings,
        "coders": len(report.coders),
        "identical": len(report.identical),
        "moved": len(report.moved),
        "changed": len(report.changed),
        "aside": len(report.aside),
    }
    if report.unchanged_text and not report.dry_run:
        console.print(plain(t("document.replace_same", name=report.document)), soft_wrap=True)
        return
    key = "document.replace_dry" if report.dry_run else "document.replaced"
    console.print(plain(t(key, **counts)), soft_wrap=True)
    for title, items in (
        ("document.replace_changed", report.changed),
        ("document.replace_aside", report.aside),
    ):
        if items:
            console.print(plain(t(title)), soft_wrap=True)
            for change in items:
                console.print(plain(_change_line(change)), soft_wrap=True, highlight=False)
    if report.links_lost:
        err_console.print(plain(t("document.replace_links")), soft_wrap=True)
        for link in report.links_lost:
            err_console.print(plain(f"  {link.case}: «{link.text}»"), soft_wrap=True)


@document_app.command("replace")
@handle_errors
def document_replace(
    document: DocumentArgument,
    new_file: Annotated[
        Path, typer.Argument(help="The corrected text: any file codage imports (.txt, .docx...).")
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would happen to the codings; write nothing."),
    ] = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Correct a document's text: every coding of every coder re-anchored on the new text.

    Codings whose passage is gone are kept aside, never dropped. Undoable."""
    from codage.analysis.reanchor import replace_document_text
    from codage.ingest.replacement import read_replacement
    from codage.services import resolve_document

    with project_from(project) as proj:
        target = resolve_document(proj, document)
        new = read_replacement(new_file)
        who = coder_from(coder)
        report = replace_document_text(proj, target.id, new, coder=who, dry_run=dry_run)
    if json_:
        emit_json(report.to_json())
        return
    _print_replacement(report)

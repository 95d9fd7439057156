"""``codage backups`` lists the copies codage made of a project before risky changes;
``codage restore`` brings one back (backing the current state up first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from codage.cli.app import app
from codage.cli.common import (
    JsonOption,
    ProjectOption,
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
)
from codage.display import plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.services.backups import Backup

register(
    {
        "backups.title": {"en": "Backups of {project}", "fr": "Sauvegardes de {project}"},
        "backups.none": {
            "en": "No backup of {project} yet: one is made before each upgrade, merge, "
            "text replacement, REFI-QDA import into it and restore",
            "fr": "Aucune sauvegarde de {project} : codage en fait une avant chaque mise à "
            "jour, fusion, remplacement de texte, import REFI-QDA dans le projet et "
            "restauration",
        },
        "backups.col.made": {"en": "Made (UTC)", "fr": "Faite (UTC)"},
        "backups.col.why": {"en": "Before", "fr": "Avant"},
        "backups.col.size": {"en": "Size", "fr": "Taille"},
        "backups.col.file": {"en": "Backup", "fr": "Sauvegarde"},
        "restore.confirm": {
            "en": "restoring {backup} replaces {project} as it is now (which is backed up "
            "first, so that this can be undone): add --yes to restore it",
            "fr": "restaurer {backup} remplace {project} tel qu'il est (sauvegardé d'abord, "
            "pour pouvoir revenir en arrière) : ajoutez --yes pour le restaurer",
        },
        "restore.done": {
            "en": "Restored {backup} into {project}; its previous state is kept in {saved} "
            "(codage restore {saved_name} takes you back)",
            "fr": "{backup} restaurée dans {project} ; son état précédent est gardé dans "
            "{saved} (codage restore {saved_name} y ramène)",
        },
    }
)


def _on_server(location: str) -> bool:
    return "://" in location and not location.startswith("sqlite")


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return f"{size:.1f} GB"


def _row(backup: Backup) -> dict[str, object]:
    return {
        "name": backup.name,
        "path": str(backup.path),
        "made": backup.made.isoformat(),
        "reason": backup.reason,
        "size": backup.size,
        "legacy": backup.legacy,
    }


@app.command()
@handle_errors
def backups(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """List the backups codage made of the project before risky changes, newest first."""
    from codage.services import default_project_location, display_location
    from codage.services.backups import project_backups, server_backups_note

    where = project or default_project_location()
    if _on_server(where):
        # not a mistake: the server's own tools keep these copies
        note = server_backups_note(where)
        if json_:
            emit_json({"project": display_location(where), "backups": [], "note": note})
        err_console.print(plain(note), soft_wrap=True)
        return
    found = project_backups(where)
    if json_:
        emit_json({"project": display_location(where), "backups": [_row(b) for b in found]})
        return
    if not found:
        console.print(plain(t("backups.none", project=display_location(where))), soft_wrap=True)
        return
    table = Table(title=plain(t("backups.title", project=display_location(where))))
    for col in ("backups.col.file", "backups.col.made", "backups.col.why", "backups.col.size"):
        table.add_column(t(col), overflow="fold")
    for b in found:
        table.add_row(plain(b.name), b.made.strftime("%Y-%m-%d %H:%M:%S"), b.reason, _size(b.size))
    console.print(table)


@app.command()
@handle_errors
def restore(
    backup: Annotated[
        str | None,
        typer.Argument(
            metavar="[BACKUP]",
            help="A backup listed by codage backups (its name or path); the newest if omitted.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Restore it.")] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Bring a backup back over the project; the project as it was is backed up first."""
    from codage.services import default_project_location, display_location
    from codage.services.backups import project_backups, restore_backup, server_backups_note

    where = project or default_project_location()
    if _on_server(where):
        raise fail(server_backups_note(where), code=1)
    if not yes:
        found = project_backups(where)
        chosen = backup or (found[0].name if found else None)
        if chosen is not None:
            raise fail(t("restore.confirm", backup=chosen, project=display_location(where)))
    report = restore_backup(where, backup)
    if json_:
        emit_json(
            {
                "project": str(report.project),
                "restored": str(report.restored),
                "saved": None if report.saved is None else str(report.saved),
            }
        )
        return
    saved = report.saved
    console.print(
        plain(
            t(
                "restore.done",
                backup=report.restored.name,
                project=str(report.project),
                saved=str(saved) if saved else "-",
                saved_name=saved.name if saved else "-",
            )
        ),
        soft_wrap=True,
    )

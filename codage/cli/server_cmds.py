"""A team on a database server: `codage copy` moves a whole project between SQLite
and PostgreSQL, `codage team add-coder` gives a coder their own database role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from codage.cli.app import app
from codage.cli.common import (
    JsonOption,
    ProjectOption,
    console,
    emit_json,
    err_console,
    handle_errors,
    project_from,
)
from codage.display import plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.services.team import CopyReport

register(
    {
        "copy.done": {
            "en": "Copied {total} rows from {source} to {destination}",
            "fr": "{total} lignes copiées de {source} vers {destination}",
        },
        "team.coder_added": {
            "en": "{name} is a coder of {project}, logging in as the database role {name}",
            "fr": "{name} code dans {project} en se connectant avec le rôle {name}",
        },
        "team.role_existed": {
            "en": "The role {name} existed already: it was given a coder's rights here, "
            "its password is unchanged",
            "fr": "Le rôle {name} existait déjà : il reçoit ici les droits d'un codeur, "
            "son mot de passe ne change pas",
        },
        "team.no_password": {
            "en": "No password: {name} logs in by the server's peer or certificate "
            "authentication (pg_hba.conf)",
            "fr": "Sans mot de passe : {name} se connecte par l'authentification peer "
            "ou par certificat du serveur (pg_hba.conf)",
        },
    }
)

team_app = typer.Typer(
    help="A team on PostgreSQL: each coder logs in as their own database role.",
    no_args_is_help=True,
)
app.add_typer(team_app, name="team")


@app.command()
@handle_errors
def copy(
    source: Annotated[str, typer.Argument(help="The project to copy: a file or a database URL.")],
    destination: Annotated[
        str, typer.Argument(help="A new file, or an empty database (postgresql+psycopg://...).")
    ],
    json_: JsonOption = False,
) -> None:
    """Copy a whole project between SQLite and PostgreSQL, ids and journal included."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from codage.services import display_location
    from codage.services.team import copy_project

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=json_,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done)

        report = copy_project(source, destination, progress=advance)
    if json_:
        emit_json(_report(report))
        return
    console.print(
        plain(
            t(
                "copy.done",
                total=report.total,
                source=display_location(source),
                destination=display_location(destination),
            )
        )
    )


def _report(report: CopyReport) -> dict[str, object]:
    return {
        "source": report.source,
        "destination": report.destination,
        "rows": report.rows,
        "total": report.total,
    }


@team_app.command("add-coder")
@handle_errors
def add_coder(
    name: Annotated[str, typer.Argument(help="The coder, and the database role they log in as.")],
    password: Annotated[
        str | None,
        typer.Option(
            help="The role's password (asked when not given; empty for peer or "
            "certificate authentication).",
            show_default=False,
        ),
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="A role without password (peer, cert).")
    ] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Add a coder to a PostgreSQL project: a database role of their own (run by the owner)."""
    from codage.services import display_location

    with project_from(project) as proj:
        if proj.server_role() is None:
            # before any prompt: a file has no roles to give passwords to
            proj.add_coder_role(name, None)
        if password is None and not no_password:
            password = typer.prompt(
                f"Password for {name} (empty: none)",
                default="",
                hide_input=True,
                confirmation_prompt=True,
                show_default=False,
                err=True,
            )
        secret = password or None
        created = proj.add_coder_role(name, secret)
        shown = display_location(proj.location)
    if json_:
        emit_json({"coder": name, "role_created": created, "password": secret is not None})
        return
    console.print(plain(t("team.coder_added", name=name, project=shown)))
    if not created:
        console.print(plain(t("team.role_existed", name=name)))
    elif secret is None:
        console.print(plain(t("team.no_password", name=name)))

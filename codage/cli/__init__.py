"""The `codage` command (Typer): parses, calls the services, prints (Rich).

A package rather than one module so that each wing's commands live in a file
of their own (import, export, agreement, ...) while sharing one application.
"""

from __future__ import annotations

import os
import sys

import typer

# Each module registers its commands on the app when imported.
from codage.cli import (  # noqa: F401
    export_cmds,
    import_cmd,
    interface_cmds,
    project_cmds,
    team_cmds,
)
from codage.cli.app import app
from codage.cli.common import fail
from codage.i18n import register, t

__all__ = ["PANELS", "app", "main"]

register(
    {
        "panel.project": {"en": "Project", "fr": "Projet"},
        "panel.import": {"en": "Import", "fr": "Import"},
        "panel.coding": {"en": "Coding", "fr": "Codage"},
        "panel.team": {"en": "Several coders", "fr": "Plusieurs codeurs"},
        "panel.export": {"en": "Export and numbers", "fr": "Exports et chiffres"},
        "cli.usage_hint": {"en": "see {command} --help", "fr": "voir {command} --help"},
    }
)

# `codage --help` in the order of a study; a command missing here is listed last.
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("panel.project", ("init", "demo", "tui", "documents", "codebook", "history")),
    ("panel.import", ("import",)),
    ("panel.coding", ("code", "uncode", "segments", "search", "undo", "redo")),
    ("panel.team", ("merge", "agreement", "consensus", "aside", "copy")),
    ("panel.export", ("export", "stats")),
)


def _command_name(info: object) -> str:
    name = getattr(info, "name", None)
    if name:
        return str(name)
    callback = getattr(info, "callback", None)
    return callback.__name__.replace("_", "-") if callback is not None else ""


def _arrange_help() -> None:
    """Put every command in its panel, panels and commands in the order of a study."""
    rank = {name: i for i, (_, names) in enumerate(PANELS) for name in names}
    order = {name: i for _, names in PANELS for i, name in enumerate(names)}
    panel_of = {name: panel for panel, names in PANELS for name in names}
    for infos in (app.registered_commands, app.registered_groups):
        infos.sort(key=lambda i: (rank.get(_command_name(i), 99), order.get(_command_name(i), 99)))
        for info in infos:
            name = _command_name(info)
            if name in panel_of:
                info.rich_help_panel = t(panel_of[name])


_arrange_help()


def main() -> None:
    """Run the command line; usage mistakes are one line and exit code 2, like all mistakes."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        raise SystemExit(1) from None
    except typer.TyperException as exc:  # click's usage and parameter errors
        message = str(exc.format_message()).strip().splitlines() or [type(exc).__name__]
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "codage"
        line = f"{message[0]} ({t('cli.usage_hint', command=where)})"
        raise SystemExit(fail(line, code=getattr(exc, "exit_code", 2) or 2).exit_code) from None
    except BrokenPipeError:
        # The reader of our output went away (`codage segments | head`): not an error
        # worth a traceback. Point stdout at nothing so the final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    sys.exit(code if isinstance(code, int) else 0)

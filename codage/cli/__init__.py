"""The `codage` command (Typer): parses, calls the services, prints (Rich).

A package rather than one module so that each wing's commands live in a file
of their own (import, export, agreement, ...) while sharing one application.

``codage.cli.app`` is the whole application. ``main()`` (the ``codage``
command) imports only the module of the command it was asked to run, with the
root callback's: the others pull in Word, spreadsheets, analysis and agreement
code that a small import or a listing does not need, and every command line
paid for them (issue 9). ``codage --help`` shows the commands in panels, in the
order of a study, and a usage mistake is one line and exit code 2 (issue 12).
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

from codage.i18n import register, t

if TYPE_CHECKING:
    from typer import Typer

__all__ = ["COMMAND_MODULE", "PANELS", "app", "load_commands", "main", "only_command"]

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

# Each module registers its commands on the app when imported. interface_cmds
# holds the root callback and comes first, always.
COMMAND_MODULES = (
    "interface_cmds",
    "export_cmds",
    "import_cmd",
    "project_cmds",
    "codebook_cmds",
    "document_cmds",
    "case_cmds",
    "memo_cmds",
    "team_cmds",
    "agreement_cmds",
    "server_cmds",
    "search_cmds",
    "pseudonymise_cmds",
    "backup_cmds",
    "assist_cmds",
)
# Top-level command (or group) -> the module that registers it. A name missing
# here only costs time: the command line then imports every module.
COMMAND_MODULE = {
    "demo": "interface_cmds",
    "tui": "interface_cmds",
    "export": "export_cmds",
    "stats": "export_cmds",
    "import": "import_cmd",
    "init": "project_cmds",
    "documents": "project_cmds",
    "codebook": "codebook_cmds",
    "code": "project_cmds",
    "uncode": "project_cmds",
    "undo": "project_cmds",
    "redo": "project_cmds",
    "history": "project_cmds",
    "segments": "project_cmds",
    "merge": "team_cmds",
    "aside": "team_cmds",
    "consensus": "agreement_cmds",
    "agreement": "agreement_cmds",
    "memo": "memo_cmds",
    "cases": "case_cmds",
    "case": "case_cmds",
    "document": "document_cmds",
    "copy": "server_cmds",
    "team": "server_cmds",
    "search": "search_cmds",
    "autocode": "search_cmds",
    "pseudonymise": "pseudonymise_cmds",
    "backups": "backup_cmds",
    "restore": "backup_cmds",
    "similar": "assist_cmds",
    "suggest": "assist_cmds",
    "assist-runs": "assist_cmds",
}

# `codage --help` in the order of a study; a command missing here is listed last.
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "panel.project",
        (
            "init",
            "demo",
            "tui",
            "documents",
            "document",
            "cases",
            "case",
            "codebook",
            "history",
            "backups",
            "restore",
        ),
    ),
    ("panel.import", ("import",)),
    (
        "panel.coding",
        (
            "code",
            "uncode",
            "memo",
            "segments",
            "search",
            "autocode",
            "similar",
            "suggest",
            "assist-runs",
            "undo",
            "redo",
        ),
    ),
    ("panel.team", ("merge", "agreement", "consensus", "aside", "team", "copy")),
    ("panel.export", ("export", "stats", "pseudonymise")),
)


def _command_name(info: object) -> str:
    name = getattr(info, "name", None)
    if name:
        return str(name)
    callback = getattr(info, "callback", None)
    return callback.__name__.replace("_", "-") if callback is not None else ""


def _arrange_help(app: Typer) -> None:
    """Put every command in its panel, panels and commands in the order of a study."""
    rank = {name: i for i, (_, names) in enumerate(PANELS) for name in names}
    order = {name: i for _, names in PANELS for i, name in enumerate(names)}
    panel_of = {name: panel for panel, names in PANELS for name in names}

    def key(info: object) -> tuple[int, int]:
        name = _command_name(info)
        return rank.get(name, 99), order.get(name, 99)

    for infos in (app.registered_commands, app.registered_groups):
        infos.sort(key=key)
        for info in infos:
            name = _command_name(info)
            if name in panel_of:
                info.rich_help_panel = t(panel_of[name])


def _command_of(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _listed_only(app: Typer) -> bool:
    """Register every command as listed in the help table, without importing its module,
    for a command line that runs none (``codage --help``, ``codage`` alone); False, with
    nothing registered, when a command is missing from the table."""
    import typer

    from codage.cli.help_table import COMMAND_HELP, GROUP

    if not set(COMMAND_MODULE) <= set(COMMAND_HELP):
        return False
    present = {_command_name(info) for info in (*app.registered_commands, *app.registered_groups)}

    def listed() -> None:
        """Stands for a command in the list; never run (no command was given)."""

    for name, (kind, text) in COMMAND_HELP.items():
        if name in present or name not in COMMAND_MODULE:
            continue
        if kind == GROUP:
            app.add_typer(typer.Typer(help=text), name=name)
        else:
            app.command(name=name, help=text)(listed)
    return True


def load_commands(argv: list[str] | None = None) -> Typer:
    """The application with the commands ``argv`` may run registered (all without argv).

    With an ``argv`` that names no command the commands are registered from the help
    table (:mod:`codage.cli.help_table`), none of their modules imported.
    """
    command = _command_of(argv or [])
    wanted = COMMAND_MODULE.get(command or "")
    # An option before any command (`codage --help code`) is the application's own: the
    # line prints the list of every command, whatever it names after.
    listing = argv is not None and (command is None or argv[0].startswith("-"))
    if listing:
        importlib.import_module("codage.cli.interface_cmds")
    from codage.cli.app import app

    if not (listing and _listed_only(app)):
        for module in COMMAND_MODULES:
            if wanted is None or module in ("interface_cmds", wanted):
                importlib.import_module(f"codage.cli.{module}")
    _arrange_help(app)
    # Importing the submodule codage.cli.app made `codage.cli.app` that module;
    # the package's `app` is the application.
    globals()["app"] = app
    return app


def only_command(app: Typer, name: str | None) -> Typer:
    """The application as Typer builds it for a command line that runs ``name``: a copy
    holding that top-level command (or group) alone, when ``name`` is one of codage's.

    Typer turns every registered command into a Click command (reading its signature
    and annotations) before it parses anything; a command module registers up to a
    dozen, and the ones not asked for were a tenth of ``codage code --help`` (issues 13
    and 19). What a command line prints depends only on the command it names (its help
    and usage line, its errors, its run); a name that is not codage's (a typo, whose
    message lists the commands) keeps the whole application. ``app`` is left as it is.
    """
    if name not in COMMAND_MODULE:
        return app
    pruned = copy.copy(app)
    pruned.registered_commands = [i for i in app.registered_commands if _command_name(i) == name]
    pruned.registered_groups = [i for i in app.registered_groups if _command_name(i) == name]
    return pruned


def __getattr__(name: str) -> Any:
    # `from codage.cli import app` (tests, embedding) gets every command.
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line; usage mistakes are one line and exit code 2, like all mistakes."""
    from codage.cli.light import run_light

    arguments = sys.argv[1:]
    # A plain listing runs without building the Typer application (codage.cli.light).
    light = run_light(arguments)
    if light is not None:
        sys.exit(light)
    import typer

    if {"-h", "--help"} & set(arguments) or _command_of(arguments) is None:
        from codage.cli.help_render import load_help_renderer

        load_help_renderer()
    if _command_of(arguments) == "import" and not {"-h", "--help"} & set(arguments):
        # The language model loads in another process while this one starts.
        from codage.ingest.model_process import start_model_in_background

        start_model_in_background()
    # Pruned only for a command line that starts with the command: an option before it
    # (`codage --help code`) is the application's own, and its help lists every command.
    application = only_command(load_commands(arguments), arguments[0] if arguments else None)
    try:
        code = application(standalone_mode=False)
    except typer.Abort:
        raise SystemExit(1) from None
    except typer.TyperException as exc:  # click's usage and parameter errors
        from codage.cli.common import usage_error

        raise SystemExit(usage_error(exc)) from None
    except BrokenPipeError:
        # The reader of our output went away (`codage segments | head`): not an error
        # worth a traceback. Point stdout at nothing so the final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    sys.exit(code if isinstance(code, int) else 0)

"""The `codage` command (Typer): parses, calls the services, prints (Rich).

A package rather than one module so that each wing's commands live in a file
of their own (import, export, agreement, ...) while sharing one application.

``codage.cli.app`` is the whole application. ``main()`` (the ``codage``
command) imports only the module of the command it was asked to run, with the
root callback's: the others pull in Word, spreadsheets, analysis and agreement
code that a small import or a listing does not need, and every command line
paid for them (issue 9).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer import Typer

__all__ = ["app", "main"]

# Each module registers its commands on the app when imported. interface_cmds
# holds the root callback and comes first, always.
COMMAND_MODULES = ("interface_cmds", "export_cmds", "import_cmd", "project_cmds", "team_cmds")
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
    "codebook": "project_cmds",
    "code": "project_cmds",
    "uncode": "project_cmds",
    "undo": "project_cmds",
    "redo": "project_cmds",
    "segments": "project_cmds",
    "merge": "team_cmds",
    "aside": "team_cmds",
    "consensus": "team_cmds",
    "agreement": "team_cmds",
}


def load_commands(argv: list[str] | None = None) -> Typer:
    """The application with the commands ``argv`` may run registered (all without argv)."""
    name = next((a for a in argv or [] if not a.startswith("-")), None)
    wanted = COMMAND_MODULE.get(name or "")
    for module in COMMAND_MODULES:
        if wanted is None or module in ("interface_cmds", wanted):
            importlib.import_module(f"codage.cli.{module}")
    from codage.cli.app import app

    # Importing the submodule codage.cli.app made `codage.cli.app` that module;
    # the package's `app` is the application.
    globals()["app"] = app
    return app


def __getattr__(name: str) -> Any:
    # `from codage.cli import app` (tests, embedding) gets every command.
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    application = load_commands(sys.argv[1:])
    try:
        application()
    except BrokenPipeError:
        # The reader of our output went away (`codage segments | head`): not an error
        # worth a traceback. Point stdout at nothing so the final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)

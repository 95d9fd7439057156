"""The `codage` command (Typer): parses, calls the services, prints (Rich).

A package rather than one module so that each wing's commands live in a file
of their own (import, export, agreement, ...) while sharing one application.
"""

from __future__ import annotations

import os
import sys

# Each module registers its commands on the app when imported.
from codage.cli import (  # noqa: F401
    export_cmds,
    import_cmd,
    interface_cmds,
    project_cmds,
    team_cmds,
)
from codage.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        # The reader of our output went away (`codage segments | head`): not an error
        # worth a traceback. Point stdout at nothing so the final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)

"""The `codage` command (Typer): parses, calls the services, prints (Rich).

A package rather than one module so that each wing's commands live in a file
of their own (import, export, agreement, ...) while sharing one application.
"""

from __future__ import annotations

import codage.cli.export_cmds  # noqa: F401  (register export and stats commands)
import codage.cli.team_cmds as _team_cmds  # noqa: F401  (register merge, agreement, ...)
from codage.cli import import_cmd, interface_cmds, project_cmds  # noqa: F401  (register commands)
from codage.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()

"""The Typer application every command module registers on."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from codage.cli.plain_values import install
from codage.i18n import t

install()


class OneLineErrors(TyperGroup):
    """Usage mistakes (a missing argument, a value not among an option's choices) are one
    line and exit code 2 wherever the application runs: the ``codage`` command, Typer's
    test runner or a script that embeds it, never Rich's multi-line error box."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.Abort:
            sys.exit(1)
        except typer.TyperException as exc:  # click's usage and parameter errors
            from codage.cli.common import usage_error

            sys.exit(usage_error(exc))
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="codage",
    cls=OneLineErrors,
    help=t("cli.help"),
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
codebook_app = typer.Typer(help="Show, import, export and edit the codebook.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")

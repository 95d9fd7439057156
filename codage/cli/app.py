"""The Typer application every command module registers on."""

from __future__ import annotations

import typer

from codage.i18n import t

app = typer.Typer(
    name="codage",
    help=t("cli.help"),
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
codebook_app = typer.Typer(help="Show, import and export the codebook.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")

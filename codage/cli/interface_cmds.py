"""Commands that open the interface: demo, tui, and `codage` alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    ProjectOption,
    coder_from,
    console,
    err_console,
    fail,
    handle_errors,
)
from codage.demo import DEMO_FILE
from codage.i18n import t


def _run_interface(location: str, coder: str) -> None:
    # The interface is imported only when it is opened: commands stay quick.
    from codage.tui.app import run

    run(location, coder)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    """With no command: open the interface on the project here, if there is one."""
    if ctx.invoked_subcommand is not None:
        return
    # the services load when a command opens a project: this callback runs for all
    from codage.services import default_project_location, project_exists

    if project_exists():
        _run_interface(default_project_location(), coder_from(None))
    else:
        console.print(ctx.get_help())


@app.command()
@handle_errors
def demo(
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help=f"Where to build it (default: {DEMO_FILE} here)."),
    ] = None,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Only build the project.")] = False,
    sources: Annotated[
        Path | None,
        typer.Option(help="Folder holding transcripts/ and codebooks/ (default: found)."),
    ] = None,
    coder: CoderOption = None,
) -> None:
    """Build the demo study (first run) and open the interface on it."""
    # imported here: this module holds the root callback, which every command loads
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from codage.demo import demo_is_built, ensure_demo
    from codage.display import markup_safe, plain
    from codage.services import display_location

    location = project or DEMO_FILE
    building = not demo_is_built(location)
    shown = display_location(location)
    err_console.print(t("demo.building" if building else "demo.reopen", location=shown))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=not building,
    ) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=markup_safe(name))

        report = ensure_demo(location, sources=sources, progress=progress)
    if report.built:
        for line in report.failures:
            err_console.print(plain(line, "yellow"))
        err_console.print(
            t("demo.ready", documents=report.documents, codes=report.codes, codings=report.codings)
        )
        if report.failures:
            raise fail(f"{len(report.failures)} demo file(s) could not be imported")
    if not no_tui:
        _run_interface(location, coder_from(coder))


@app.command()
@handle_errors
def tui(project: ProjectOption = None, coder: CoderOption = None) -> None:
    """Open the coding interface on a project."""
    from codage.services import default_project_location, display_location, project_exists

    location = project or default_project_location()
    if not project_exists(location):
        raise fail(
            f"{display_location(location)}: no such project (run `codage init` or `codage demo`)"
        )
    _run_interface(location, coder_from(coder))

"""What every command shares: the project and coder options, JSON output,
and turning expected errors into one clear line and exit code 2.

The printing and the judging of errors live in :mod:`codage.cli.reporting`, which
needs no Typer, so that a light command run without Typer behaves the same."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from codage.cli.reporting import (
    code_label,
    complaint,
    console,
    emit_json,
    emit_json_list,
    err_console,
    expected,
    register_expected,
    say_error,
)
from codage.config import SettingsError, resolve_coder
from codage.i18n import t

# The services (the domain, the codebook, sqlite3) load when a command opens a project,
# not when `codage X --help` builds the command's options.
if TYPE_CHECKING:
    from codage.services import Project
    from codage.services.reading import ProjectReader

__all__ = [
    "CoderOption",
    "JsonOption",
    "ProjectOption",
    "code_label",
    "coder_from",
    "console",
    "emit_json",
    "emit_json_list",
    "err_console",
    "fail",
    "handle_errors",
    "project_from",
    "reader_from",
    "register_expected",
    "remember_project",
    "usage_error",
]

# The project the running command was given, kept when its options are parsed:
# the coder of a PostgreSQL project is the role its URL logs in as (coder_from).
_given_project: ContextVar[str | None] = ContextVar("given_project", default=None)


def remember_project(ctx: typer.Context, location: str | None) -> str | None:
    """Option callback: note the project the command names, and hand it on unchanged.

    Forgotten when the command ends (the root context closes), so that the next
    command run in the same process (tests, embedding) starts from nothing.
    """
    if location:
        _given_project.set(location)
        ctx.find_root().call_on_close(lambda: _given_project.set(None))
    return location


ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        help="Project: a SQLite file or an SQLAlchemy URL "
        "(default: $CODAGE_PROJECT, else codage.db here).",
        show_default=False,
        callback=remember_project,
    ),
]
CoderOption = Annotated[
    str | None,
    typer.Option(
        "--coder",
        help="Coder name (default: $CODAGE_CODER, else settings, else login name).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    say_error(message)
    return typer.Exit(code)


def usage_error(exc: typer.TyperException) -> int:
    """Say a usage mistake (an unknown option, a value not among the choices...) in one
    line pointing at the command's help; returns the exit code (2)."""
    message = str(exc.format_message()).strip().splitlines() or [type(exc).__name__]
    # Typer words a choice refused from a Literal "Value error, 'x' is not one of ..."
    message[0] = message[0].replace(": Value error, ", ": ", 1)
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "codage"
    line = f"{message[0]} ({t('cli.usage_hint', command=where)})"
    return fail(line, code=getattr(exc, "exit_code", 2) or 2).exit_code


F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn expected errors into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:
            if not expected(exc) and os.environ.get("CODAGE_DEBUG"):
                raise
            message, code = complaint(exc)
            raise fail(message, code) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def project_from(location: str | None, *, create: bool = False) -> Iterator[Project]:
    """Open the project a command works on, and close it after."""
    from codage.services import default_project_location, open_project

    where = location or default_project_location()
    project = open_project(where, create=create)
    try:
        yield project
    finally:
        project.close()


@contextmanager
def reader_from(location: str | None) -> Iterator[ProjectReader]:
    """Open the project a command only reads (as lightly as it can be), and close it after."""
    from codage.services.reading import reading

    with reading(location) as reader:
        yield reader


def coder_from(explicit: str | None) -> str:
    """Who the command works as: --coder, else $CODAGE_CODER, the settings, the login name;
    on a PostgreSQL project, the role of the connection (another name is refused)."""
    return _server_coder(explicit) or resolve_coder(explicit)


def _command_project() -> str:
    """The project the running command names (-p, or init's argument), else the default."""
    from codage.services import default_project_location

    return _given_project.get() or default_project_location()


def _server_coder(explicit: str | None) -> str | None:
    """On a PostgreSQL project the coder is the role one logs in as: no other name."""
    from codage.services import login_role

    role = login_role(_command_project())
    if role is None:
        return None
    for given, origin in ((explicit, "--coder"), (os.environ.get("CODAGE_CODER"), "CODAGE_CODER")):
        if given and given.strip() and given.strip() != role:
            raise SettingsError(
                f"{origin} {given.strip()}: on a PostgreSQL project you code as the role "
                f"you log in as ({role}); log in as {given.strip()} to code as them"
            )
    return role

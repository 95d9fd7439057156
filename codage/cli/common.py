"""What every command shares: the project and coder options, JSON output,
and turning expected errors into one clear line and exit code 2."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from codage.cli.json_records import write_json_list
from codage.cli.output import SafeConsole
from codage.codebook import CodebookError, PathError
from codage.config import SettingsError, resolve_coder
from codage.domain import code_label as domain_code_label
from codage.i18n import t
from codage.services import StoreError, default_project_location, login_role, open_project
from codage.services.reading import ProjectReader, reading

if TYPE_CHECKING:
    from codage.services import Project

console = SafeConsole()
err_console = SafeConsole(stderr=True)

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

# Errors a person can cause and fix; anything else is a bug and keeps its traceback
# when CODAGE_DEBUG is set.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    StoreError,
    CodebookError,
    PathError,
    SettingsError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
)


# Error types named "module:Class", so that a command module can register the errors
# of a wing it imports only when a command runs (its --help stays light).
_EXPECTED_NAMES: set[str] = set()


def register_expected(*errors: type[BaseException] | str) -> None:
    """Let a wing's own error types end a command with one line too: a type, or its
    name as ``"module:Class"`` (the module where the class is defined)."""
    global EXPECTED_ERRORS
    EXPECTED_ERRORS = (*EXPECTED_ERRORS, *(e for e in errors if not isinstance(e, str)))
    _EXPECTED_NAMES.update(e for e in errors if isinstance(e, str))


def _expected_by_name(exc: BaseException) -> bool:
    return any(f"{c.__module__}:{c.__qualname__}" in _EXPECTED_NAMES for c in type(exc).__mro__)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    err_console.print(
        f"[bold red]codage: {t('error')}:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
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


class _NoticeHandler(logging.Handler):
    """What the store tells the person (an upgrade and its backup): one line on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(
            f"[bold]codage:[/] {escape(record.getMessage())}", highlight=False, soft_wrap=True
        )


_store_log = logging.getLogger("codage.store")
if not any(isinstance(h, _NoticeHandler) for h in _store_log.handlers):
    _store_log.addHandler(_NoticeHandler())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc)
    if isinstance(exc, KeyError) and text.startswith("'"):
        text = text.strip("'")
    return text.splitlines()[0] if text else exc.__class__.__name__


F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn expected errors into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            raise fail(_describe(exc)) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:
            if _expected_by_name(exc):
                raise fail(_describe(exc)) from None
            if os.environ.get("CODAGE_DEBUG"):
                raise
            raise fail(
                f"unexpected {exc.__class__.__name__}: {_describe(exc)} "
                "(set CODAGE_DEBUG=1 for details and report it)",
                code=1,
            ) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def project_from(location: str | None, *, create: bool = False) -> Iterator[Project]:
    """Open the project a command works on, and close it after."""
    where = location or default_project_location()
    project = open_project(where, create=create)
    try:
        yield project
    finally:
        project.close()


@contextmanager
def reader_from(location: str | None) -> Iterator[ProjectReader]:
    """Open the project a command only reads (as lightly as it can be), and close it after."""
    with reading(location) as reader:
        yield reader


def coder_from(explicit: str | None) -> str:
    """Who the command works as: --coder, else $CODAGE_CODER, the settings, the login name;
    on a PostgreSQL project, the role of the connection (another name is refused)."""
    return _server_coder(explicit) or resolve_coder(explicit)


def emit_json(data: Any) -> None:
    """One JSON document on stdout and nothing else."""
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    try:
        payload.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        # A narrow terminal (PYTHONIOENCODING=ascii): \u escapes keep the JSON exact.
        payload = json.dumps(data, ensure_ascii=True, indent=2, default=str)
    sys.stdout.write(payload)
    sys.stdout.write("\n")


def emit_json_list(items: Iterable[Any]) -> None:
    """A JSON list on stdout, written item by item: the very text :func:`emit_json`
    writes for the list, without holding the list (a million segments)."""
    write_json_list(items, sys.stdout)


def code_label(path: str, *, indent: bool = False) -> str:
    """A code path as a terminal table shows it (Rich markup).

    Full paths fold over several lines in 80 columns: the rule of
    :func:`codage.domain.code_label` (shared with the interface) names the leaf,
    indented by its depth with ``indent``, otherwise followed by its parent, dimmed.
    """
    label = domain_code_label(path, indent=indent)
    parent = f" [dim]({escape(label.parent)})[/]" if label.parent else ""
    return f"{label.indent}{escape(label.leaf)}{parent}"


def _command_project() -> str:
    """The project the running command names (-p, or init's argument), else the default."""
    return _given_project.get() or default_project_location()


def _server_coder(explicit: str | None) -> str | None:
    """On a PostgreSQL project the coder is the role one logs in as: no other name."""
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

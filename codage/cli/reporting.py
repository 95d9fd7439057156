"""What every command prints and how it fails, without Typer: the consoles, JSON on
stdout, and expected errors turned into one clear line.

Kept apart from :mod:`codage.cli.common` (the Typer options and ``fail``) so that a
light command run without Typer (:mod:`codage.cli.light`) prints and fails exactly as
the same command run through Typer. The Rich consoles are made at first use: a command
that prints JSON never loads Rich's console.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from codage.config import SettingsError
from codage.i18n import t
from codage.store.errors import StoreError

if TYPE_CHECKING:
    from codage.cli.output import SafeConsole

    console: SafeConsole
    err_console: SafeConsole

__all__ = [
    "EXPECTED_ERRORS",
    "code_label",
    "complaint",
    "emit_json",
    "emit_json_list",
    "expected",
    "guarded",
    "register_expected",
    "say_error",
]


def __getattr__(name: str) -> Any:
    # `console` and `err_console` are made together at first use (Rich's console is a
    # good part of a light command's start, and JSON output never needs it).
    if name in ("console", "err_console"):
        from codage.cli.output import SafeConsole

        made = globals()
        made.setdefault("console", SafeConsole())
        made.setdefault("err_console", SafeConsole(stderr=True))
        return made[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _console(name: str) -> SafeConsole:
    console: SafeConsole = getattr(sys.modules[__name__], name)
    return console


# Errors a person can cause and fix; anything else is a bug and keeps its traceback
# when CODAGE_DEBUG is set.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    StoreError,
    SettingsError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
)

# Error types named "module:Class", so that a command module can register the errors
# of a wing it imports only when a command runs (its --help stays light). The
# codebook's errors are named too: `codage --help` loads no codebook.
_EXPECTED_NAMES: set[str] = {"codage.codebook:CodebookError", "codage.codebook:PathError"}


def register_expected(*errors: type[BaseException] | str) -> None:
    """Let a wing's own error types end a command with one line too: a type, or its
    name as ``"module:Class"`` (the module where the class is defined)."""
    global EXPECTED_ERRORS
    EXPECTED_ERRORS = (*EXPECTED_ERRORS, *(e for e in errors if not isinstance(e, str)))
    _EXPECTED_NAMES.update(e for e in errors if isinstance(e, str))


def expected(exc: BaseException) -> bool:
    """Whether ``exc`` is a mistake a person can fix (one line), not a bug."""
    if isinstance(exc, EXPECTED_ERRORS):
        return True
    return any(f"{c.__module__}:{c.__qualname__}" in _EXPECTED_NAMES for c in type(exc).__mro__)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc)
    if isinstance(exc, KeyError) and text.startswith("'"):
        text = text.strip("'")
    return text.splitlines()[0] if text else exc.__class__.__name__


def complaint(exc: BaseException) -> tuple[str, int]:
    """The one line an error ends a command with, and the exit code: 2 for what a
    person can fix, 1 for a bug."""
    if expected(exc):
        return _describe(exc), 2
    return (
        f"unexpected {exc.__class__.__name__}: {_describe(exc)} "
        "(set CODAGE_DEBUG=1 for details and report it)",
        1,
    )


def say_error(message: str) -> None:
    """Print ``message`` as codage's one error line on stderr."""
    from rich.markup import escape

    _console("err_console").print(
        f"[bold red]codage: {t('error')}:[/] {escape(message)}", highlight=False, soft_wrap=True
    )


def guarded(func: Callable[..., None], **values: Any) -> int:
    """Run a command's body as ``handle_errors`` does under Typer: an error becomes one
    line on stderr; returns the exit code (0 when the command did its work)."""
    try:
        func(**values)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:
        if not expected(exc) and os.environ.get("CODAGE_DEBUG"):
            raise
        message, code = complaint(exc)
        say_error(message)
        return code
    return 0


class _NoticeHandler(logging.Handler):
    """What the store tells the person (an upgrade and its backup): one line on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        from rich.markup import escape

        _console("err_console").print(
            f"[bold]codage:[/] {escape(record.getMessage())}", highlight=False, soft_wrap=True
        )


_store_log = logging.getLogger("codage.store")
if not any(type(h).__name__ == "_NoticeHandler" for h in _store_log.handlers):
    _store_log.addHandler(_NoticeHandler())


def emit_json(data: Any) -> None:
    """One JSON document on stdout and nothing else."""
    import json  # only the commands asked for JSON need it

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
    from codage.cli.json_records import write_json_list

    write_json_list(items, sys.stdout)


def code_label(path: str, *, indent: bool = False) -> str:
    """A code path as a terminal table shows it (Rich markup).

    Full paths fold over several lines in 80 columns: the rule of
    :func:`codage.domain.code_label` (shared with the interface) names the leaf,
    indented by its depth with ``indent``, otherwise followed by its parent, dimmed.
    """
    from rich.markup import escape

    from codage.domain import code_label as domain_code_label

    label = domain_code_label(path, indent=indent)
    parent = f" [dim]({escape(label.parent)})[/]" if label.parent else ""
    return f"{label.indent}{escape(label.leaf)}{parent}"

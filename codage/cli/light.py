"""The listing commands and ``stats`` run without Typer, when their command line is a plain one.

``codage documents``, ``segments``, ``history``, ``codebook show`` and ``stats`` are what
a person runs most, and building the Typer application (Typer, Click, the command modules and
their options) was a third of their start (issues 13 and 19). :func:`run_light` reads
such a command line itself and runs the very function the Typer command runs
(:mod:`codage.cli.listings`, :mod:`codage.cli.stats_view`), guarded as ``handle_errors``
guards it.

It takes only what it is sure to read as Click would: the command's own options, each
at most once (a repeatable one as often as given), as ``--name value``, ``--name=value``
or ``-p value``, with a value that does not start with ``-``, and counts as ASCII digits
within their bounds; never two options Typer's command refuses together. Anything
else (``--help``, an unknown option, an argument, a value Typer must check or refuse,
``CODAGE_DEBUG``, shell completion) returns None and goes through Typer, which gives
its own output, messages and exit codes. ``tests/cli/test_start_up.py`` checks that
the options below are the Typer commands' options, and that both paths print the same
bytes with the same exit code.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

_PROJECT = {"--project": "project", "-p": "project"}
_JSON = {"--json": "json_"}

# command words -> (function of codage.cli.listings, or module.function of codage.cli;
# flags, text options, count options with their minimum, repeatable text options);
# each option -> the name of the parameter it sets.
LIGHT: dict[
    tuple[str, ...],
    tuple[str, dict[str, str], dict[str, str], dict[str, tuple[str, int]], dict[str, str]],
] = {
    ("documents",): ("list_documents", _JSON, _PROJECT, {}, {}),
    ("segments",): (
        "list_segments",
        {**_JSON, "--no-subcodes": "no_subcodes", "--pseudonymised": "pseudonymised"},
        {"--code": "code_path", "--document": "document", "--coder": "coder_name", **_PROJECT},
        {},
        {},
    ),
    ("history",): (
        "list_history",
        {**_JSON, "--all": "all_"},
        {"--coder": "by", **_PROJECT},
        {"--limit": ("limit", 1), "-n": ("limit", 1)},
        {},
    ),
    ("codebook", "show"): ("show_codebook", _JSON, _PROJECT, {}, {}),
    ("stats",): (
        "stats_view.show_stats",
        {**_JSON, "--csv": "csv_", "--no-subcodes": "no_subcodes"},
        _PROJECT,
        {},
        {"--code": "code", "--document": "document", "--coder": "coder"},
    ),
    ("search",): (
        "search_view.show_search",
        {**_JSON, "--accents": "accents", "--no-accents": "accents"},
        {"--mode": "mode", "-m": "mode", "--code": "code", **_PROJECT},
        {"--limit": ("limit", 0)},
        {"--document": "document", "--case": "case"},
    ),
}
# A command's one argument (a word not starting with "-", given once) -> its parameter.
ARGUMENT: dict[tuple[str, ...], str] = {("search",): "query"}
# Flags that set their parameter False.
NEGATIVE = {"--no-accents"}
# Parameters a command refuses together (`stats --json --csv`): Typer says so.
_EXCLUSIVE = (frozenset({"json_", "csv_"}),)

# A count typed on the command line, short enough to be exact (see plain_values).
_MAX_DIGITS = 18


def parse_light(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The listing function and its parameters for ``argv``, or None when Typer must
    read that command line."""
    words = next((w for w in LIGHT if tuple(argv[: len(w)]) == w), None)
    if words is None:
        return None
    function, flags, texts, counts, lists = LIGHT[words]
    rest = argv[len(words) :]
    values: dict[str, Any] = {}
    argument = ARGUMENT.get(words)
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        name, equals, given = token.partition("=") if token.startswith("--") else (token, "", "")
        value: Any
        if argument is not None and not token.startswith("-"):
            param, value = argument, token
        elif name in flags and not equals:
            param, value = flags[name], name not in NEGATIVE
        elif name in texts or name in counts or name in lists:
            if not equals:
                if i >= len(rest) or rest[i].startswith("-"):
                    return None
                given = rest[i]
                i += 1
            if name in lists:
                values.setdefault(lists[name], []).append(given)
                continue
            if name in texts:
                param, value = texts[name], given
            else:
                param, least = counts[name]
                if not (given.isascii() and given.isdigit() and len(given) <= _MAX_DIGITS):
                    return None
                value = int(given)
                if value < least:
                    return None
        else:
            return None
        if param in values:
            return None
        values[param] = value
    if any(both <= values.keys() for both in _EXCLUSIVE):
        return None
    if argument is not None and argument not in values:
        return None
    return function, values


def run_light(argv: list[str]) -> int | None:
    """Run ``argv`` as a listing without Typer and return its exit code, or None (nothing
    done) when the command line is not one :func:`parse_light` reads."""
    if os.environ.get("CODAGE_DEBUG") or any(k.endswith("_COMPLETE") for k in os.environ):
        return None
    parsed = parse_light(argv)
    if parsed is None:
        return None
    function, values = parsed
    import importlib

    from codage.cli.reporting import guarded

    module, _, name = function.rpartition(".")
    body = getattr(importlib.import_module(f"codage.cli.{module or 'listings'}"), name)
    try:
        return guarded(body, **values)
    except KeyboardInterrupt:
        return 130  # as Typer ends an interrupted command
    except BrokenPipeError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # The reader went away (`codage segments | head`): Typer exits 1 in silence;
        # what is still buffered goes nowhere rather than failing the final flush.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

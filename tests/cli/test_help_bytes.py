"""`codage X --help` prints the same bytes from the pruned application as from the whole one.

``codage X ...`` hands Typer a copy of the application holding command ``X`` alone
(:func:`codage.cli.only_command`): Typer builds a Click command for every command it
holds before parsing. Each check below renders every command's help, and a few
subcommands', both ways in one process, at widths 40, 80 and 120, with colours forced
and with colours off, in French and in English; then ``python -m codage`` itself is
compared with the whole application's rendering.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codage.cli.help_table import COMMAND_HELP, GROUP

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (40, 80, 120)
SUBCOMMANDS = (("codebook", "show"), ("export", "docx"), ("memo", "add"), ("document", "show"))

# Renders each command line's help through the whole application and through the
# application codage.cli.main runs, at each width; prints the lines that differ.
RENDER = """
import contextlib, io, json, os, sys
from typer.main import get_command
from codage.cli import load_commands, only_command
from codage.cli.help_render import load_help_renderer

load_help_renderer()
app = load_commands()
lines, widths = json.loads(sys.argv[1]), json.loads(sys.argv[2])

def printed(group, words):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = group.main(
            [*words, "--help"], prog_name="codage", standalone_mode=False
        )
    return code, out.getvalue()

report = {"differ": [], "count": 0}
whole_group = get_command(app)
for words in lines:
    pruned = only_command(app, words[0])
    assert pruned is not app and len(
        [*pruned.registered_commands, *pruned.registered_groups]
    ) == 1, words
    alone_group = get_command(pruned)
    for width in widths:
        os.environ["COLUMNS"] = str(width)
        whole, alone = printed(whole_group, words), printed(alone_group, words)
        report["count"] += 1
        if whole != alone or not whole[1].strip():
            report["differ"].append([words, width])
print(json.dumps(report))
"""


def _environment(colour: str, language: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NO_COLOR", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TERM"}
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env["CODAGE_LANG"] = language
    env["TERM"] = "xterm-256color"
    env[colour] = "1"
    return env


def _command_lines() -> list[list[str]]:
    lines = [[name] for name in COMMAND_HELP]
    lines += [list(words) for words in SUBCOMMANDS]
    assert all(COMMAND_HELP[words[0]][0] == GROUP for words in SUBCOMMANDS)
    return lines


@pytest.mark.parametrize(
    ("colour", "language", "widths"),
    [
        ("NO_COLOR", "en", WIDTHS),
        ("FORCE_COLOR", "fr", WIDTHS),
        # the other two pairings at one width: each rendering costs tens of milliseconds
        ("FORCE_COLOR", "en", (80,)),
        ("NO_COLOR", "fr", (80,)),
    ],
)
def test_every_command_help_is_the_same_from_the_pruned_application(
    colour: str, language: str, widths: tuple[int, ...]
) -> None:
    lines = _command_lines()
    done = subprocess.run(
        [sys.executable, "-c", RENDER, json.dumps(lines), json.dumps(widths)],
        env=_environment(colour, language),
        capture_output=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout)
    assert report["count"] == len(lines) * len(widths)
    assert report["differ"] == []


def test_colours_are_on_and_off_as_asked() -> None:
    """The two colour settings above do draw differently (else they would test one)."""
    printed = {}
    for colour in ("NO_COLOR", "FORCE_COLOR"):
        done = subprocess.run(
            [sys.executable, "-m", "codage", "code", "--help"],
            env={**_environment(colour, "en"), "COLUMNS": "80"},
            capture_output=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr.decode()
        printed[colour] = done.stdout
    assert b"\x1b[" in printed["FORCE_COLOR"] and b"\x1b[" not in printed["NO_COLOR"]


# The application main ran before it was pruned: the commands of the modules the command
# line names, every one of them kept.
WHOLE = """
import sys
from codage.cli import load_commands
from codage.cli.help_render import load_help_renderer
load_help_renderer()
argv = sys.argv[1:]
load_commands(argv)(argv, prog_name="python -m codage", standalone_mode=False)
"""


@pytest.mark.parametrize(
    "words",
    [
        ["code", "--help"],
        ["autocode", "--help"],
        ["merge", "--help"],
        ["codebook", "--help"],
        ["export", "xlsx", "--help"],
        # the application's own help, asked before a command: every command listed
        ["--help", "code"],
        ["-h", "segments", "--json"],
    ],
)
@pytest.mark.parametrize("colour", ["NO_COLOR", "FORCE_COLOR"])
def test_the_codage_command_prints_the_whole_application_s_help(
    words: list[str], colour: str, tmp_path: Path
) -> None:
    """``python -m codage ... --help`` (pruning, everything main does) against the
    application main built before pruning, under the same program name."""
    env = {**_environment(colour, "fr"), "COLUMNS": "80"}
    light = subprocess.run(
        [sys.executable, "-m", "codage", *words],
        env=env,
        capture_output=True,
        cwd=tmp_path,
    )
    whole = subprocess.run([sys.executable, "-c", WHOLE, *words], env=env, capture_output=True)
    assert light.returncode == whole.returncode == 0, light.stderr + whole.stderr
    assert light.stdout == whole.stdout
    assert b"Usage" in whole.stdout or b"Utilisation" in whole.stdout


def test_a_name_that_is_not_a_command_keeps_every_command() -> None:
    from codage.cli import load_commands, only_command

    app = load_commands()
    assert only_command(app, "nope") is app
    assert only_command(app, None) is app
    alone = only_command(app, "codebook")
    assert [g.name for g in alone.registered_groups] == ["codebook"]
    assert alone.registered_commands == []
    # the application itself keeps every command
    assert len(app.registered_commands) + len(app.registered_groups) == len(COMMAND_HELP)


OBSERVED = """
import runpy, sys
import typer.main

built = []
real = typer.main.get_group


def observed(typer_instance):
    group = real(typer_instance)
    built.append(sorted(group.commands))
    return group


typer.main.get_group = observed
sys.argv = ["codage", *sys.argv[1:]]
try:
    runpy.run_module("codage", run_name="__main__", alter_sys=True)
finally:
    sys.stderr.write(repr(built))
"""


@pytest.mark.parametrize(
    ("words", "built"),
    [(["code", "--help"], ["code"]), (["codebook", "show", "--help"], ["codebook"])],
)
def test_the_codage_command_builds_the_command_it_names_alone(
    words: list[str], built: list[str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", OBSERVED, *words],
        env=_environment("NO_COLOR", "en"),
        capture_output=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().endswith(repr([built]))


@pytest.mark.parametrize("words", [["--help", "code"], ["-h", "segments", "--json"]])
def test_help_asked_before_a_command_lists_every_command(words: list[str], tmp_path: Path) -> None:
    """`codage --help code` is the application's help: the whole list, as `codage --help`
    prints it (it once listed only the commands of the modules `code` loads)."""
    env = {**_environment("NO_COLOR", "en"), "COLUMNS": "200"}
    asked, bare = (
        subprocess.run(
            [sys.executable, "-m", "codage", *line], env=env, capture_output=True, cwd=tmp_path
        )
        for line in (words, ["--help"])
    )
    assert asked.returncode == bare.returncode == 0, asked.stderr + bare.stderr
    assert asked.stdout == bare.stdout
    listed = asked.stdout.decode()
    missing = [name for name in COMMAND_HELP if f" {name} " not in listed]
    assert not missing


def test_every_command_is_listed_by_a_summary_of_one_paragraph() -> None:
    """Typer lists a command by its help's first paragraph with its line breaks kept:
    a summary wrapped in the source showed in ``codage --help`` broken mid-sentence."""
    from typer import _click
    from typer import main as typer_main

    from codage.cli import load_commands

    group = typer_main.get_command(load_commands())
    broken: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        ctx = _click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            summary = inspect.cleandoc(sub.short_help or sub.help or "").split("\n\n")[0]
            if not summary or "\n" in summary:
                broken.append(" ".join([*path, name]))
            if hasattr(sub, "list_commands"):
                walk(sub, [*path, name])

    walk(group, [])
    assert broken == []
    env = {**_environment("NO_COLOR", "en"), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "codage", "--help"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert "Undo the last change you made, whoever's codings it touched; across sessions." in (
        done.stdout.decode()
    )

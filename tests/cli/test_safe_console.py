"""codage's console draws strings as Rich's own console does, emoji codes included.

``SafeConsole.render_str`` turns Rich's emoji lookup off for a string that cannot hold
an emoji code (no two colons without a space between them), so that a listing does not
load Rich's table of emoji names for nothing (issues 13 and 19). Each string below is
drawn by both consoles, with markup and emoji on, off and left to the console, and the
bytes compared, colours on.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from codage.cli.output import SafeConsole

ROOT = Path(__file__).resolve().parents[2]

STRINGS = (
    "Partie 1/Intranet",
    "no colon at all",
    "Ana : Oui. Bob : Non",
    "one: colon",
    ":smile: and :thumbs_up: and :not_an_emoji:",
    ":smile-emoji: :smile-text:",
    "08:00:12",
    "a:b:c",
    "[bold]gras[/]: :smile:",
    "[bold]:smile[/]:",
    "[dim]08[/]:[dim]00[/]:",
    "::",
    "é:ü: :heart:",
    "line\nbreak :fire:\n",
    r"escaped \[bold]: :x:",
)


def drawn(console_type: type[Console], text: str, **options: bool | None) -> str:
    out = io.StringIO()
    emoji = options.pop("console_emoji")
    console = console_type(
        file=out, width=60, force_terminal=True, color_system="truecolor", emoji=bool(emoji)
    )
    console.print(text, **options)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("text", STRINGS)
@pytest.mark.parametrize("console_emoji", [True, False])
@pytest.mark.parametrize("emoji", [None, True, False])
@pytest.mark.parametrize("markup", [None, False])
def test_strings_are_drawn_as_rich_draws_them(
    text: str, console_emoji: bool, emoji: bool | None, markup: bool | None
) -> None:
    options = {"console_emoji": console_emoji, "emoji": emoji, "markup": markup}
    assert drawn(SafeConsole, text, **dict(options)) == drawn(Console, text, **dict(options))


def test_an_emoji_code_is_still_replaced() -> None:
    shown = drawn(SafeConsole, "ok :thumbs_up:", console_emoji=True, emoji=None, markup=None)
    assert "👍" in shown


@pytest.mark.parametrize("command", [["segments"], ["documents"], ["stats"], ["codebook", "show"]])
def test_a_listing_loads_no_emoji_table(demo_project: Path, command: list[str]) -> None:
    """The demo's listings hold no emoji code: Rich's table of their names stays unloaded."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['codage', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('codage', run_name='__main__', alter_sys=True)\n"
        "finally:\n"
        "    sys.stderr.write('EMOJI' if 'rich._emoji_codes' in sys.modules else 'NONE')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *command, "-p", str(demo_project)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"},
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout) > 500
    assert done.stderr.endswith(b"NONE")

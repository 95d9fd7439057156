"""`codage --help` in the order of a study, and usage mistakes in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codage.cli import PANELS, app

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODAGE_LANG": lang, "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "codage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_every_command_has_a_panel() -> None:
    placed = {name for _, names in PANELS for name in names}
    names = {i.name or i.callback.__name__ for i in app.registered_commands}
    names |= {i.name for i in app.registered_groups}
    assert names <= placed, f"commands without a help panel: {sorted(names - placed)}"


def test_help_lists_panels_in_the_order_of_a_study() -> None:
    done = _run("--help")
    assert done.returncode == 0
    out = done.stdout
    panels = ["Project", "Import", "Coding", "Several coders", "Export and numbers"]
    positions = [out.index(f"─ {p} ") for p in panels]
    assert positions == sorted(positions)
    rows = [out.index(f"│ {name} ") for name in ("init", "import", "code", "merge", "export")]
    assert rows == sorted(rows)
    french = _run("--help", lang="fr").stdout
    assert "─ Projet " in french and "─ Plusieurs codeurs " in french


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("import", "--bogus", "x"), "No such option: --bogus"),
        (("code",), "Missing argument 'document'"),
        (("nosuchcommand",), "No such command 'nosuchcommand'"),
        (("agreement", "--unit"), "Option '--unit' requires an argument"),
        (("export", "docx"), "Missing argument 'out'"),
        (("agreement", "--unit", "word"), "Invalid value for '--unit': 'word' is not one of"),
        (("consensus", "--coders", "a,b", "--as", "c", "--rule", "vote"), "'vote' is not one of"),
        (("export", "docx", "d.docx", "--group-by", "coder"), "'coder' is not one of 'code'"),
        (("codebook", "frobnicate"), "No such command 'frobnicate'"),
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_2(args: tuple[str, ...], says: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("codage: error: ") and says in lines[0]
    assert "--help" in lines[0]
    assert "╭" not in done.stderr and "Traceback" not in done.stderr

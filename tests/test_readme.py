"""The README runs: every `codage ...` line of its ``sh`` blocks, against the demo study.

The demo is built once (``codage demo --no-tui``, as a user would); each block then runs
in order, as a reader types it, on its own copy of the demo in a folder holding the
repository's ``transcripts/`` and ``codebooks/``, with ``CODAGE_PROJECT`` pointing at
that copy (as the README suggests). Most lines run in-process through Typer's runner;
a few run as real processes, to check that ``--json`` output is clean on a real stdout.
The commands that open the interface and the quick-start install lines are checked
against what they stand for instead: the interface command exists, and the install lines
are word for word what CI runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT, postgres_admin_engine, postgres_admin_url

README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
DEMO = "codage-demo.db"
CODER = "amelie"  # one of the demo's two coders
# Lines run as real processes: `python -m codage`, the way the console entry runs it.
AS_PROCESS = {("documents", "--json"), ("agreement", "--unit", "character", "--json")}
# Commands that open the interface: checked by their help, never started here.
INTERFACE = {("tui",), ("demo",)}
# Files a README block takes as given rather than makes: each coder's own copy.
GIVEN = {"merge": ("amelie.db", "bastien.db")}


def sh_blocks(text: str) -> list[list[str]]:
    """The command lines of each fenced ``sh`` block: continuation lines joined."""
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    return [
        [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
        for block in blocks
    ]


def words(line: str) -> list[str]:
    """A command line as the shell splits it, its comment left out."""
    return shlex.split(line, comments=True)


def expand(args: list[str], folder: Path) -> list[str]:
    """Globs expanded as the shell does (sorted; one that matches nothing is kept)."""
    out: list[str] = []
    for arg in args:
        found = sorted(str(p.relative_to(folder)) for p in folder.glob(arg)) if "*" in arg else []
        out.extend(found or [arg])
    return out


BLOCKS = sh_blocks(README.read_text(encoding="utf-8"))
QUICK_START = [block for block in BLOCKS if words(block[0])[0] != "codage"]
# The team's block names a PostgreSQL server: it runs on the test server, when one is given.
SERVER_URL = re.compile(r"postgresql\+psycopg://(\w+)@db\.labo\.example/etude")
SERVER_OWNER = "lea"
TEAM = [b for b in BLOCKS if words(b[0])[0] == "codage" and any(SERVER_URL.search(x) for x in b)]
USAGE = [block for block in BLOCKS if words(block[0])[0] == "codage" and block not in TEAM]


def _env() -> dict[str, str]:
    return {"CODAGE_LANG": "en", "CODAGE_CODER": CODER}


def _with_sources(folder: Path) -> Path:
    """A folder laid out like the repository's root, for the README's relative paths."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("transcripts", "codebooks"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study built once, by `codage demo --no-tui` from a copy of the root."""
    root = _with_sources(tmp_path_factory.mktemp("readme") / "root")
    settings = root / "settings.toml"
    here = Path.cwd()
    os.chdir(root)  # the demo finds transcripts/ and codebooks/ where it is run
    try:
        result = CliRunner().invoke(
            app,
            ["demo", "--no-tui", "-p", DEMO],
            env={**_env(), "CODAGE_CONFIG": str(settings)},
        )
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    assert "Demo project ready: 9 documents" in result.stderr
    return root / DEMO


def test_the_readme_has_its_blocks() -> None:
    assert len(QUICK_START) == 2 and all(len(b) == 1 for b in QUICK_START)
    assert len(TEAM) == 1 and len(TEAM[0]) >= 6
    assert len(USAGE) >= 3
    assert sum(len(b) for b in USAGE) >= 15


def test_the_quick_start_lines_are_what_ci_runs(demo: Path) -> None:
    """The second quick-start line is run by CI word for word; the first one, which
    opens the interface, is run by CI with `--no-tui` added, and that builds the demo
    (the fixture above did it through the same command)."""
    ci_lines = {line.strip() for line in CI.read_text(encoding="utf-8").splitlines()}
    [open_demo], [run_tests] = QUICK_START
    assert run_tests in ci_lines
    assert open_demo.endswith(".venv/bin/codage demo")
    assert f"{open_demo} --no-tui" in ci_lines
    with Project.open(str(demo)) as p:
        assert len(p.documents()) == 9
        assert {c.coder for c in p.codings()} == {"amelie", "bastien"}


def _run_in_process(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def _run_as_process(args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "codage", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("block", USAGE, ids=[f"block{i + 1}" for i in range(len(USAGE))])
def test_every_command_of_the_block_runs(
    block: list[str], demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _with_sources(tmp_path / "root")
    shutil.copy(demo, root / DEMO)
    monkeypatch.chdir(root)
    monkeypatch.setenv("CODAGE_PROJECT", DEMO)
    for name, value in _env().items():
        monkeypatch.setenv(name, value)
    for line in block:
        command, *args = words(line)
        assert command == "codage", line
        args = expand(args, root)
        if tuple(args) in INTERFACE:
            code, out, err = _run_in_process([*args, "--help"])
            assert code == 0 and out, (line, err)
            continue
        for given in GIVEN.get(args[0], ()):
            shutil.copy(root / DEMO, root / given)
        runner = _run_as_process if tuple(args) in AS_PROCESS else _run_in_process
        code, out, err = runner(args)
        assert code == 0, (line, out, err)
        assert out.strip(), (line, err)
        assert "Traceback" not in out + err, line
        if "--json" in args:
            json.loads(out)  # one JSON document and nothing else
        for arg in args:
            if arg.endswith((".docx", ".xlsx", ".csv")) and not arg.startswith("transcripts/"):
                assert (root / arg).stat().st_size > 0, line


@pytest.fixture
def team_roles(pg_url: str) -> Iterator[None]:
    """The README's coders become roles of the test server: dropped afterwards."""
    yield
    roles = sorted({m.group(1) for line in TEAM[0] for m in SERVER_URL.finditer(line)})
    roles += [w for line in TEAM[0] for w in words(line)[3:4] if "add-coder" in line]
    admin_url = postgres_admin_url()
    assert admin_url is not None
    project = postgres_admin_engine(pg_url)
    admin = postgres_admin_engine(admin_url)
    try:
        for role in set(roles) - {SERVER_OWNER}:
            with project.connect() as conn:
                if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").first():
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        project.dispose()
        admin.dispose()


def test_the_team_block_runs_on_postgresql(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, team_roles: None
) -> None:
    """The README's server is the test server: the owner's URL is the test database's,
    each coder's the same database logging in as that coder."""
    root = _with_sources(tmp_path / "root")
    shutil.copy(demo, root / DEMO)
    monkeypatch.chdir(root)
    monkeypatch.setenv("CODAGE_LANG", "en")
    monkeypatch.delenv("CODAGE_CODER", raising=False)  # on a server the coder is the role
    server = make_url(pg_url)

    def on_test_server(match: re.Match[str]) -> str:
        role = match.group(1)
        url = server if role == SERVER_OWNER else server.set(username=role, password=None)
        return url.render_as_string(hide_password=False)

    for line in TEAM[0]:
        command, *args = words(SERVER_URL.sub(on_test_server, line))
        assert command == "codage", line
        code, out, err = _run_in_process(args)
        assert code == 0, (line, out, err)
        assert out.strip() and "Traceback" not in out + err, line
        if "--json" in args:
            json.loads(out)
    with (
        Project.open(str(root / "etude-copie.db"), create=False) as copy,
        Project.open(str(root / DEMO), create=False) as original,
    ):
        assert len(copy.codings()) == len(original.codings())
        assert {c.name for c in copy.coders()} >= {"amelie", "bastien"}

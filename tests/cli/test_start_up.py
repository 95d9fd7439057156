"""Light commands start light (issues 13 and 19).

Each command runs as the ``codage`` command does, in a new process, which then lists
the modules it loaded: ``--help`` and the commands that only read a SQLite project
(``documents``, ``segments``, ``codebook show``, ``history``) load no SQLAlchemy, no
Alembic, no language model, no interface, no Word or spreadsheet library and no
analysis module. They read through ``sqlite3`` (codage.store.lite); the same project
named by an SQLAlchemy URL is read by the full store, and both print the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from codage.cli import COMMAND_MODULE, COMMAND_MODULES
from codage.cli.help_table import COMMAND_HELP
from codage.domain import Pseudonym
from codage.services import Project
from codage.store.engine import SCHEMA_HEAD
from codage.store.lite import open_lite, schema_head
from tests.conftest import SAMPLE_TEXT, sample_document

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "spacy", "textual", "docx", "openpyxl", "numpy", "rapidfuzz")

# Runs `codage ARGS...` as `python -m codage` does, then writes the names of the modules
# it loaded to the file $MODULES_OUT (stdout and stderr stay the command's own).
RUNNER = """
import json, os, runpy, sys
sys.argv = ["codage", *sys.argv[1:]]
try:
    runpy.run_module("codage", run_name="__main__", alter_sys=True)
finally:
    with open(os.environ["MODULES_OUT"], "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)
"""

LIGHT_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("documents",),
    ("documents", "--json"),
    ("segments",),
    ("segments", "--json"),
    ("codebook", "show"),
    ("codebook", "show", "--json"),
    ("history",),
    ("history", "--json", "--all"),
)


def run(args: Sequence[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    """``codage args`` in a new process: what it printed, and the modules it loaded."""
    out = tmp_path / "modules.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "MODULES_OUT": str(out),
        "COLUMNS": "120",
        "CODAGE_LANG": "en",
    }
    env.pop("CODAGE_FULL_STORE", None)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], env=env, capture_output=True, cwd=tmp_path
    )
    return done, set(json.loads(out.read_text(encoding="utf-8")))


def usage_named(text: bytes) -> bytes:
    """The help with its usage line, which names the program, left out."""
    return re.sub(rb"Usage: [^\n]*", b"Usage:", text, count=1)


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith("codage.analysis"))


@pytest.fixture(scope="module")
def full_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding everything the light commands show: two documents (one with a
    case), a code tree with definitions, two coders' codings with memos, automatic
    codings, memos, a coding kept aside, a pseudonymisation map and an undone change."""
    path = tmp_path_factory.mktemp("full") / "étude.db"
    with Project.open(str(path)) as project:
        first = project.add_document(sample_document())
        second = project.add_document(
            sample_document("Écoute — second", "Ana : Oui.\n\nBob : Non, « jamais » [rires].")
        )
        parent = project.create_code("Partie 1", coder="ana", description="Le début\nsuite")
        child = project.create_code(
            "Intranet", parent_id=parent.id, coder="ana", colour="#aa3300", inclusion="tout"
        )
        other = project.create_code("Sécurité", coder="ana", example="rançongiciel")
        project.add_coding(first.id, child.id, 13, 21, coder="ana", memo="très net")
        named = SAMPLE_TEXT.index("M. Garnier")
        project.add_coding(first.id, other.id, named, named + 40, coder="bob")
        project.add_coding(second.id, parent.id, 0, 9, coder="bob")
        project.add_codings(
            [(first.id, other.id, 120, 150), (second.id, other.id, 11, 20)],
            coder="auto",
            automatic=True,
        )
        project.add_memo("project", None, "Mémo du projet", coder="ana")
        project.add_memo("code", child.id, "définition à revoir", coder="bob")
        project.set_aside(
            document_name=second.name,
            document_id=second.id,
            code_id=child.id,
            coder="bob",
            start=2,
            end=5,
            text="Oui",
            reason="merge",
        )
        project.set_pseudonyms(
            [Pseudonym("garnier", "Garnier", "PER", "Durand", True, 2)], coder="ana"
        )
        project.add_coding(second.id, child.id, 0, 3, coder="ana")
        project.undo(coder="ana")
    return path


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("demo") / "demo.db"
    done = subprocess.run(
        [sys.executable, "-m", "codage", "demo", "--no-tui", "-p", str(location)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr.decode()
    return location


def test_the_light_read_model_knows_the_schema_head() -> None:
    assert schema_head() == SCHEMA_HEAD


def test_help_loads_nothing_heavy_and_lists_what_the_commands_say(tmp_path: Path) -> None:
    done, modules = run(["--help"], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert heavy(modules) == []
    # every command module left unloaded
    assert not {f"codage.cli.{m}" for m in COMMAND_MODULES if m != "interface_cmds"} & modules
    # the same listing as when every command is registered from its own module
    code = (
        "from codage.cli import app\napp(['--help'], prog_name='codage', standalone_mode=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "CODAGE_LANG": "en"}
    full = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert full.returncode == 0, full.stderr.decode()
    # only the program's name differs: `python -c` here, `codage` there
    assert usage_named(done.stdout) == usage_named(full.stdout)
    assert set(COMMAND_MODULE) <= set(COMMAND_HELP)


@pytest.mark.parametrize("command", [c for c in LIGHT_COMMANDS if "--json" not in c])
def test_a_light_command_help_loads_nothing_heavy(command: tuple[str, ...], tmp_path: Path) -> None:
    done, modules = run([*command, "--help"], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert b"--project" in done.stdout
    assert heavy(modules) == []


def both_ways(path: Path, command: Sequence[str], tmp_path: Path) -> None:
    """``command`` on the project by its path (light) and by its URL (full store)."""
    light, light_modules = run([*command, "-p", str(path)], tmp_path)
    full, full_modules = run([*command, "-p", f"sqlite:///{path}"], tmp_path)
    assert light.returncode == full.returncode == 0, light.stderr.decode() + full.stderr.decode()
    assert heavy(light_modules) == [], command
    # Typer's Pydantic adapters are built only for values that need them (plain_values)
    assert "pydantic" not in light_modules
    assert "codage.store.lite" in light_modules
    assert "sqlalchemy" in full_modules  # the other way really was the full store
    assert light.stdout == full.stdout, command
    assert light.stderr == full.stderr == b""
    assert len(light.stdout) > 200


@pytest.mark.parametrize(
    "command",
    [
        *LIGHT_COMMANDS,
        ("segments", "--json", "--pseudonymised"),
        ("segments", "--code", "Partie 1", "--coder", "bob"),
        ("segments", "--json", "--document", "écoute", "--no-subcodes", "--code", "Sécurité"),
        ("history", "--coder", "ana", "-n", "2"),
    ],
)
def test_light_commands_print_the_same_bytes_both_ways(
    full_project: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    both_ways(full_project, command, tmp_path)


def test_the_full_project_shows_what_it_holds(full_project: Path, tmp_path: Path) -> None:
    done, _ = run(["segments", "--json", "-p", str(full_project)], tmp_path)
    rows = json.loads(done.stdout)
    assert sum(r["automatic"] for r in rows) == 2
    assert {r["coder"] for r in rows} == {"ana", "bob", "auto"}
    assert "très net" in {r["memo"] for r in rows}
    done, _ = run(["history", "--json", "--all", "-p", str(full_project)], tmp_path)
    assert json.loads(done.stdout)[0]["state"] == "undone"
    done, _ = run(["segments", "--json", "--pseudonymised", "-p", str(full_project)], tmp_path)
    assert "Durand" in done.stdout.decode() and "Garnier" not in done.stdout.decode()


@pytest.mark.parametrize("command", LIGHT_COMMANDS)
def test_the_demo_prints_the_same_bytes_both_ways(
    demo_project: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    both_ways(demo_project, command, tmp_path)


def test_an_older_schema_takes_the_full_store(full_project: Path, tmp_path: Path) -> None:
    import sqlite3

    older = tmp_path / "older.db"
    with sqlite3.connect(full_project) as source, sqlite3.connect(older) as target:
        source.backup(target)
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0005'")
    assert open_lite(str(older)) is None
    lite = open_lite(str(full_project))
    assert lite is not None
    lite.close()
    done, modules = run(["documents", "--json", "-p", str(older)], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert "sqlalchemy" in modules
    assert json.loads(done.stdout)[0]["name"] == "entretien-test"


def test_a_refused_file_says_so_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database", encoding="utf-8")
    done, _ = run(["documents", "-p", str(bad)], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "not a SQLite database" in lines[0]
    assert bad.read_text(encoding="utf-8") == "not a database"


# Loads every command module but the search's (whose modes and scopes, needed to declare
# its options, live beside rapidfuzz in codage.services.search), asks each command and
# sub-command for its help, then writes the modules loaded to $MODULES_OUT.
EVERY_HELP = """
import importlib, json, os, sys
from typer import _click, main as typer_main
from codage.cli import COMMAND_MODULES
for module in COMMAND_MODULES:
    if module != "search_cmds":
        importlib.import_module(f"codage.cli.{module}")
from codage.cli.app import app
group = typer_main.get_command(app)
asked = []
def walk(command, path):
    ctx = _click.Context(command)
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        asked.append([*path, name])
        if hasattr(sub, "list_commands"):
            walk(sub, [*path, name])
walk(group, [])
for path in asked:
    try:
        app([*path, "--help"], prog_name="codage", standalone_mode=False)
    except SystemExit:
        pass
with open(os.environ["MODULES_OUT"], "w", encoding="utf-8") as out:
    json.dump({"asked": asked, "modules": sorted(sys.modules)}, out)
"""


def test_every_command_help_loads_nothing_heavy(tmp_path: Path) -> None:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MODULES_OUT": str(out), "COLUMNS": "120"}
    done = subprocess.run([sys.executable, "-c", EVERY_HELP], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    found = json.loads(out.read_text(encoding="utf-8"))
    assert len(found["asked"]) > 40  # every command and sub-command was asked
    assert ["export", "docx"] in found["asked"] and ["agreement"] in found["asked"]
    assert done.stdout.count(b"--help") >= len(found["asked"])
    assert heavy(set(found["modules"])) == []


def test_a_value_typer_must_check_is_still_checked(full_project: Path, tmp_path: Path) -> None:
    done, _ = run(["history", "-n", "0", "-p", str(full_project)], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "--limit" in lines[0] and "greater than or equal to 1" in lines[0]
    done, _ = run(["history", "--json", "--limit", "2", "-p", str(full_project)], tmp_path)
    assert done.returncode == 0 and len(json.loads(done.stdout)) == 2

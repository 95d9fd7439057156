"""Light commands start light (issues 13 and 19).

Each command runs as the ``codage`` command does, in a new process, which then lists
the modules it loaded: ``--help``, every ``X --help`` and the commands that only read a
SQLite project (``documents``, ``segments``, ``codebook show``, ``history``) load no
SQLAlchemy, no Alembic, no language model, no interface, no Word or spreadsheet library
and no analysis module. They read through ``sqlite3`` (codage.store.lite); the same
project named by an SQLAlchemy URL is read by the full store, and both print the same
bytes. A plain listing command line runs without Typer (codage.cli.light): the same
command line through Typer prints the same bytes, lines and exit codes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("command", [*COMMAND_HELP, "codebook show"])
def test_a_command_help_loads_nothing_heavy(command: str, tmp_path: Path) -> None:
    """`codage X --help`, as a person types it, for every command `codage --help` lists."""
    done, modules = run([*command.split(), "--help"], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Usage:" in done.stdout and b"--help" in done.stdout
    assert heavy(modules) == []
    # Typer's help renderer without Markdown and Pygments (codage.cli.help_render)
    assert "typer.rich_utils" in modules
    assert not {"rich.markdown", "markdown_it", "pygments"} & modules
    # the command modules load their services inside the commands (issue 19)
    assert not {"codage.domain", "codage.codebook", "codage.services", "rich.progress"} & modules


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


# Loads every command module, asks each command and sub-command for its help, then writes
# the modules loaded to $MODULES_OUT.
EVERY_HELP = """
import importlib, json, os, sys
from typer import _click, main as typer_main
from codage.cli import COMMAND_MODULES
for module in COMMAND_MODULES:
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


# The same as RUNNER with the light start turned off: every command line goes through
# Typer, as before codage.cli.light existed.
TYPER_RUNNER = RUNNER.replace(
    "try:\n", "import codage.cli.light\ncodage.cli.light.run_light = lambda argv: None\ntry:\n", 1
)


def run_through_typer(
    args: Sequence[str], tmp_path: Path, **env: str
) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    """``codage args`` in a new process, through Typer whatever the command line."""
    out = tmp_path / "typer-modules.json"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "MODULES_OUT": str(out),
        "COLUMNS": "120",
        "CODAGE_LANG": "en",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", TYPER_RUNNER, *args],
        env=environment,
        capture_output=True,
        cwd=tmp_path,
    )
    return done, set(json.loads(out.read_text(encoding="utf-8")))


def test_the_light_options_are_the_typer_commands_options() -> None:
    """codage.cli.light reads exactly the options of the Typer commands, with their
    defaults, and hands them to the function the Typer command runs."""
    import importlib
    import inspect

    from typer.main import get_command

    from codage.cli import load_commands
    from codage.cli.light import ARGUMENT, LIGHT, NEGATIVE

    group = get_command(load_commands())
    for words, (function, flags, texts, counts, lists) in LIGHT.items():
        command: Any = group
        for word in words:
            command = command.commands[word]
        options = [p for p in command.params if p.param_type_name == "option"]
        arguments = [p.name for p in command.params if p.param_type_name == "argument"]
        assert arguments == ([ARGUMENT[words]] if words in ARGUMENT else []), words
        assert {o for p in options for o in p.secondary_opts} <= NEGATIVE, words
        kind = {p.name: p.type_descriptor.annotation for p in options}
        found_flags = {
            o: p.name for p in options if p.is_flag for o in (*p.opts, *p.secondary_opts)
        }
        assert found_flags == flags, words
        valued = [p for p in options if not p.is_flag]
        textual = [p for p in valued if kind[p.name] in (str, str | None) and not p.multiple]
        found_texts = {o: p.name for p in textual for o in p.opts}
        assert found_texts == texts, words
        found_counts = {o: (p.name, p.min) for p in valued if kind[p.name] is int for o in p.opts}
        assert found_counts == counts, words
        repeated = [p for p in valued if p.multiple]
        assert all(kind[p.name] == list[str] for p in repeated), words
        assert {o: p.name for p in repeated for o in p.opts} == lists, words
        for p in options:
            assert not p.envvar, (words, p.name)
            # the one callback, --project's, only notes the project (coder_from reads it)
            assert p.callback is None or p.name == "project", (words, p.name)
            # a bounded option the light start does not read (search --threshold) is Typer's
            read = {*flags.values(), *texts.values(), *lists.values()}
            read |= {name for name, _ in counts.values()}
            assert p.max is None or p.name not in read, (words, p.name)
        # the defaults Typer gives are the function's own
        module, _, name = function.rpartition(".")
        body = getattr(importlib.import_module(f"codage.cli.{module or 'listings'}"), name)
        signature = inspect.signature(body).parameters
        for p in options:
            assert signature[p.name].default == p.default, (words, p.name)


@pytest.mark.parametrize(
    "argv",
    [
        ["documents", "--help"],
        ["documents", "-h"],
        ["documents", "extra"],
        ["documents", "--json", "--json"],
        ["documents", "--json=yes"],
        ["documents", "--project=a", "-p", "b"],
        ["documents", "-pfile.db"],
        ["documents", "--", "--json"],
        ["documents", "--jso"],
        ["history", "-n", "0"],
        ["history", "-n", "x"],
        ["history", "-n", "-1"],
        ["history", "--limit", "٣"],
        ["history", "-n", "1" * 19],
        ["segments", "--code"],
        ["segments", "--code", "-x"],
        ["codebook"],
        ["codebook", "show", "extra"],
        ["codebook", "import", "book.yaml"],
        ["stats", "--json", "--csv"],
        ["stats", "--code"],
        ["stats", "--csv", "--csv"],
        ["stats", "--case", "type=Commune"],
        ["search"],
        ["search", "a", "b"],
        ["search", "intranet", "--threshold", "50"],
        ["search", "-x"],
        ["-p", "x.db", "documents"],
        [],
    ],
)
def test_what_the_light_start_leaves_to_typer(argv: list[str]) -> None:
    from codage.cli.light import parse_light

    assert parse_light(argv) is None


def test_what_the_light_start_reads() -> None:
    from codage.cli.light import parse_light

    assert parse_light(["documents"]) == ("list_documents", {})
    assert parse_light(["history", "--limit=020", "--coder", "ana", "--all", "-p", ""]) == (
        "list_history",
        {"limit": 20, "by": "ana", "all_": True, "project": ""},
    )
    assert parse_light(["segments", "--code=Partie 1/Intranet", "--no-subcodes", "--json"]) == (
        "list_segments",
        {"code_path": "Partie 1/Intranet", "no_subcodes": True, "json_": True},
    )
    assert parse_light(["search", "--no-accents", "-m", "words", "a b", "--case=k=v"]) == (
        "search_view.show_search",
        {"accents": False, "mode": "words", "query": "a b", "case": ["k=v"]},
    )
    assert parse_light(["codebook", "show", "--project", "a.db"]) == (
        "show_codebook",
        {"project": "a.db"},
    )


@pytest.mark.parametrize(
    "command",
    [
        ("documents",),
        ("documents", "--json"),
        ("segments", "--code=Partie 1", "--json"),
        ("segments", "--code", "Sécurité", "--no-subcodes"),
        ("segments", "--pseudonymised", "--coder", "bob"),
        ("history", "--limit=2"),
        ("history", "-n", "3", "--coder", "ana", "--json"),
        ("codebook", "show"),
        ("codebook", "show", "--json"),
        # mistakes: one line, the same line, the same exit code
        ("segments", "--code", "Nulle part"),
        ("segments", "--document", "absent"),
        ("history", "-n", "0"),
        ("documents", "--jsn"),
    ],
)
def test_the_light_start_prints_what_typer_prints(
    full_project: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    args = [*command, "-p", str(full_project)]
    light, light_modules = run(args, tmp_path)
    typer_run, typer_modules = run_through_typer(args, tmp_path)
    assert (light.returncode, light.stdout, light.stderr) == (
        typer_run.returncode,
        typer_run.stdout,
        typer_run.stderr,
    )
    assert "typer" in typer_modules
    if light.returncode == 0:
        assert len(light.stdout) > 100
        assert "typer" not in light_modules and "click" not in light_modules
    else:
        assert len(light.stderr.decode().strip().splitlines()) == 1


def test_a_missing_project_is_the_same_line_both_ways(tmp_path: Path) -> None:
    args = ["segments", "--json", "-p", str(tmp_path / "absent.db")]
    light, _ = run(args, tmp_path)
    typer_run, _ = run_through_typer(args, tmp_path)
    assert light.returncode == typer_run.returncode == 2
    assert light.stderr == typer_run.stderr and b"absent.db" in light.stderr
    assert not (tmp_path / "absent.db").exists()


def test_a_reader_gone_away_ends_both_ways_alike(full_project: Path, tmp_path: Path) -> None:
    """`codage segments --json | head -c 0`: the pipe is closed before the first write."""
    args = ["segments", "--json", "-p", str(full_project)]
    results = []
    for runner in (RUNNER, TYPER_RUNNER):
        read, write = os.pipe()
        os.close(read)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MODULES_OUT": str(tmp_path / "m.json"),
            "PYTHONUNBUFFERED": "1",
        }
        try:
            done = subprocess.run(
                [sys.executable, "-c", runner, *args], env=env, stdout=write, stderr=subprocess.PIPE
            )
        finally:
            os.close(write)
        results.append((done.returncode, done.stderr))
    assert results[0] == results[1]
    assert results[0][0] == 1 and b"Traceback" not in results[0][1]


def test_help_printed_with_the_stand_ins_is_typer_s_own(tmp_path: Path) -> None:
    """Each command's help as `codage` prints it (codage.cli.help_render) is the help Typer
    prints with Markdown and Pygments loaded."""
    commands = [["documents"], ["export", "docx"], ["search"], ["codebook", "show"], ["stats"]]
    code = (
        "import sys, rich.markdown, rich.traceback\n"
        "from codage.cli import load_commands\n"
        "argv = sys.argv[1:]\n"
        "app = load_commands(argv)\n"
        "app(argv, prog_name='codage', standalone_mode=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "CODAGE_LANG": "fr"}
    for words in commands:
        light, modules = run([*words, "--help"], tmp_path)
        full = subprocess.run(
            [sys.executable, "-c", code, *words, "--help"], env=env, capture_output=True
        )
        assert full.returncode == 0, full.stderr.decode()
        light = subprocess.run(
            [sys.executable, "-m", "codage", *words, "--help"],
            env=env,
            capture_output=True,
            cwd=tmp_path,
        )
        assert light.returncode == 0, light.stderr.decode()
        assert usage_named(light.stdout) == usage_named(full.stdout), words
        assert "rich.markdown" not in modules


def test_the_stand_ins_leave_the_real_modules_to_whoever_asks() -> None:
    code = (
        "import sys\n"
        "from codage.cli.help_render import load_help_renderer\n"
        "load_help_renderer()\n"
        "assert 'rich.markdown' not in sys.modules and 'rich.traceback' not in sys.modules\n"
        "import typer.rich_utils as r\n"
        "made = r.Markdown('**gras**')\n"
        "from rich.markdown import Markdown\n"
        "assert type(made) is Markdown and isinstance(made, r.Markdown)\n"
        "from rich.traceback import Traceback\n"
        "assert r.Traceback.from_exception is not None\n"
        "assert sys.modules['rich.markdown'].Markdown is Markdown\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"ok\n"


def test_the_search_help_shows_the_service_s_threshold() -> None:
    from codage.cli import search_cmds
    from codage.services.search import DEFAULT_THRESHOLD

    assert search_cmds.DEFAULT_THRESHOLD == DEFAULT_THRESHOLD


@pytest.mark.parametrize("columns", [60, 80, 120, 200])
def test_the_demo_listings_are_rich_s_bytes(
    demo_project: Path, columns: int, tmp_path: Path
) -> None:
    """The demo's tables drawn by codage.cli.quick_table are those Rich's Table draws."""
    from tests.cli.test_quick_table import printed

    others = (["stats"], ["search", "intranet"]) if columns == 80 else ()
    for command in (["segments"], ["codebook", "show"], *others):
        args = [*command, "-p", str(demo_project)]
        quick = printed(args, columns, False, tmp_path)
        assert quick == printed(args, columns, True, tmp_path), (command, columns)
        assert len(quick.splitlines()) > 40

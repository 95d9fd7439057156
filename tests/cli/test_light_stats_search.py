"""``codage stats`` and ``codage search`` start light (issue 19).

On a SQLite project at the head schema they read through ``sqlite3``
(codage.store.lite) and a plain command line runs without Typer (codage.cli.light):
no SQLAlchemy, numpy, language model or interface is loaded. Each command line below
prints the same bytes on stdout and stderr, with the same exit code, as the same
command line through Typer on the full store (the project named by its SQLAlchemy URL),
on a generated project and on the demo.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks.scale import build
from tests.cli.test_start_up import run, run_through_typer

# What neither command may load on its light path (codage.analysis.stats is stats' own).
HEAVY = ("sqlalchemy", "alembic", "spacy", "textual", "docx", "openpyxl", "numpy", "typer")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smallest project of benchmarks/scale.py: three coders, cases, survey answers."""
    folder = tmp_path_factory.mktemp("scale")
    return build("20k", folder)


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def light_and_full(project: Path, command: Sequence[str], tmp_path: Path) -> bytes:
    """``command`` on ``project`` both ways: light (its path, no Typer) and full (its URL,
    through Typer); the same bytes and exit code. Returns what it printed."""
    light, light_modules = run([*command, "-p", str(project)], tmp_path)
    full, full_modules = run_through_typer([*command, "-p", f"sqlite:///{project}"], tmp_path)
    assert (light.returncode, light.stdout, light.stderr) == (
        full.returncode,
        full.stdout,
        full.stderr,
    ), command
    assert "typer" in full_modules
    if light.returncode == 0:
        assert "sqlalchemy" in full_modules  # the other way really was the full store
        if "--mode=lemma" in command:
            # a lemma the corpus cannot answer loads the language model, and only that
            assert not {"sqlalchemy", "textual"} & light_modules, command
        else:
            assert heavy(light_modules) == [], command
        assert "codage.store.lite" in light_modules
    else:
        assert len(light.stderr.decode().strip().splitlines()) == 1, command
    return light.stdout + light.stderr


STATS = [
    ("stats",),
    ("stats", "--json"),
    ("stats", "--csv"),
    ("stats", "--no-subcodes", "--code", "Partie 1"),
    ("stats", "--code", "Partie 1", "--code=Partie 2", "--json"),
    ("stats", "--coder", "ana", "--coder", "chloe", "--csv"),
    ("stats", "--document", "entretien-0001", "--document", "entretien-0002"),
    ("stats", "--code", "Nulle part"),
    ("stats", "--coder", "personne"),
    ("stats", "--document", "absent"),
    ("stats", "--json", "--csv"),
    ("stats", "--jsn"),
]


@pytest.mark.parametrize("command", STATS)
def test_stats_on_a_generated_project(
    generated: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    light_and_full(generated, command, tmp_path)


def test_the_generated_project_has_what_stats_shows(generated: Path, tmp_path: Path) -> None:
    done, _ = run(["stats", "--json", "-p", str(generated)], tmp_path)
    found = json.loads(done.stdout)
    assert sum(f["codings"] for f in found["frequencies"]) > 500
    assert found["cooccurrence_passage"] and found["cooccurrence_unit"]


@pytest.mark.parametrize(
    "command",
    [("stats",), ("stats", "--json"), ("stats", "--csv"), ("stats", "--code", "Partie 1")],
)
def test_stats_on_the_demo(demo_project: Path, command: tuple[str, ...], tmp_path: Path) -> None:
    printed = light_and_full(demo_project, command, tmp_path)
    assert len(printed) > 1000


def test_an_older_schema_and_a_missing_project_take_the_full_path(
    generated: Path, tmp_path: Path
) -> None:
    import sqlite3

    older = tmp_path / "older.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(older) as target:
        source.backup(target)
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0009'")
    done, modules = run(["stats", "--json", "-p", str(older)], tmp_path)
    assert done.returncode == 0 and "sqlalchemy" in modules
    light, _ = run(["stats", "--json", "-p", str(generated)], tmp_path)
    assert json.loads(done.stdout) == json.loads(light.stdout)
    args = ["stats", "-p", str(tmp_path / "absent.db")]
    missing, _ = run(args, tmp_path)
    typer_run, _ = run_through_typer(args, tmp_path)
    assert missing.returncode == typer_run.returncode == 2
    assert missing.stderr == typer_run.stderr and b"absent.db" in missing.stderr
    assert not (tmp_path / "absent.db").exists()


def test_a_project_behind_the_head_by_an_index_only_stays_light(
    generated: Path, tmp_path: Path
) -> None:
    """0013 only added an index on units: a 0012 project (most projects in use before
    it) is read light, as the full store reads it, without being upgraded."""
    import sqlite3

    behind = tmp_path / "behind.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(behind) as target:
        source.backup(target)
    with sqlite3.connect(behind) as conn:
        conn.execute("DROP INDEX ix_units_document_places")
        conn.execute("UPDATE alembic_version SET version_num = '0012'")
    light, _ = run(["stats", "--json", "-p", str(generated)], tmp_path)
    for args in (["stats", "--json"], ["segments", "--json"], ["search", "intranet"]):
        done, modules = run([*args, "-p", str(behind)], tmp_path)
        assert done.returncode == 0 and "sqlalchemy" not in modules, args
    done, _ = run(["stats", "--json", "-p", str(behind)], tmp_path)
    assert json.loads(done.stdout) == json.loads(light.stdout)
    with sqlite3.connect(behind) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0012",)


SEARCH = [
    ("search", "intranet"),
    ("search", "--json", "logiciel", "--limit", "0"),
    ("search", "-m", "words", "logiciel communes", "--no-accents"),
    ("search", "--mode=lemma", "regrouper", "--json"),
    ("search", "-m", "regex", r"d[ée]mat\w+", "--limit", "3"),
    ("search", "--accents", "dématérialisation", "--document", "entretien-0001"),
    ("search", "-m", "fuzzy", "logicel", "--code", "Partie 1"),
    ("search", "logiciel", "--code", "Nulle part"),
    ("search", "-m", "bogus", "x"),
    ("search", "logiciel", "--case", "type"),
]


@pytest.mark.parametrize("command", SEARCH)
def test_search_on_a_generated_project(
    generated: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    light_and_full(generated, command, tmp_path)


@pytest.mark.parametrize(
    "command",
    [
        ("search", "intranet"),
        ("search", "intranet", "--json", "--case", "type_collectivite=Région"),
        ("search", "-m", "fuzzy", "rançongicel"),
        ("search", "--mode", "words", "intranet agents", "--limit", "0"),
    ],
)
def test_search_on_the_demo(demo_project: Path, command: tuple[str, ...], tmp_path: Path) -> None:
    printed = light_and_full(demo_project, command, tmp_path)
    assert b"intranet" in printed.lower() or b"ran" in printed


def test_a_stale_index_is_written_by_the_full_store(generated: Path, tmp_path: Path) -> None:
    """Where the full store would bring the search index up to date before searching,
    the light read does not write: the search runs on the full store, which does."""
    import sqlite3

    stale = tmp_path / "stale.db"
    with sqlite3.connect(generated) as source, sqlite3.connect(stale) as target:
        source.backup(target)
    with sqlite3.connect(stale) as conn:
        conn.execute("DELETE FROM search_texts WHERE document_id = (SELECT min(id) FROM documents)")
    fresh, _ = run(["search", "logiciel", "-p", str(generated)], tmp_path)
    done, modules = run(["search", "logiciel", "-p", str(stale)], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, fresh.stdout, b"")
    assert "sqlalchemy" in modules
    with sqlite3.connect(stale) as conn:
        assert conn.execute("SELECT count(*) FROM search_texts").fetchone()[0] == 3
    again, modules = run(["search", "logiciel", "-p", str(stale)], tmp_path)
    assert again.stdout == fresh.stdout and "sqlalchemy" not in modules

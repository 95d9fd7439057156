"""`codage undo`, `redo` and `history` on real project files: the person who ran a
consensus undoes it with a plain `codage undo`; messages name the document, the
code and the passage, in English and French."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage import i18n
from codage.cli import app
from codage.domain import NewDocument, Unit
from codage.services import Project
from tests.conftest import ROOT

TEXT = (
    "Au début, personne ne lisait l'intranet. Puis la crise sanitaire est arrivée. "
    "Tout le monde a dû s'y mettre."
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    """Two coders' codings of one interview, ana's with the last change."""
    path = tmp_path / "team.db"
    with Project.open(str(path)) as p:
        doc = p.add_document(
            NewDocument("entretien-01-region", "text", TEXT, units=[Unit("paragraph", 0, 40)])
        )
        part = p.create_code("Partie 1", coder="lead")
        code = p.create_code("Intranet", parent_id=part.id, coder="lead")
        p.add_coding(doc.id, code.id, 0, 60, coder="ben")
        p.add_coding(doc.id, code.id, 10, 79, coder="ana")
    return path


def test_consensus_then_a_plain_undo_by_the_same_person(
    coded: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODAGE_CODER", "lead")
    code, out, err = run(
        runner, "consensus", "-p", str(coded), "--coders", "ana,ben", "--as", "accord", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["added"] == 1
    code, out, err = run(runner, "undo", "-p", str(coded))
    assert code == 0, err
    assert "Undone: consensus (union) of ana, ben as accord: 1 coding(s) added" in out
    with Project.open(str(coded)) as p:
        assert p.codings(coders=["accord"]) == []
        assert len(p.codings()) == 2  # ana's and ben's untouched
    code, out, _ = run(runner, "redo", "-p", str(coded))
    assert code == 0 and "Redone: consensus" in out
    with Project.open(str(coded)) as p:
        assert len(p.codings(coders=["accord"])) == 1


def test_undo_and_redo_speak_of_the_passage_in_both_languages(
    coded: Path, runner: CliRunner
) -> None:
    code, out, _ = run(runner, "undo", "-p", str(coded), "--coder", "ana")
    assert code == 0
    assert out.strip() == (
        'Undone: coded "Partie 1/Intranet" on entretien-01-region « personne ne lisait '
        "l'intranet. Puis… »"
    )
    assert "[" not in out  # no [10, 79)
    i18n.set_language("fr")
    code, out, _ = run(runner, "redo", "-p", str(coded), "--coder", "ana")
    assert code == 0
    assert out.strip() == (
        "Rétabli : codé « Partie 1/Intranet » sur entretien-01-region « personne ne lisait "
        "l'intranet. Puis… »"
    )
    code, out, _ = run(runner, "uncode", "entretien-01-region", "Partie 1/Intranet", "--all",
                       "-p", str(coded), "--coder", "ana")  # fmt: skip
    assert code == 0
    code, out, _ = run(runner, "undo", "-p", str(coded), "--coder", "ana")
    assert out.strip().startswith("Annulé : retiré « Partie 1/Intranet » de entretien-01-region")


def test_nothing_to_undo_and_a_refused_undo_are_one_line(coded: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, "undo", "-p", str(coded), "--coder", "nobody")
    assert code == 1 and err.strip() == "codage: error: Nothing to undo for nobody"
    with Project.open(str(coded)) as p:
        (ana,) = p.codings(coders=["ana"])
        with p.batch(coder="lead"):  # an explicit decision by someone else
            p.remove_coding(ana.id, coder="ana")
    code, _, err = run(runner, "undo", "-p", str(coded), "--coder", "ana")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert 'cannot undo coded "Partie 1/Intranet" on entretien-01-region' in err
    assert "Traceback" not in err


def test_history_lists_everyone_newest_first(
    coded: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODAGE_CODER", "lead")
    run(runner, "consensus", "-p", str(coded), "--coders", "ana,ben", "--as", "accord")
    run(runner, "undo", "-p", str(coded), "--coder", "ana")
    code, out, _ = run(runner, "history", "-p", str(coded), "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["by"], r["action"], r["state"]) for r in rows] == [
        ("lead", "consensus", "done"),
        ("ana", "add_coding", "undone"),
        ("ben", "add_coding", "done"),
        ("lead", "create_code", "done"),
        ("lead", "create_code", "done"),
    ]
    assert rows[0]["coders"] == ["accord"] and rows[1]["undone"] is True
    assert rows[1]["description"].startswith('coded "Partie 1/Intranet" on entretien-01-region')
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    code, out, _ = run(runner, "history", "-p", str(coded), "--json", "--limit", "2")
    assert [r["action"] for r in json.loads(out)] == ["consensus", "add_coding"]
    code, out, _ = run(runner, "history", "-p", str(coded), "--json", "--coder", "ana")
    assert [r["by"] for r in json.loads(out)] == ["ana"]
    code, out, _ = run(runner, "history", "-p", str(coded), "--json", "--all", "--limit", "1")
    assert len(json.loads(out)) == 5
    code, out, _ = run(runner, "history", "-p", str(coded))
    assert code == 0 and "Journal (5)" in out and "undone" in out and "lead" in out
    code, out, _ = run(runner, "history", "--help")
    assert "everyone" in out


def test_history_of_a_missing_project_is_one_line(tmp_path: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, "history", "-p", str(tmp_path / "absent.db"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_consensus_then_undo_in_real_processes(coded: Path) -> None:
    env = {
        **os.environ,
        "CODAGE_PROJECT": str(coded),
        "CODAGE_CODER": "lead",
        "PYTHONPATH": str(ROOT),
    }

    def codage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )

    done = codage("consensus", "--coders", "ana,ben", "--rule", "intersection", "--as", "accord")
    assert done.returncode == 0, done.stderr
    undone = codage("undo")
    assert undone.returncode == 0, undone.stderr
    assert "consensus (intersection) of ana, ben as accord" in undone.stdout
    listed = codage("history", "--json", "--limit", "1")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["by"], row["action"], row["state"]) == ("lead", "consensus", "undone")
    with Project.open(str(coded)) as p:
        assert p.codings(coders=["accord"]) == []

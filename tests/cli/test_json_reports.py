"""`--json` on the commands that change codings or bring files in: `uncode`, `undo`,
`redo`, `consensus`, `import`. Each prints one JSON document on stdout and nothing
else, and what it says is checked against the project file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import NewDocument, Unit, word_count
from codage.services import Project
from tests.conftest import ROOT

TEXT = (
    "Au début, personne ne lisait l'intranet. Puis la crise sanitaire est arrivée. "
    "Tout le monde a dû s'y mettre."
)
DOC = "entretien-01-region"
CODE = "Partie 1/Intranet"


def run_json(*args: str) -> Any:
    """Run a command with --json: exit 0, nothing on stderr, one JSON document."""
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    """ana coded two passages, ben one."""
    path = tmp_path / "team.db"
    with Project.open(str(path)) as p:
        doc = p.add_document(NewDocument(DOC, "text", TEXT, units=[Unit("paragraph", 0, 40)]))
        part = p.create_code("Partie 1", coder="lead")
        code = p.create_code("Intranet", parent_id=part.id, coder="lead")
        p.add_coding(doc.id, code.id, 0, 60, coder="ben")
        p.add_coding(doc.id, code.id, 10, 39, coder="ana")
        p.add_coding(doc.id, code.id, 41, 77, coder="ana")
    return path


def test_uncode_json_names_the_removed_codings_and_the_journal_entry(coded: Path) -> None:
    report = run_json("uncode", DOC, CODE, "--all", "-p", str(coded), "--coder", "ana")
    removed = report["removed"]
    spans = [(r["start"], r["end"], r["coder"]) for r in removed]
    assert spans == [(10, 39, "ana"), (41, 77, "ana")]
    assert {r["document"] for r in removed} == {DOC} and {r["code"] for r in removed} == {CODE}
    assert removed[0]["text"] == TEXT[10:39]
    journal = report["journal"]
    assert journal["action"] == "uncode" and journal["by"] == "ana"
    assert journal["coders"] == ["ana"] and journal["state"] == "done"
    with Project.open(str(coded)) as p:
        assert p.codings(coders=["ana"]) == []
        [newest] = p.history(limit=1)
        assert newest.id == journal["id"]
        assert len(p.codings(coders=["ben"])) == 1  # ben's coding of the same code untouched


def test_undo_and_redo_json_say_which_entry_they_took_back(coded: Path) -> None:
    uncoded = run_json("uncode", DOC, CODE, "--text", "personne ne lisait l'intranet",
                       "-p", str(coded), "--coder", "ana")  # fmt: skip
    assert [(r["start"], r["end"]) for r in uncoded["removed"]] == [(10, 39)]
    undone = run_json("undo", "-p", str(coded), "--coder", "ana")
    assert undone["step"] == "undo"
    assert undone["id"] == uncoded["journal"]["id"]
    assert undone["action"] == "uncode" and undone["coders"] == ["ana"]
    assert undone["state"] == "undone" and undone["undone"] is True
    assert "personne ne lisait" in undone["description"]
    with Project.open(str(coded)) as p:
        assert [(c.start, c.end) for c in p.codings(coders=["ana"])] == [(10, 39), (41, 77)]
    redone = run_json("redo", "-p", str(coded), "--coder", "ana")
    assert redone["step"] == "redo" and redone["id"] == undone["id"]
    assert redone["undone"] is False
    with Project.open(str(coded)) as p:
        assert [(c.start, c.end) for c in p.codings(coders=["ana"])] == [(41, 77)]


def test_nothing_to_undo_with_json_prints_no_json(coded: Path) -> None:
    result = CliRunner().invoke(app, ["undo", "-p", str(coded), "--coder", "nobody", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "codage: error: Nothing to undo for nobody"


def test_consensus_json_matches_the_layer_written(coded: Path) -> None:
    report = run_json("consensus", "-p", str(coded), "--coders", "ana,ben",
                      "--rule", "intersection", "--as", "accord", "--coder", "lead")  # fmt: skip
    assert report["coders"] == ["ana", "ben"] and report["as_coder"] == "accord"
    with Project.open(str(coded)) as p:
        layer = p.codings(coders=["accord"])
        # ben's 0-60 meets ana's 10-39 and 41-60
        assert [(c.start, c.end) for c in layer] == [(10, 39), (41, 60)]
        assert report["added"] == len(layer)
        [newest] = p.history(limit=1)
        assert newest.action == "consensus" and newest.coder == "lead"


def test_import_json_reports_every_file(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    source = ROOT / "transcripts" / "entretien-07-syndicat.txt"
    [row] = run_json("import", "-p", db, str(source))
    assert row["name"] == source.name and row["file"] == str(source)
    assert row["status"] == "imported" and row["message"] == ""
    assert row["documents"] == ["entretien-07-syndicat"]
    assert isinstance(row["warnings"], list)
    with Project.open(db) as p:
        doc = p.document("entretien-07-syndicat")
        units = p.units(doc.id)
    kinds = {kind: sum(u.kind == kind for u in units) for kind in row["units"]}
    assert row["units"] == kinds and kinds["turn"] > 10
    assert row["words"] == word_count(doc.text) > 1000
    assert row["speakers"] and all(isinstance(s, str) for s in row["speakers"])

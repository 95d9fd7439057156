"""The verbs the command line shares with the interface (issue 13): memos, cases, codebook
edits and documents, on a real project file, read back with ``Project``; undo takes back
what is journaled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import sample_document


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def ready(project_path: Path) -> Path:
    """One interview, codes Outils > Intranet and Sécurité, a coding by ana and one by ben."""
    with Project.open(str(project_path)) as p:
        doc = p.add_document(sample_document())
        tools = p.create_code("Outils", coder="ana")
        intranet = p.create_code("Intranet", parent_id=tools.id, coder="ana")
        p.create_code("Sécurité", coder="ana")
        p.add_coding(doc.id, intranet.id, 13, 22, coder="ana")
        p.add_coding(doc.id, intranet.id, 70, 90, coder="ben")
    return project_path


def run(runner: CliRunner, project: Path, *args: str, coder: str = "ana") -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "-p", str(project), "--coder", coder])
    return result.exit_code, result.stdout, result.stderr


def run_plain(runner: CliRunner, project: Path, *args: str) -> tuple[int, str, str]:
    """Commands without --coder (read-only ones, and document commands)."""
    result = runner.invoke(app, [*args, "-p", str(project)])
    return result.exit_code, result.stdout, result.stderr


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("codage: error:"), err
    return lines[0]


def undo(runner: CliRunner, project: Path, coder: str = "ana") -> None:
    code, _, err = run(runner, project, "undo", coder=coder)
    assert code == 0, err


def paths(project: Path) -> set[str]:
    with Project.open(str(project)) as p:
        return {c.path_str for c in p.codes()}


# ---------------------------------------------------------------------------
# codebook
# ---------------------------------------------------------------------------


def test_codebook_add_then_undo(ready: Path, runner: CliRunner) -> None:
    code, out, err = run(
        runner, ready, "codebook", "add", "outils/Messagerie", "--colour", "#aa00cc", "--json"
    )
    assert code == 0, err
    made = json.loads(out)
    assert made["path"] == "Outils/Messagerie" and made["colour"] == "#AA00CC"
    with Project.open(str(ready)) as p:
        assert p.code("Outils/Messagerie").colour == "#AA00CC"
    undo(runner, ready)
    assert "Outils/Messagerie" not in paths(ready)


def test_codebook_rename_keeps_codings_and_undo_restores(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, ready, "codebook", "rename", "Outils/Intranet", "Portail", "--json")
    assert code == 0
    assert json.loads(out)["was"] == "Outils/Intranet"
    with Project.open(str(ready)) as p:
        portal = p.code("Outils/Portail")
        assert len(p.codings(code_ids=[portal.id])) == 2
    undo(runner, ready)
    assert "Outils/Intranet" in paths(ready) and "Outils/Portail" not in paths(ready)


def test_codebook_move_to_top_and_under(ready: Path, runner: CliRunner) -> None:
    code, _, _ = run(runner, ready, "codebook", "move", "Outils/Intranet")
    assert code == 0
    assert "Intranet" in paths(ready)
    code, _, _ = run(runner, ready, "codebook", "move", "Intranet", "--under", "Sécurité")
    assert code == 0
    assert "Sécurité/Intranet" in paths(ready)
    undo(runner, ready)
    undo(runner, ready)
    assert "Outils/Intranet" in paths(ready)
    code, _, err = run(runner, ready, "codebook", "move", "Outils", "--under", "Outils/Intranet")
    assert code == 2 and "under itself" in one_error_line(err)


def test_codebook_merge_moves_codings_and_undo_restores(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, ready, "codebook", "merge", "Outils/Intranet", "Sécurité", "--json")
    assert code == 0
    assert json.loads(out) == {"source": "Outils/Intranet", "target": "Sécurité", "moved": 2}
    with Project.open(str(ready)) as p:
        assert len(p.codings(code_ids=[p.code("Sécurité").id])) == 2
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert len(p.codings(code_ids=[p.code("Outils/Intranet").id])) == 2
    code, _, err = run(runner, ready, "codebook", "merge", "Sécurité", "Sécurité")
    assert code == 2 and "into itself" in one_error_line(err)


def test_codebook_delete_takes_subcodes_and_undo_restores(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, ready, "codebook", "delete", "Outils", "--json")
    assert code == 0
    assert json.loads(out) == {"deleted": "Outils", "subcodes": 1, "codings": 2}
    assert paths(ready) == {"Sécurité"}
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert {c.path_str for c in p.codes()} == {"Outils", "Outils/Intranet", "Sécurité"}
        assert len(p.codings()) == 2


def test_codebook_recolour_and_describe(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, ready, "codebook", "recolour", "Sécurité", "#123abc", "--json")
    assert code == 0 and json.loads(out)["colour"] == "#123ABC"
    code, _, _ = run(runner, ready, "codebook", "describe", "Sécurité", "Attaques, sauvegardes")
    assert code == 0
    with Project.open(str(ready)) as p:
        found = p.code("Sécurité")
        assert (found.colour, found.description) == ("#123ABC", "Attaques, sauvegardes")
    undo(runner, ready)
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert p.code("Sécurité").colour != "#123ABC"
        assert p.code("Sécurité").description == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("codebook", "add", "Inconnu/X"), "Inconnu"),
        (("codebook", "add", "Outils/Intranet"), "already exists"),
        (("codebook", "add", "A//B"), "invalid code path"),
        (("codebook", "rename", "Nope", "X"), "Nope"),
        (("codebook", "rename", "Sécurité", "a/b"), "'/'"),
        (("codebook", "recolour", "Sécurité", "red"), "#RRGGBB"),
        (("codebook", "add", "Z", "--colour", "blue"), "#RRGGBB"),
        (("codebook", "delete", "Nope"), "Nope"),
        (("codebook", "move", "Sécurité", "--under", "Nope"), "Nope"),
    ],
)
def test_codebook_bad_input_is_one_line(
    ready: Path, runner: CliRunner, args: tuple[str, ...], says: str
) -> None:
    before = paths(ready)
    code, _, err = run(runner, ready, *args)
    assert code == 2
    assert says in one_error_line(err)
    assert paths(ready) == before


# ---------------------------------------------------------------------------
# memos
# ---------------------------------------------------------------------------


def test_memo_add_list_edit_delete_with_undo(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(
        runner, ready, "memo", "add", "À relire", "--document", "entretien", "--json"
    )
    assert code == 0
    added = json.loads(out)
    assert (added["on"], added["target"], added["text"]) == (
        "document",
        "entretien-test",
        "À relire",
    )
    code, _, _ = run(runner, ready, "memo", "add", "Définir mieux", "--code", "Outils/Intranet")
    assert code == 0
    code, _, _ = run(runner, ready, "memo", "add", "Notes d'étude")
    assert code == 0
    code, out, _ = run_plain(runner, ready, "memo", "list", "--json")
    listed = json.loads(out)
    assert [(m["on"], m["text"]) for m in listed] == [
        ("document", "À relire"),
        ("code", "Définir mieux"),
        ("project", "Notes d'étude"),
    ]
    code, out, _ = run_plain(runner, ready, "memo", "list", "--code", "Outils/Intranet", "--json")
    assert [m["text"] for m in json.loads(out)] == ["Définir mieux"]

    memo_id = str(added["id"])
    code, _, _ = run(runner, ready, "memo", "edit", memo_id, "--text", "Relu")
    assert code == 0
    with Project.open(str(ready)) as p:
        assert [m.text for m in p.memos("document")] == ["Relu"]
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert [m.text for m in p.memos("document")] == ["À relire"]

    code, _, _ = run(runner, ready, "memo", "delete", memo_id)
    assert code == 0
    with Project.open(str(ready)) as p:
        assert p.memos("document") == []
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert [m.text for m in p.memos("document")] == ["À relire"]


def test_memo_on_a_coding_is_its_coders(ready: Path, runner: CliRunner) -> None:
    with Project.open(str(ready)) as p:
        mine = p.codings(coders=["ana"])[0].id
        theirs = p.codings(coders=["ben"])[0].id
    code, _, _ = run(runner, ready, "memo", "add", "Exemple net", "--coding", str(mine))
    assert code == 0
    with Project.open(str(ready)) as p:
        assert p.coding(mine).memo == "Exemple net"
    code, out, _ = run_plain(runner, ready, "memo", "list", "--json")
    [listed] = json.loads(out)
    assert listed["on"] == "coding" and listed["target_id"] == mine and listed["id"] is None
    code, _, err = run(runner, ready, "memo", "add", "Pas à moi", "--coding", str(theirs))
    assert code == 2 and "ben" in one_error_line(err)
    code, _, err = run(runner, ready, "memo", "add", "Encore", "--coding", str(mine))
    assert code == 2 and "has a memo already" in one_error_line(err)
    code, _, _ = run(runner, ready, "memo", "edit", "--coding", str(mine), "--text", "Mieux")
    assert code == 0
    code, _, _ = run(runner, ready, "memo", "delete", "--coding", str(mine))
    assert code == 0
    with Project.open(str(ready)) as p:
        assert p.coding(mine).memo is None
    undo(runner, ready)
    with Project.open(str(ready)) as p:
        assert p.coding(mine).memo == "Mieux"
    with Project.open(str(ready)) as p:
        assert p.coding(theirs).memo is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("memo", "add", "x", "--document", "nulle-part"), "nulle-part"),
        (("memo", "add", "x", "--code", "Nope"), "Nope"),
        (("memo", "add", "x", "--coding", "999"), "999"),
        (("memo", "add", "x", "--code", "Outils", "--document", "entretien"), "one thing"),
        (("memo", "add", "  "), "needs some text"),
        (("memo", "edit", "42", "--text", "x"), "no memo with id 42"),
        (("memo", "edit", "1"), "--text"),
        (("memo", "delete"), "memo id"),
        (("memo", "delete", "42"), "no memo with id 42"),
    ],
)
def test_memo_bad_input_is_one_line(
    ready: Path, runner: CliRunner, args: tuple[str, ...], says: str
) -> None:
    code, _, err = run(runner, ready, *args)
    assert code == 2
    assert says in one_error_line(err)
    with Project.open(str(ready)) as p:
        assert p.memos() == []


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------


def test_cases_list_and_set(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run_plain(runner, ready, "cases", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "name": "DSI-01",
            "attributes": {"type_collectivite": "Région", "taille": 1200},
            "documents": ["entretien-test"],
        }
    ]
    code, out, _ = run_plain(
        runner, ready, "case", "set", "DSI-01", "taille=1500", "grade=A", "--json"
    )
    assert code == 0
    assert json.loads(out)["attributes"] == {
        "type_collectivite": "Région",
        "taille": 1500,
        "grade": "A",
    }
    with Project.open(str(ready)) as p:
        assert p.case("DSI-01").attributes["taille"] == 1500
    code, _, err = run_plain(runner, ready, "case", "set", "DSI-99", "grade=B")
    assert code == 2 and "--create" in one_error_line(err)
    code, _, _ = run_plain(runner, ready, "case", "set", "DSI-99", "grade=B", "--create")
    assert code == 0
    with Project.open(str(ready)) as p:
        assert p.case("DSI-99").attributes == {"grade": "B"}
    code, out, _ = run_plain(runner, ready, "cases")
    assert code == 0 and "DSI-99" in out and "grade=B" in out


@pytest.mark.parametrize("item", ["grade", "=B", "grade=", " = "])
def test_case_set_bad_attribute_is_one_line(ready: Path, runner: CliRunner, item: str) -> None:
    code, _, err = run_plain(runner, ready, "case", "set", "DSI-01", item)
    assert code == 2 and "KEY=VALUE" in one_error_line(err)
    with Project.open(str(ready)) as p:
        assert p.case("DSI-01").attributes == {"type_collectivite": "Région", "taille": 1200}


# ---------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------


def test_document_show_lists_units_with_speakers(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run_plain(runner, ready, "document", "show", "entretien", "--json")
    assert code == 0
    shown = json.loads(out)
    with Project.open(str(ready)) as p:
        doc = p.document("entretien-test")
    assert shown["text"] == doc.text
    assert [u["locator"] for u in shown["units"]] == ["turn 1", "turn 2", "turn 3", "turn 4"]
    assert [u["speaker"] for u in shown["units"]][:2] == ["Enquêtrice", "M. Garnier"]
    assert all(doc.text[u["start"] : u["end"]] == u["text"] for u in shown["units"])
    code, out, _ = run_plain(runner, ready, "document", "show", "entretien")
    assert code == 0 and "turn 4" in out and "M. Garnier" in out


def test_document_rename(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run_plain(runner, ready, "document", "rename", "entretien", "DSI-01", "--json")
    assert code == 0 and json.loads(out) == {"was": "entretien-test", "name": "DSI-01"}
    with Project.open(str(ready)) as p:
        assert [d.name for d in p.documents()] == ["DSI-01"]
        assert len(p.codings()) == 2
    for bad, says in (("a\x1bb", "control character"), ("  ", "needs a name")):
        code, _, err = run_plain(runner, ready, "document", "rename", "DSI-01", bad)
        assert code == 2 and says in one_error_line(err)


def test_document_delete_asks_for_yes(ready: Path, runner: CliRunner) -> None:
    code, _, err = run_plain(runner, ready, "document", "delete", "entretien")
    assert code == 2 and "2 coding(s)" in one_error_line(err) and "--yes" in err
    with Project.open(str(ready)) as p:
        assert len(p.documents()) == 1
    code, out, _ = run_plain(runner, ready, "document", "delete", "entretien", "--yes", "--json")
    assert code == 0 and json.loads(out) == {"deleted": "entretien-test", "codings": 2}
    with Project.open(str(ready)) as p:
        assert p.documents() == [] and p.codings() == []
    code, _, err = run_plain(runner, ready, "document", "show", "entretien")
    assert code == 2 and "entretien" in one_error_line(err)

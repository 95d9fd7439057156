"""`codage merge`, `consensus`, `agreement` and `aside` on real project files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from docx import Document as WordDocument
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import NewDocument, Unit
from codage.services import Project

TEXT = "Phrase 01.Phrase 02.Phrase 03.Phrase 04."


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _coder_project(path: Path, coder: str, spans: list[tuple[str, int, int]]) -> Path:
    with Project.open(str(path)) as p:
        doc = p.add_document(
            NewDocument(
                "d1", "text", TEXT, units=[Unit("sentence", i, i + 10) for i in range(0, 40, 10)]
            )
        )
        codes: dict[str, int] = {}
        for name, start, end in spans:
            if name not in codes:
                codes[name] = p.create_code(name, coder=coder).id
            p.add_coding(doc.id, codes[name], start, end, coder=coder)
    return path


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path, Path]:
    a = _coder_project(tmp_path / "a.db", "A", [("X", 2, 5), ("X", 12, 25), ("Y", 35, 38)])
    b = _coder_project(tmp_path / "b.db", "B", [("X", 0, 10), ("X", 28, 32), ("Y", 30, 40)])
    return tmp_path / "team.db", a, b


@pytest.fixture
def merged(team: tuple[Path, Path, Path], runner: CliRunner) -> Path:
    target, a, b = team
    code, _out, err = run(runner, "merge", str(target), str(a), str(b), "--coder", "lead", "--json")
    assert code == 0, err
    return target


def test_merge_json_reports_each_source(team: tuple[Path, Path, Path], runner: CliRunner) -> None:
    target, a, b = team
    code, out, _ = run(runner, "merge", str(target), str(a), str(b), "--coder", "lead", "--json")
    assert code == 0
    report = json.loads(out)
    first, second = report["sources"]
    assert first["documents_added"] == ["d1"] and second["documents_matched_sha"] == ["d1"]
    assert (first["codings_added"], second["codings_added"]) == (3, 3)
    assert second["codes_matched"] == 2
    # again: nothing new
    code, out, _ = run(runner, "merge", str(target), str(a), "--coder", "lead", "--json")
    assert json.loads(out)["sources"][0]["codings_added"] == 0


def test_merge_table_and_aside(tmp_path: Path, runner: CliRunner) -> None:
    original = "Nous avons un intranet. Le serveur a brûlé en mars. Tout va mieux."
    corrected = "Nous avons un intranet communal. Tout va mieux."
    target = tmp_path / "t.db"
    with Project.open(str(target)) as p:
        p.add_document(NewDocument("d1", "text", corrected))
    with Project.open(str(tmp_path / "s.db")) as p:
        doc = p.add_document(NewDocument("d1", "text", original))
        x = p.create_code("X", coder="A")
        for passage in ("un intranet", "Le serveur a brûlé en mars."):
            start = original.index(passage)
            p.add_coding(doc.id, x.id, start, start + len(passage), coder="A")
    code, out, _ = run(runner, "merge", str(target), str(tmp_path / "s.db"), "--coder", "lead")
    assert code == 0
    assert "aside" in out
    code, out, _ = run(runner, "aside", "-p", str(target), "--json")
    rows = json.loads(out)
    assert [(r["document"], r["code"], r["coder"], r["text"]) for r in rows] == [
        ("d1", "X", "A", "Le serveur a brûlé en mars.")
    ]
    code, out, _ = run(runner, "aside", "-p", str(target))
    assert code == 0 and "serveur" in out


def test_merge_of_a_missing_source_is_one_line(tmp_path: Path, runner: CliRunner) -> None:
    code, _out, err = run(runner, "merge", str(tmp_path / "t.db"), str(tmp_path / "absent.db"))
    assert code == 2
    assert "absent.db" in err and len(err.strip().splitlines()) == 1


def test_agreement_json_csv_table_and_docx(merged: Path, runner: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(runner, "agreement", "-p", str(merged), "--unit", "sentence", "--json")
    assert code == 0
    report = json.loads(out)
    by_code = {f["code"]: f for f in report["per_code"]}
    assert by_code["X"]["percent_agreement"] == 0.5
    assert by_code["X"]["cohen_kappa"] == pytest.approx(-1 / 3)
    assert len(report["disagreements"]) == 2

    code, out, _ = run(runner, "agreement", "-p", str(merged), "--csv", "--coders", "A,B")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["code"] for r in rows] == ["(all codes)", "X", "Y"]
    assert float(rows[1]["percent_agreement"]) == pytest.approx(0.4)

    code, out, _ = run(runner, "agreement", "-p", str(merged), "--code", "x")
    assert code == 0 and "uα" in out

    word = tmp_path / "accord.docx"
    code, out, _ = run(runner, "agreement", "-p", str(merged), "--docx", str(word))
    assert code == 0 and word.exists()
    tables = WordDocument(str(word)).tables
    assert tables[0].rows[1].cells[0].text == "(all codes)"
    assert len(tables[1].rows) == 1 + 6  # header and the six disagreements


def test_agreement_bad_input_is_one_line(merged: Path, runner: CliRunner) -> None:
    for args in (
        ["--unit", "word"],
        ["--coders", "A"],
        ["--code", "Nope"],
        ["--document", "nope"],
        ["--coders", "A,Zed"],
    ):
        code, _, err = run(runner, "agreement", "-p", str(merged), *args)
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1, err


def test_consensus_then_undo(merged: Path, runner: CliRunner) -> None:
    code, out, _ = run(
        runner,
        "consensus",
        "-p",
        str(merged),
        "--coders",
        "A,B",
        "--rule",
        "intersection",
        "--as",
        "accord",
        "--coder",
        "lead",
        "--json",
    )
    assert code == 0
    report = json.loads(out)
    assert report["added"] == 2  # X [2,5) and Y [35,38)
    with Project.open(str(merged)) as p:
        assert {(c.start, c.end) for c in p.codings(coders=["accord"])} == {(2, 5), (35, 38)}
    # The change is the person's who ran it, not the layer's.
    code, out, _ = run(runner, "undo", "-p", str(merged), "--coder", "accord")
    assert code == 1
    code, out, _ = run(runner, "undo", "-p", str(merged), "--coder", "lead")
    assert code == 0 and "consensus (intersection) of A, B as accord" in out
    with Project.open(str(merged)) as p:
        assert p.codings(coders=["accord"]) == []


def test_consensus_bad_input_is_one_line(merged: Path, runner: CliRunner) -> None:
    for args in (
        ["--coders", "A,B", "--as", "c", "--rule", "vote"],
        ["--coders", "A", "--as", "c"],
        ["--coders", "A,B", "--as", "A"],
        ["--coders", "A,B", "--as", "c", "--code", "Nope"],
    ):
        code, _, err = run(runner, "consensus", "-p", str(merged), *args)
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1, err
    code, out, _ = run(
        runner, "consensus", "-p", str(merged), "--coders", "A,B", "--as", "c", "--rule", "union"
    )
    assert code == 0 and "union" in out


# ---------------------------------------------------------------------------
# aside: place and discard
# ---------------------------------------------------------------------------

ORIGINAL = "Nous avons un intranet. Le serveur a brûlé en mars. Tout va mieux."
CORRECTED = "Nous avons un intranet communal. Tout va mieux. Le serveur a brulé en mars."


@pytest.fixture
def kept_aside(tmp_path: Path) -> tuple[Path, list[int]]:
    """A project with two codings of coder A kept aside, as a merge leaves them."""
    target = tmp_path / "t.db"
    with Project.open(str(target)) as p:
        doc = p.add_document(NewDocument("d1", "text", CORRECTED))
        x = p.create_code("X", coder="A")
        ids = []
        for passage in ("Le serveur a brûlé en mars.", "Nous avons un intranet. Le"):
            start = ORIGINAL.index(passage)
            kept = p.set_aside(
                document_name="d1",
                document_id=doc.id,
                code_id=x.id,
                coder="A",
                start=start,
                end=start + len(passage),
                text=passage,
                source="s.db",
                reason="the passage is not in the target's text",
                actor="lead",
            )
            ids.append(kept.id)
    return target, ids


def test_aside_place_by_offsets_keeps_the_owner_and_undoes(
    kept_aside: tuple[Path, list[int]], runner: CliRunner
) -> None:
    target, ids = kept_aside
    start = CORRECTED.index("Le serveur")
    args = ["aside", "place", str(ids[0]), "--start", str(start), "--end", str(start + 10)]
    code, out, err = run(runner, *args, "-p", str(target), "--coder", "lead", "--json")
    assert code == 0, err
    placed = json.loads(out)
    assert (placed["coder"], placed["start"], placed["text"]) == ("A", start, "Le serveur")
    with Project.open(str(target)) as p:
        assert [(c.coder, c.start, c.end) for c in p.codings()] == [("A", start, start + 10)]
        assert [a.id for a in p.codings_aside()] == ids[1:]
    # the placer's undo puts it back aside
    code, _out, err = run(runner, "undo", "-p", str(target), "--coder", "lead")
    assert code == 0, err
    with Project.open(str(target)) as p:
        assert p.codings() == []
        assert sorted(a.id for a in p.codings_aside()) == sorted(ids)


def test_aside_place_by_text_and_discard(
    kept_aside: tuple[Path, list[int]], runner: CliRunner
) -> None:
    target, ids = kept_aside
    code, out, err = run(
        runner, "aside", "-p", str(target), "place", str(ids[0]), "--text", "brulé en mars"
    )
    assert code == 0, err
    assert "A" in out
    with Project.open(str(target)) as p:
        (coding,) = p.codings()
        assert coding.text == "brulé en mars"
        assert coding.start == CORRECTED.index("brulé")
    code, out, err = run(runner, "aside", "discard", str(ids[1]), "-p", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["discarded"]["id"] == ids[1]
    with Project.open(str(target)) as p:
        assert p.codings_aside() == []
        assert len(p.codings()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["place", "999", "--start", "0", "--end", "3"], "no coding kept aside with id 999"),
        (["discard", "999"], "no coding kept aside with id 999"),
        (["place", "{id}"], "either --start and --end, or --text"),
        (["place", "{id}", "--start", "0"], "--start and --end go together"),
        (["place", "{id}", "--start", "0", "--end", "3", "--text", "x"], "either"),
        (["place", "{id}", "--text", "absent passage"], "not in the document"),
        (["place", "{id}", "--start", "5", "--end", "500"], "outside the text"),
    ],
)
def test_aside_bad_input_is_one_line(
    kept_aside: tuple[Path, list[int]], runner: CliRunner, args: list[str], message: str
) -> None:
    target, ids = kept_aside
    args = [a.replace("{id}", str(ids[0])) for a in args]
    code, out, err = run(runner, "aside", *args, "-p", str(target))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out
    with Project.open(str(target)) as p:
        assert len(p.codings_aside()) == 2 and p.codings() == []

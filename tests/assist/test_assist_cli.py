"""`codage similar`, `codage suggest` (and `--accept`) and `codage assist-runs` on a real
project, and the suggested mark through `segments --json`, the CSV, XLSX and Word
exports, `agreement --exclude-suggested`, undo and merge."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from docx import Document as WordDocument
from openpyxl import load_workbook
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _sentence(db: Path) -> tuple[str, int, int, str]:
    with Project.open(str(db)) as project:
        doc = project.documents()[0]
        unit = next(u for u in project.units(doc.id, ["sentence"]) if u.end - u.start > 80)
        return doc.name, unit.start, unit.end, project.document(doc.id).text[unit.start : unit.end]


def test_similar_json_shape_and_itself_first(assist_path: Path) -> None:
    p = str(assist_path)
    name, start, end, text = _sentence(assist_path)
    code, out, err = run(
        "similar",
        name,
        "--start",
        str(start),
        "--end",
        str(end),
        "--top",
        "4",
        "--json",
        "--method",
        "tfidf",
        "-p",
        p,
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 4
    assert all(
        set(r) == {"document", "start", "end", "text", "score", "speaker", "case", "codes"}
        for r in rows
    )
    assert (rows[0]["document"], rows[0]["start"], rows[0]["end"]) == (name, start, end)
    assert rows[0]["text"] == text and rows[0]["score"] > 0.99
    # the same passage named by its text, and a free text without a document
    code, out, err = run("similar", name, "--text", text, "--json", "--method", "tfidf", "-p", p)
    assert code == 0, err
    assert json.loads(out)[0]["start"] == start
    code, out, err = run("similar", "--text", text, "--json", "--method", "tfidf", "-p", p)
    assert code == 0, err
    assert json.loads(out)[0]["start"] == start
    code, out, err = run(
        "similar", name, "--start", str(start), "--end", str(end), "-p", p, "--method", "tfidf"
    )
    assert code == 0 and "Passages like" in out


def test_suggest_json_shape_codes_nothing_and_is_recorded(assist_path: Path) -> None:
    p = str(assist_path)
    with Project.open(p) as project:
        before = project.codings()
        name = project.documents()[1].name
    code, out, err = run("suggest", name, "--json", "--method", "tfidf", "--coder", "zoe", "-p", p)
    assert code == 0, err
    units = json.loads(out)
    assert units
    for unit in units:
        assert set(unit) == {"document", "start", "end", "text", "suggestions"}
        assert unit["document"] == name
        for s in unit["suggestions"]:
            assert set(s) == {"code", "score", "evidence"} and s["evidence"]
            assert all(
                set(e) == {"document", "start", "end", "text", "coder"} for e in s["evidence"]
            )
    with Project.open(p) as project:
        assert project.codings() == before
        runs = project.assist_runs()
    assert [(r.command, r.coder, r.method, r.model) for r in runs] == [
        ("suggest", "zoe", "tfidf", "tfidf")
    ]
    code, out, err = run("assist-runs", "--json", "-p", p)
    assert code == 0, err
    assert json.loads(out)[0]["parameters"]["passages"] == len(units)


def test_bad_input_is_one_line(assist_path: Path) -> None:
    p = str(assist_path)
    for args in (
        ("similar", "-p", p),
        ("similar", "nope", "--start", "0", "--end", "5", "-p", p),
        ("similar", "--text", "x", "--method", "bert", "-p", p),
        ("suggest", "entretien-01-region", "--accept", "Usages", "-p", p),
        ("suggest", "entretien-01-region", "--start", "5", "--end", "2", "-p", p),
        # a missing project is refused, never created by a read
        ("similar", "--text", "x", "-p", str(assist_path.parent / "nope.db")),
    ):
        code, out, err = run(*args)
        assert code == 2, (args, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (args, err)
    assert not (assist_path.parent / "nope.db").exists()


def test_an_accepted_suggestion_is_marked_everywhere(assist_path: Path, tmp_path: Path) -> None:
    p = str(assist_path)
    name, start, end, _ = _sentence(assist_path)
    code, out, err = run(
        "suggest",
        name,
        "--start",
        str(start),
        "--end",
        str(end),
        "--json",
        "--method",
        "tfidf",
        "-p",
        p,
    )
    assert code == 0, err
    choice = json.loads(out)[0]["suggestions"][0]["code"]
    code, out, err = run(
        "suggest",
        name,
        "--start",
        str(start),
        "--end",
        str(end),
        "--accept",
        choice,
        "--coder",
        "bastien",
        "--json",
        "-p",
        p,
    )
    assert code == 0, err
    assert json.loads(out)["suggested"] is True

    code, out, err = run("segments", "--json", "-p", p)
    rows = json.loads(out)
    marked = [r for r in rows if r["suggested"]]
    assert [(r["coder"], r["code"], r["start"]) for r in marked] == [("bastien", choice, start)]

    table = tmp_path / "c.csv"
    assert run("export", "csv", str(table), "-p", p)[0] == 0
    with table.open(encoding="utf-8-sig", newline="") as handle:
        flags = [r["suggested"] for r in csv.DictReader(handle)]
    assert flags.count("1") == 1 and len(flags) == len(rows)
    xlsx = tmp_path / "c.xlsx"
    assert run("export", "xlsx", str(xlsx), "-p", p)[0] == 0
    sheet = load_workbook(xlsx).worksheets[0]
    column = [c.value for c in sheet[1]].index("suggested")
    assert sum(r[column] for r in sheet.iter_rows(min_row=2, values_only=True)) == 1
    word = tmp_path / "d.docx"
    assert run("export", "docx", str(word), "-p", p)[0] == 0
    paragraphs = [x.text for x in WordDocument(str(word)).paragraphs]
    assert any("bastien (accepted suggestion)" in x for x in paragraphs)

    code, out, err = run("agreement", "--exclude-suggested", "-p", p, "--json")
    assert code == 0, err
    assert any(
        "1 coding(s) accepted from suggestions left out" in n for n in json.loads(out)["notes"]
    )

    team = tmp_path / "team.db"
    code, _, err = run("merge", str(team), p, "--coder", "carol")
    assert code == 0, err
    with Project.open(str(team)) as project:
        assert [(c.coder, c.start) for c in project.codings() if c.suggested] == [
            ("bastien", start)
        ]
    assert run("undo", "--coder", "bastien", "-p", p)[0] == 0
    with Project.open(p) as project:
        assert not any(c.suggested for c in project.codings())

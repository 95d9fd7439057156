"""`codage search` and `codage autocode` on a real imported project, and the automatic mark
through `segments --json`, the CSV, XLSX and Word exports and `agreement
--exclude-automatic`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.services.search_corpus import build_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("search-cli"))


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project.db"
    copy.write_bytes(built.read_bytes())
    return copy


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_search_prints_hits_in_context(db: Path) -> None:
    code, out, _ = run("search", "sécurité", "-p", str(db))
    assert code == 0
    assert "2 hit(s)" in out and "entretien-a" in out and "DSI-A" in out
    assert "securite" in out


def test_search_json_each_mode(db: Path) -> None:
    for mode, query, expected in (
        ("exact", "intranet", 4),
        ("words", "agents intranet", 1),
        ("lemma", "dématérialiser", 3),
        ("regex", r"20\d\d", 2),
        ("fuzzy", "rançongiciel", 2),
    ):
        code, out, err = run("search", query, "--mode", mode, "-p", str(db), "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["mode"] == mode and data["total"] == expected, (mode, data)
        assert all({"document", "start", "end", "speaker", "case"} <= set(h) for h in data["hits"])


def test_search_filters_and_limit(db: Path) -> None:
    code, out, _ = run(
        "search",
        "intranet",
        "--document",
        "entretien-a",
        "--case",
        "taille=4800",
        "--limit",
        "1",
        "-p",
        str(db),
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["total"] == 2 and data["shown"] == 1


def test_search_text_from_files_is_escaped(tmp_path: Path) -> None:
    from codage.domain import NewDocument, Unit

    db = tmp_path / "p.db"
    text = "Il a écrit [bold red]intranet[/] et \x1b[31m rouge."
    with Project.open(str(db)) as project:
        project.add_document(
            NewDocument(
                name="piège", kind="text", text=text, units=[Unit("paragraph", 0, len(text))]
            )
        )
    code, out, _ = run("search", "intranet", "-p", str(db))
    assert code == 0 and "[bold red]" in out and "\x1b" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("(a|aa)+$", "--mode", "regex"), None),
        (("(unclosed", "--mode", "regex"), "not a valid regular expression"),
        (("x", "--mode", "nope"), "unknown mode"),
        (("x", "--case", "oops"), "KEY=VALUE"),
        (("x", "--document", "nowhere"), "no document"),
        (("x", "--code", "Nothing"), None),
    ],
)
def test_bad_input_is_one_line(db: Path, args: tuple[str, ...], message: str | None) -> None:
    code, _, err = run("search", *args, "-p", str(db))
    if args[0] == "(a|aa)+$":
        # a harmless run of the pattern: the corpus has no long run of "a"
        assert code == 0
        return
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    if message:
        assert message in err


def test_autocode_dry_run_writes_nothing(db: Path) -> None:
    code, out, err = run(
        "autocode",
        "intranet",
        "Outils/Intranet",
        "--dry-run",
        "--coder",
        "alice",
        "-p",
        str(db),
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["dry_run"] and data["to_code"] == 4 and data["added"] == 0
    with Project.open(str(db)) as project:
        assert project.codings() == []


def test_autocode_then_one_undo(db: Path) -> None:
    code, out, err = run(
        "autocode",
        "intranet",
        "Outils/Intranet",
        "--scope",
        "turn",
        "--coder",
        "alice",
        "-p",
        str(db),
    )
    assert code == 0, err
    assert "marked automatic" in out
    with Project.open(str(db)) as project:
        codings = project.codings()
        # 4 hits in 4 different turns
        assert len(codings) == 4 and all(c.automatic for c in codings)
    code, out, _ = run("segments", "-p", str(db), "--json")
    assert all(row["automatic"] for row in json.loads(out))
    # a second run codes nothing new and says so
    code, out, _ = run(
        "autocode",
        "intranet",
        "Outils/Intranet",
        "--scope",
        "turn",
        "--coder",
        "alice",
        "-p",
        str(db),
    )
    assert "Coded 0" in out and "4 already coded" in out
    code, _, err = run("undo", "--coder", "alice", "-p", str(db))
    assert code == 0, err
    with Project.open(str(db)) as project:
        assert project.codings() == []


def test_automatic_mark_in_exports_and_agreement(db: Path, tmp_path: Path) -> None:
    with Project.open(str(db)) as project:
        doc = project.document("entretien-a")
        code_id = next(c.id for c in project.codes() if c.path_str == "Sécurité")
        start = doc.text.index("Et la sécurité")
        project.add_coding(doc.id, code_id, start, start + 14, coder="bob")
        project.add_coding(doc.id, code_id, start, start + 14, coder="alice")
    run("autocode", "sécurité", "Sécurité", "--coder", "alice", "-p", str(db))

    out = tmp_path / "c.csv"
    code, _, err = run("export", "csv", str(out), "-p", str(db))
    assert code == 0, err
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    marks = sorted((r["coder"], r["automatic"]) for r in rows)
    assert marks == [("alice", "0"), ("alice", "1"), ("alice", "1"), ("bob", "0")]

    xlsx = tmp_path / "c.xlsx"
    assert run("export", "xlsx", str(xlsx), "-p", str(db))[0] == 0
    sheet = load_workbook(xlsx).worksheets[0]
    header = [c.value for c in sheet[1]]
    column = header.index("automatic")
    assert sorted(r[column] for r in sheet.iter_rows(min_row=2, values_only=True)) == [0, 0, 1, 1]

    word = tmp_path / "d.docx"
    assert run("export", "docx", str(word), "-p", str(db))[0] == 0
    paragraphs = [p.text for p in WordDocument(str(word)).paragraphs]
    assert any("alice (automatic)" in p for p in paragraphs)
    assert any("coders: alice, bob" in p for p in paragraphs)

    code, out, err = run("agreement", "-p", str(db), "--json")
    assert code == 0, err
    with_auto = json.loads(out)
    code, out, err = run("agreement", "--exclude-automatic", "-p", str(db), "--json")
    assert code == 0, err
    without = json.loads(out)
    assert any("2 automatic coding(s) left out" in n for n in without["notes"])
    # alice and bob agree on the one passage both coded by hand
    assert without["overall"] != with_auto["overall"]
    code, out, _ = run("agreement", "--help")
    assert "--exclude-automatic" in out and "default" in out


def test_merge_keeps_the_automatic_mark(db: Path, tmp_path: Path) -> None:
    run("autocode", "intranet", "Outils/Intranet", "--coder", "alice", "-p", str(db))
    with Project.open(str(db)) as project:
        doc = project.document("entretien-b")
        code_id = next(c.id for c in project.codes() if c.path_str == "Outils")
        project.add_coding(doc.id, code_id, 0, 10, coder="bob")
    team = tmp_path / "team.db"
    code, _, err = run("merge", str(team), str(db), "--coder", "carol")
    assert code == 0, err
    with Project.open(str(team)) as project:
        marks = sorted((c.coder, c.automatic) for c in project.codings())
    assert marks == [("alice", True)] * 4 + [("bob", False)]


def test_a_catastrophic_regex_ends_with_one_line(tmp_path: Path) -> None:
    from codage.domain import NewDocument, Unit

    db = tmp_path / "slow.db"
    text = "a" * 40 + "!"
    with Project.open(str(db)) as project:
        project.add_document(
            NewDocument(name="slow", kind="text", text=text, units=[Unit("paragraph", 0, 41)])
        )
    code, _, err = run("search", "(a|aa)+$", "--mode", "regex", "-p", str(db))
    assert code == 2 and "took longer than" in err and len(err.strip().splitlines()) == 1

"""The export and stats commands through Typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
import openpyxl
from typer.testing import CliRunner

from codage.cli import app

from .corpus import Corpus

runner = CliRunner()


def _run(corpus: Corpus, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--project", str(corpus.path)])


def test_export_docx_with_filters(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    result = _run(
        corpus,
        "export", "docx", str(out), "--code", "outils/intranet", "--coder", "bob",
        "--case", "type=Région", "--group-by", "document", "--context", "1", "--lang", "fr",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = docx.Document(str(out))
    assert doc.paragraphs[0].text == "Dossier de citations"
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert quotes == ["L'intranet est lent.", "Au début, personne ne le lisait."]


def test_export_transcript_and_tables(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "t.docx"
    result = _run(corpus, "export", "transcript", "entretien-b", str(out))
    assert result.exit_code == 0, result.output
    assert len(list(docx.Document(str(out)).comments)) == 3
    out = tmp_path / "c.csv"
    result = _run(corpus, "export", "csv", str(out), "--document", "enquete")
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3
    out = tmp_path / "c.xlsx"
    result = _run(corpus, "export", "xlsx", str(out), "--coder", "alice")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert len(list(book["Codings"].iter_rows())) == 1 + 7
    freq = {r[0]: r[1] for r in book["Frequencies"].iter_rows(min_row=2, values_only=True)}
    assert freq["Outils/Intranet"] == 3  # alice's codings only, like the rows
    book.close()


def test_stats_json_is_one_document(corpus: Corpus) -> None:
    result = _run(corpus, "stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {f["code"]: f["codings"] for f in data["frequencies"]}["Outils/Intranet"] == 5


def test_stats_csv_and_tables(corpus: Corpus) -> None:
    result = _run(corpus, "stats", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["# Frequencies"]
    assert rows[2][:2] == ["Outils/Intranet", "5"] or ["Outils/Intranet", "5"] in [
        r[:2] for r in rows
    ]
    result = _run(corpus, "stats")
    assert result.exit_code == 0, result.output
    assert "Co-occurrence" in result.stdout


def test_bad_input_is_one_line_and_exit_2(corpus: Corpus, tmp_path: Path) -> None:
    cases = [
        ("export", "docx", str(tmp_path / "d.docx"), "--code", "Inconnu"),
        ("export", "docx", str(tmp_path / "missing" / "d.docx")),
        ("export", "docx", str(tmp_path / "d.docx"), "--case", "type"),
        ("export", "docx", str(tmp_path / "d.docx"), "--case", "couleur=bleu"),
        ("export", "docx", str(tmp_path / "d.docx"), "--group-by", "coder"),
        ("export", "csv", str(tmp_path / "c.csv"), "--document", "nulle-part"),
        ("export", "transcript", "nulle-part", str(tmp_path / "t.docx")),
        ("export", "xlsx", str(tmp_path / "c.xlsx"), "--coder", "zoe"),
    ]
    for args in cases:
        result = _run(corpus, *args)
        assert result.exit_code == 2, (args, result.output)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("codage: error:"), (args, result.stderr)
        assert "Traceback" not in result.output


def test_export_json_says_what_was_written(corpus: Corpus, tmp_path: Path) -> None:
    """With --json each export prints one JSON document and nothing else; its counts
    are those of the file read back."""
    out = tmp_path / "d.docx"
    result = _run(corpus, "export", "docx", str(out), "--code", "outils/intranet", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["path"] == str(out) and report["format"] == "docx"
    quotes = [p for p in docx.Document(str(out)).paragraphs if p.style.name == "Quote"]
    assert report["extracts"] == len(quotes) > 0
    intranet = [c for c in corpus.codings if c.code_id == corpus.codes["Outils/Intranet"].id]
    assert report["codings"] == len(intranet)
    assert report["documents"] == len({c.document_id for c in intranet})
    assert report["coders"] == sorted({c.coder for c in intranet})

    out = tmp_path / "t.docx"
    result = _run(corpus, "export", "transcript", "entretien-b", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["document"] == "entretien-b" and report["path"] == str(out)
    assert report["comments"] == len(list(docx.Document(str(out)).comments)) == 3
    assert report["skipped"] == 0

    out = tmp_path / "c.csv"
    result = _run(corpus, "export", "csv", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert report["rows"] == len(list(csv.DictReader(handle))) == len(corpus.codings)
    assert report == {"path": str(out), "format": "csv", "rows": report["rows"], "sheets": []}

    out = tmp_path / "c.xlsx"
    result = _run(corpus, "export", "xlsx", str(out), "--coder", "alice", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    book = openpyxl.load_workbook(out, read_only=True)
    assert report["sheets"] == book.sheetnames
    assert report["rows"] == len(list(book["Codings"].iter_rows())) - 1 == 7
    book.close()


def test_a_failed_export_with_json_prints_no_json(corpus: Corpus, tmp_path: Path) -> None:
    result = _run(corpus, "export", "csv", str(tmp_path / "c.csv"), "--coder", "zoe", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("codage: error:")

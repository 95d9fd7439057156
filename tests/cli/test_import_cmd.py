"""`codage import` as a user runs it: summary, JSON, duplicates, failures, cases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT

TRANSCRIPTS = ROOT / "transcripts"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_import_prints_a_summary_and_documents_lists_them(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    result = invoke(
        "import", "-p", db, str(TRANSCRIPTS / "entretien-01-region.txt"),
        str(TRANSCRIPTS / "entretien-04-commune.txt"),
        "--case-attributes", str(TRANSCRIPTS / "cas-entretiens.csv"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "entretien-01-region.txt" in result.stdout
    assert "2 imported, 0 skipped, 0 failed" in result.stdout
    docs = json.loads(invoke("documents", "-p", db, "--json").stdout)
    commune = next(d for d in docs if d["name"] == "entretien-04-commune")
    assert commune["case"] == "DSI-04"
    assert commune["units"]["turn"] > 10
    assert "Ã©" not in Project.open(db).document("entretien-04-commune").text


def test_duplicates_are_skipped_unless_forced(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    source = str(TRANSCRIPTS / "entretien-07-syndicat.txt")
    assert invoke("import", "-p", db, source).exit_code == 0
    again = invoke("import", "-p", db, source, "--json")
    assert again.exit_code == 0
    [row] = json.loads(again.stdout)
    assert row["status"] == "skipped" and "already in the project" in row["message"]
    forced = invoke("import", "-p", db, source, "--force", "--json")
    assert json.loads(forced.stdout)[0]["documents"] == ["entretien-07-syndicat (2)"]


def test_a_bad_file_fails_alone_with_one_line_and_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"\x00\x01\x02\x03" * 50)
    unknown = tmp_path / "audio.mp3"
    unknown.write_bytes(b"ID3")
    good = TRANSCRIPTS / "entretien-02-departement.txt"
    result = invoke("import", "-p", db, str(bad), str(good), str(unknown))
    assert result.exit_code == 2
    assert "1 imported, 0 skipped, 2 failed" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("notes.txt: ") and "binary" in errors[0]
    assert errors[1].startswith("audio.mp3: ")
    assert "Traceback" not in result.output
    with Project.open(db) as p:
        assert [d.name for d in p.documents()] == ["entretien-02-departement"]


def test_a_missing_path_is_one_line(tmp_path: Path) -> None:
    result = invoke("import", "-p", str(tmp_path / "p.db"), str(tmp_path / "absent.txt"))
    assert result.exit_code == 2
    assert "absent.txt: no such file or folder" in result.stderr


def test_the_survey_table_becomes_one_document_per_question(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    result = invoke("import", "-p", db, str(TRANSCRIPTS / "commentaires-agents.csv"), "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["kind"] == "survey"
    assert len(row["documents"]) == 2
    assert row["units"]["answer"] == 328 + 112


def test_the_case_sheet_in_an_imported_folder_is_not_a_document(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "entretien-07-syndicat.txt").write_bytes(
        (TRANSCRIPTS / "entretien-07-syndicat.txt").read_bytes()
    )
    sheet = folder / "cas.csv"
    sheet.write_text("document,cas,role\nentretien-07-syndicat,DSI-07,DGS\n", encoding="utf-8")
    db = str(tmp_path / "p.db")
    result = invoke("import", "-p", db, str(folder), "--case-attributes", str(sheet), "--json")
    assert result.exit_code == 0, result.output
    assert [Path(r["file"]).name for r in json.loads(result.stdout)] == [
        "entretien-07-syndicat.txt"
    ]
    with Project.open(db) as p:
        assert p.document_case(p.documents()[0].id).attributes == {"role": "DGS"}

"""`codage export txt` and `codage document replace` on a real project file: the README
workflow (export, correct in an editor, replace, undo), a dry run that writes nothing,
and bad input said in one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.ingest.service import import_files
from codage.services import Project

TEXT = (
    "Q : Comment l'intranet est-il arrivé ?\n\n"
    "R : On a un intranet qui date de 2014. Personne ne le lisait au début. "
    "Puis la crise sanitaire est arrivée.\n\n"
    "Q : Et aujourd'hui ?\n\n"
    "R : Tout le monde s'y est mis, même la direction.\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"CODAGE_CODER": "ana"})
    return result.exit_code, result.stdout, result.stderr


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("documents", "units", "codings", "codings_aside")
        }


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    source = folder / "entretien-01.txt"
    source.write_text(TEXT, encoding="utf-8")
    path = folder / "p.db"
    with Project.open(str(path)) as p:
        assert import_files(p, [source], n_process=1).ok
        doc = p.document("entretien-01")
        code = p.create_code("Intranet", coder="lead").id
        for passage, coder in (
            ("On a un intranet qui date de 2014.", "ben"),
            ("Personne ne le lisait au début.", "ana"),
            ("Tout le monde s'y est mis", "ben"),
        ):
            start = doc.text.index(passage)
            p.add_coding(doc.id, code, start, start + len(passage), coder=coder)
    return path


def test_export_correct_replace_undo(coded: Path, tmp_path: Path) -> None:
    project = tmp_path / "p.db"
    project.write_bytes(coded.read_bytes())
    out = tmp_path / "entretien.txt"
    code, stdout, err = run("export", "txt", "entretien-01", str(out), "-p", str(project))
    assert code == 0, err
    assert out.read_bytes() == TEXT.encode("utf-8")
    before = _rows(project)

    edited = TEXT.replace("2014", "2012").replace(" Personne ne le lisait au début.", "")
    out.write_text(edited, encoding="utf-8")
    code, stdout, err = run(
        "document", "replace", "entretien-01", str(out), "--dry-run", "-p", str(project)
    )
    assert code == 0, err
    assert "nothing written" in stdout and "Personne ne le lisait au début." in stdout
    assert _rows(project) == before

    code, stdout, err = run(
        "document", "replace", "entretien-01", str(out), "--json", "-p", str(project)
    )
    assert code == 0, err
    report = json.loads(stdout)
    assert [c["old"]["text"] for c in report["aside"]] == ["Personne ne le lisait au début."]
    assert [(c["old"]["text"], c["new"]["text"]) for c in report["changed"]] == [
        ("On a un intranet qui date de 2014.", "On a un intranet qui date de 2012.")
    ]
    assert report["coders"] == ["ana", "ben"]
    with Project.open(str(project)) as p:
        text = p.document("entretien-01").text
        assert text == edited
        assert [text[c.start : c.end] for c in p.codings()] == [
            "On a un intranet qui date de 2012.",
            "Tout le monde s'y est mis",
        ]
        assert [a.text for a in p.codings_aside()] == ["Personne ne le lisait au début."]

    code, stdout, err = run("undo", "-p", str(project))
    assert code == 0, err
    assert _rows(project) == before
    again = tmp_path / "again.txt"
    assert run("export", "txt", "entretien-01", str(again), "-p", str(project))[0] == 0
    assert again.read_bytes() == TEXT.encode("utf-8")


def test_bad_input_is_one_line(coded: Path, tmp_path: Path) -> None:
    project = tmp_path / "p.db"
    project.write_bytes(coded.read_bytes())
    before = _rows(project)
    survey = Path(__file__).resolve().parents[2] / "transcripts" / "commentaires-agents.csv"
    empty = tmp_path / "vide.txt"
    empty.write_text("  \n", encoding="utf-8")
    for args, words in (
        (("document", "replace", "entretien-01", str(tmp_path / "absent.txt")), "no such file"),
        (("document", "replace", "entretien-01", str(survey)), "holds 2 documents"),
        (("document", "replace", "entretien-01", str(empty)), "empty"),
        (("document", "replace", "nowhere", str(empty)), "no document"),
        (("export", "txt", "entretien-01", str(tmp_path / "x.docx")), ".txt"),
    ):
        code, stdout, err = run(*args, "-p", str(project))
        assert code != 0, args
        assert words in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in stdout + err
    assert _rows(project) == before

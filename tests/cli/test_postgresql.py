"""The command line on a PostgreSQL project (`-p URL`): init, import, code, undo,
segments, agreement and the Word dossier, as on a file."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document as WordDocument
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT

CODEBOOK = ROOT / "codebooks" / "collectivites-numeriques.yaml"
USAGES = "Partie 1 : Le numérique au travail/Espace numérique de travail et intranet/Usages"
PASSAGE = "personne ne le lisait"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_whole_study_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    code, _, err = run("init", pg_url, "--codebook", str(CODEBOOK))
    assert code == 0, err
    interview = tmp_path / "entretien-garnier.txt"
    interview.write_text(
        "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
        f"M. Garnier : Au début, {PASSAGE}. Puis la crise sanitaire est arrivée.\n",
        encoding="utf-8",
    )
    code, out, err = run("import", str(interview), "-p", pg_url, "--json")
    assert code == 0, err
    code, out, err = run("documents", "-p", pg_url, "--json")
    assert [d["name"] for d in json.loads(out)] == ["entretien-garnier"]

    code, out, err = run(
        "code", "entretien-garnier", "partie 1/espace/usages", "--text", PASSAGE,
        "-p", pg_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    coded = json.loads(out)
    assert coded["text"] == PASSAGE and coded["code"] == USAGES

    segments = json.loads(run("segments", "-p", pg_url, "--json")[1])
    assert [(s["text"], s["coder"]) for s in segments] == [(PASSAGE, coded["coder"])]
    assert run("undo", "-p", pg_url)[0] == 0
    assert json.loads(run("segments", "-p", pg_url, "--json")[1]) == []
    assert run("redo", "-p", pg_url)[0] == 0
    assert len(json.loads(run("segments", "-p", pg_url, "--json")[1])) == 1

    # a second coder's work on the same passage, written by the project's owner
    # (as a merge would): agreement compares the two layers
    with Project.open(pg_url, create=False) as p:
        doc = p.documents()[0]
        start = p.document(doc.id).text.index(PASSAGE)
        p.add_coding(doc.id, _code_id(p), start, start + len(PASSAGE), coder="bea")
    code, out, err = run("agreement", "-p", pg_url, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert sorted(report["coders"]) == sorted([coded["coder"], "bea"])
    assert report["overall"]["percent_agreement"] == 1.0
    assert report["disagreements"] == []

    dossier = tmp_path / "dossier.docx"
    code, _, err = run("export", "docx", str(dossier), "-p", pg_url)
    assert code == 0, err
    paragraphs = "\n".join(p.text for p in WordDocument(str(dossier)).paragraphs)
    assert PASSAGE in paragraphs


def _code_id(p: Project) -> int:
    [code] = [c for c in p.codes() if c.path_str == USAGES]
    return code.id


def test_init_with_a_url_codes_its_codebook_as_the_role(pg_url: str) -> None:
    code, _, err = run("init", pg_url, "--codebook", str(CODEBOOK))
    assert code == 0, err
    with Project.open(pg_url, create=False) as p:
        [entry] = p.history(limit=1)
        assert entry.coder == "postgres"  # the URL's role, not the login name of the machine
    # the project given to one command is not the next one's
    code, _, err = run("undo", "--coder", "someone-else", "-p", pg_url)
    assert code == 2 and "log in as someone-else" in err

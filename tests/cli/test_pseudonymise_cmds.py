"""Pseudonymisation on the demo study: proposed names, a reviewed map, and no name of the
map left in any export, read back from the files written (issue 17)."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import fold
from codage.services import Project
from codage.services.project_records import select_project_records
from codage.services.pseudonyms import load_pseudonymiser, name_key
from codage.services.selection import select_transcript
from tests.conftest import ROOT
from tests.exchange.docx_read import comment_ranges

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.stdout


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo project with a reviewed map applied: (project file, reviewed map)."""
    folder = tmp_path_factory.mktemp("pseudo")
    db = folder / "demo.db"
    run("demo", "--no-tui", "-p", str(db), "--sources", str(ROOT))
    names = folder / "names.txt"
    names.write_text("# people the model may miss\nBertin\nHautes-Combes ; LOC\n", "utf-8")
    proposal = folder / "map.yaml"
    run("pseudonymise", "propose", "--out", str(proposal), "--names", str(names), "-p", str(db))
    reviewed = yaml.safe_load(proposal.read_text("utf-8"))
    # the review: a theme of the codebook (France services, RGPD...) is not personal data
    with Project.open(str(db), create=False) as p:
        paths = " / ".join(fold(f"{c.path_str} {dataclasses.astuple(c)}") for c in p.codes())
    for name, entry in reviewed.items():
        if re.search(rf"(?<!\w){re.escape(name_key(name) or '')}(?!\w)", paths):
            entry["keep"] = False
    reviewed["Garnier"]["replacement"] = "[Directeur 1]"
    proposal.write_text(yaml.safe_dump(reviewed, allow_unicode=True), "utf-8")
    run("pseudonymise", "apply", str(proposal), "--coder", "amelie", "-p", str(db))
    return db, reviewed


def kept_names(reviewed: dict) -> list[str]:
    return [name for name, entry in reviewed.items() if entry["keep"]]


def assert_no_name(text: str, reviewed: dict, where: str) -> None:
    folded = fold(text)
    left = [
        name
        for name in kept_names(reviewed)
        if re.search(rf"(?<!\w){re.escape(name_key(name) or '')}(?!\w)", folded)
    ]
    assert not left, f"{where} still holds {left}"


def test_propose_finds_the_people_places_and_listed_names_of_the_corpus(study) -> None:
    _, reviewed = study
    people = {name_key(n) for n, e in reviewed.items() if e["kind"] == "PER" and e["keep"]}
    # the interviewees and interviewers of the demo transcripts
    assert {"garnier", "haddad", "lefevre", "kessler", "roussel", "ollier"} <= people
    assert "bertin" in people  # from the user list
    places = {name_key(n) for n, e in reviewed.items() if e["kind"] == "LOC"}
    assert "hautes-combes" in places
    # "Mme Lefèvre" and "Lefèvre" are one name: no title in any name proposed
    assert not [n for n in reviewed if fold(n).split()[0] in ("m.", "mme", "madame")]
    # numbered per kind, the most frequent first, one replacement per name
    replacements = [e["replacement"] for e in reviewed.values()]
    assert len(set(replacements)) == len(replacements)
    assert all(e["count"] >= 1 for e in reviewed.values())
    assert reviewed["Haddad"]["replacement"].startswith("[Agent ")


def test_the_map_is_stored_shown_and_undone_in_one_step(study, tmp_path: Path) -> None:
    db, reviewed = study
    shown = json.loads(run("pseudonymise", "show", "--json", "-p", str(db)))
    assert {e["name"] for e in shown} == set(reviewed)
    garnier = next(e for e in shown if e["name"] == "Garnier")
    assert garnier["replacement"] == "[Directeur 1]" and garnier["kind"] == "PER"
    copy = tmp_path / "undo.db"
    copy.write_bytes(db.read_bytes())
    run("undo", "--coder", "amelie", "-p", str(copy))
    assert json.loads(run("pseudonymise", "show", "--json", "-p", str(copy))) == []
    refused = runner.invoke(
        app, ["export", "csv", str(tmp_path / "x.csv"), "--pseudonymised", "-p", str(copy)]
    )
    assert refused.exit_code == 2
    assert "no pseudonymisation map" in refused.stderr
    assert "Traceback" not in refused.output + refused.stderr
    assert not (tmp_path / "x.csv").exists()


def test_no_name_of_the_map_survives_in_any_export(study, tmp_path: Path) -> None:
    db, reviewed = study
    p = ["-p", str(db)]
    # without --pseudonymised, the names are there: the check below can fail
    run("export", "csv", str(tmp_path / "plain.csv"), *p)
    plain = (tmp_path / "plain.csv").read_text("utf-8")
    with pytest.raises(AssertionError):
        assert_no_name(plain, reviewed, "plain CSV")

    run("export", "csv", str(tmp_path / "t.csv"), "--pseudonymised", *p)
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) > 300
    assert_no_name("\n".join("\t".join(r) for r in rows), reviewed, "CSV")
    assert any("[Directeur 1]" in cell for row in rows for cell in row)

    run("export", "xlsx", str(tmp_path / "t.xlsx"), "--pseudonymised", *p)
    book = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    cells = [
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    assert_no_name("\n".join(cells), reviewed, "XLSX")

    run(
        "export",
        "docx",
        str(tmp_path / "d.docx"),
        "--pseudonymised",
        "--context",
        "2",
        "--group-by",
        "case",
        *p,
    )
    dossier = docx.Document(str(tmp_path / "d.docx"))
    text = [para.text for para in dossier.paragraphs]
    text += [c.text for t in dossier.tables for row in t.rows for c in row.cells]
    assert len(text) > 300
    assert_no_name("\n".join(text), reviewed, "Word dossier")
    assert_no_name(_zip_text(tmp_path / "d.docx"), reviewed, "Word dossier XML")

    with Project.open(str(db), create=False) as proj:
        documents = [d.name for d in proj.documents()]
    for n, name in enumerate(documents):
        out = tmp_path / f"tr{n}.docx"
        run("export", "transcript", name, str(out), "--pseudonymised", *p)
        doc = docx.Document(str(out))
        assert_no_name("\n".join(pa.text for pa in doc.paragraphs), reviewed, f"transcript {name}")
        # comments (code paths and memos) and every other part of the file
        assert_no_name(_zip_text(out), reviewed, f"transcript {name} XML")
        # each comment is anchored on exactly its coding's pseudonymised passage
        with Project.open(str(db), create=False) as proj:
            source = select_transcript(proj, name, pseudonymised=True)
        passages = sorted(" ".join(c.text.split()) for c in source.codings)
        anchored = sorted(" ".join(v.split()) for v in comment_ranges(doc).values())
        assert anchored == passages

    segments = run("segments", "--json", "--pseudonymised", *p)
    assert len(json.loads(segments)) > 300
    assert_no_name(segments, reviewed, "segments --json")

    run("export", "qdpx", str(tmp_path / "t.qdpx"), "--pseudonymised", *p)
    assert_no_name(_zip_text(tmp_path / "t.qdpx"), reviewed, "REFI-QDA")


def _zip_text(path: Path) -> str:
    """Every text and XML member of a zip, XML tags left out (attributes kept)."""
    parts = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            data = z.read(info).decode("utf-8", "replace")
            # attributes (names, GUIDs) stay; tags and entities go
            parts.append(re.sub(r"<[^ >]+|/?>", " ", data))
    return "\n".join(parts)


def test_refi_codings_cover_their_pseudonymised_passage(study, tmp_path: Path) -> None:
    db, _ = study
    out = tmp_path / "t.qdpx"
    run("export", "qdpx", str(out), "--pseudonymised", "-p", str(db))
    with Project.open(str(db), create=False) as proj:
        mapper = load_pseudonymiser(proj)
        originals = {c.id: c for c in proj.codings()}
        records = select_project_records(proj, pseudonymised=True)
    # every coding is kept, on the text its passage became
    assert {c.id for c in records.codings} == set(originals)
    texts = {d.id: d.text for d in records.documents}
    moved = 0
    for coding in records.codings:
        assert texts[coding.document_id][coding.start : coding.end] == coding.text
        old = originals[coding.id]
        cut = (
            any(
                s < old.start < e or s < old.end < e
                for s, e, _ in mapper.matches(proj_text(db, old.document_id))
            )
            if old.text != mapper.text(old.text)
            else False
        )
        if not cut:
            assert coding.text == mapper.text(old.text)
        moved += coding.start != old.start
    assert moved > 100  # offsets were recomputed, not copied
    with zipfile.ZipFile(out) as z:
        project_xml = z.read("project.qde").decode("utf-8")
        sources = {
            n.rsplit("/", 1)[-1].removesuffix(".txt"): z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.lower().startswith("sources/") and n.endswith(".txt")
        }
    written = set()
    for source in re.finditer(
        r'<TextSource [^>]*plainTextPath="internal://([^"]+)\.txt"[^>]*>(.*?)</TextSource>',
        project_xml,
        re.S,
    ):
        text = sources[source.group(1)]
        for sel in re.finditer(r'startPosition="(\d+)" endPosition="(\d+)"', source.group(2)):
            written.add(text[int(sel.group(1)) : int(sel.group(2))])
    assert {c.text for c in records.codings} <= written


_texts: dict[int, str] = {}


def proj_text(db: Path, document_id: int) -> str:
    if document_id not in _texts:
        with Project.open(str(db), create=False) as proj:
            _texts[document_id] = proj.document(document_id).text
    return _texts[document_id]


def test_the_pseudonymised_copy_holds_no_name_and_keeps_every_coding(study, tmp_path) -> None:
    db, reviewed = study
    dest = tmp_path / "share.db"
    run("pseudonymise", "copy", str(dest), "--coder", "amelie", "-p", str(db))
    with Project.open(str(db), create=False) as original:
        count = len(original.codings())
        first_text = original.document(original.documents()[0].id).text
    with Project.open(str(dest), create=False) as copy:
        seen = []
        for info in copy.documents():
            text = copy.document(info.id).text
            seen += [info.name, text]
            seen += [u.speaker for u in copy.units(info.id) if u.speaker]
            for coding in copy.codings(document_id=info.id):
                assert text[coding.start : coding.end] == coding.text
        for case in copy.cases():
            seen += [case.name, *map(str, case.attributes.values())]
        seen += [m.text for m in copy.memos()]
        assert len(copy.codings()) == count
    assert_no_name("\n".join(seen), reviewed, "pseudonymised copy")
    # the project itself is unchanged
    with Project.open(str(db), create=False) as original:
        assert original.document(original.documents()[0].id).text == first_text


def test_a_project_without_map_is_refused_in_one_line_by_the_command(tmp_path: Path) -> None:
    """As a user runs it (only the export commands loaded): one line, exit code 2."""
    db = tmp_path / "empty.db"
    Project.open(str(db)).close()
    for args in (["export", "csv", str(tmp_path / "x.csv")], ["segments", "--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "codage", *args, "--pseudonymised", "-p", str(db)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "no pseudonymisation map" in done.stderr
    assert not (tmp_path / "x.csv").exists()

"""A ``.qdpx`` is untrusted input: bad and malicious files get one clear line, a
non-zero exit and leave the project byte for byte as it was; selections outside
their text are kept aside and named, never dropped."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.ingest.refi_files import Code, Passage, Source, write_qdpx

CODES = [Code("Outils"), Code("Sécurité")]
TEXT = "Enquêtrice : Et l'intranet ?\n\nM. Garnier : Personne ne le lisait avant la crise."

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Description>&secret;</Description></Project>
"""


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """An existing project with something in it, whose bytes must not change."""
    db = tmp_path / "target.db"
    with Project.open(str(db)) as project:
        project.create_code("Déjà là", coder="amelie")
    return db


def attempt(qdpx: Path, db: Path) -> str:
    before = db.read_bytes()
    result = CliRunner().invoke(app, ["import", str(qdpx), "-p", str(db)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert db.read_bytes() == before
    return lines[0]


def test_path_traversal_entry_names_are_refused(tmp_path: Path, target: Path) -> None:
    qdpx = write_qdpx(
        tmp_path / "evil.qdpx",
        [Source("a", TEXT)],
        CODES,
        entries={"../../outside.txt": b"gotcha"},
    )
    line = attempt(qdpx, target)
    assert "evil.qdpx" in line and "unsafe entry name" in line
    assert not (tmp_path.parent / "outside.txt").exists()


def test_a_source_path_that_leaves_the_archive_is_refused(tmp_path: Path, target: Path) -> None:
    qde = (
        b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
        b'<TextSource guid="6f1d3c52-0b1e-4d4e-9a51-1a2b3c4d5e6f" name="a" '
        b'plainTextPath="relative://../../etc/passwd"/></Sources></Project>'
    )
    line = attempt(write_qdpx(tmp_path / "p.qdpx", [], [], qde=qde), target)
    assert "leaves the archive" in line


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "external"])
def test_entities_are_refused(tmp_path: Path, target: Path, xml: bytes) -> None:
    line = attempt(write_qdpx(tmp_path / "p.qdpx", [], [], qde=xml), target)
    assert "DTD or entities" in line and "project.qde" in line


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path, target: Path) -> None:
    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
        archive.writestr("Sources/big.txt", b"\0" * (40 * 1024 * 1024))
    line = attempt(bomb, target)
    assert "zip bomb" in line


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.write_text("not a zip at all"), "not a zip-based file"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("readme.txt", "x"), "no .qde project file"),
        (
            lambda p: write_qdpx(p, [], [], entries={"other.qde": b"<Project/>"}),
            "2 .qde project files",
        ),
        (lambda p: write_qdpx(p, [], [], qde=b"<Project name='x'><Sources>"), "not well-formed"),
        (lambda p: write_qdpx(p, [], [], qde=b"<CodeBook/>"), "not a REFI-QDA project"),
    ],
    ids=["not-zip", "no-qde", "two-qde", "broken-xml", "wrong-root"],
)
def test_bad_files_get_one_line(tmp_path: Path, target: Path, make, says: str) -> None:  # type: ignore[no-untyped-def]
    qdpx = tmp_path / "bad.qdpx"
    make(qdpx)
    assert says in attempt(qdpx, target)


def test_a_bad_file_does_not_create_a_missing_project(tmp_path: Path) -> None:
    qdpx = write_qdpx(tmp_path / "p.qdpx", [], [], qde=BILLION_LAUGHS)
    result = CliRunner().invoke(app, ["import", str(qdpx), "-p", str(tmp_path / "new.db")])
    assert result.exit_code == 2
    assert not (tmp_path / "new.db").exists()


def test_selections_outside_their_text_are_kept_aside_and_named(tmp_path: Path) -> None:
    length = len(TEXT)
    source = Source(
        "entretien",
        TEXT,
        [
            Passage("Personne ne le lisait", "Outils"),
            Passage("beyond", "Sécurité", span=(length - 3, length + 40), name=False, key="far"),
            Passage("negative", "Outils", span=(-5, 4), name=False, key="neg"),
            Passage("reversed", "Outils", span=(20, 10), name=False, key="rev"),
        ],
    )
    qdpx = write_qdpx(tmp_path / "p.qdpx", [source], CODES)
    db = tmp_path / "p.db"
    result = CliRunner().invoke(app, ["import", str(qdpx), "-p", str(db), "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    missing = {(n["start"], n["end"]): n for n in row["codings_not_placed"]}
    assert set(missing) == {(length - 3, length + 40), (-5, 4), (20, 10)}
    far = missing[(length - 3, length + 40)]
    assert far["source"] == "entretien" and far["text_length"] == length
    assert far["code"] == "Sécurité" and "outside the text" in far["reason"]
    assert "negative" in missing[(-5, 4)]["reason"]
    with Project.open(str(db)) as project:
        kept = project.codings_aside()
        assert {(a.start, a.end) for a in kept} == set(missing)
        assert all(a.document_name == "entretien" and a.source == "p.qdpx" for a in kept)
        [placed] = project.codings()
        assert project.document(placed.document_id).text[placed.start : placed.end] == (
            "Personne ne le lisait"
        )
    # the table names them too
    again = CliRunner().invoke(app, ["import", str(qdpx), "-p", str(tmp_path / "q.db")])
    assert again.exit_code == 0
    assert "could not be placed" in again.stdout and "selection" in again.stdout


def test_repeated_source_guids_do_not_mix_sources_up(tmp_path: Path) -> None:
    same = "6f1d3c52-0b1e-4d4e-9a51-1a2b3c4d5e6f"
    code = "11111111-2222-3333-4444-555555555555"

    def source(name: str, text: str, start: int, end: int) -> str:
        return (
            f'<TextSource guid="{same}" name="{name}"><PlainTextContent>{text}</PlainTextContent>'
            f'<PlainTextSelection guid="{same}" startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="{same}"><CodeRef targetGUID="{code}"/></Coding>'
            "</PlainTextSelection></TextSource>"
        )

    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes>'
        f'<Code guid="{code}" name="Outils" isCodable="true"/></Codes></CodeBook><Sources>'
        + source("a", "Premier texte sur la messagerie.", 21, 31)
        + source("a", "Second texte, sur l'intranet.", 20, 28)
        + "</Sources></Project>"
    ).encode()
    db = tmp_path / "p.db"
    result = CliRunner().invoke(
        app, ["import", str(write_qdpx(tmp_path / "p.qdpx", [], [], qde=qde)), "-p", str(db)]
    )
    assert result.exit_code == 0, result.output
    with Project.open(str(db)) as project:
        coded = {
            (
                project.document(c.document_id).name,
                project.document(c.document_id).text[c.start : c.end],
            )
            for c in project.codings()
        }
    assert coded == {("a", "messagerie"), ("a (2)", "intranet")}


def test_json_names_a_failed_file(tmp_path: Path, target: Path) -> None:
    qdpx = write_qdpx(tmp_path / "p.qdpx", [], [], qde=EXTERNAL)
    result = CliRunner().invoke(app, ["import", str(qdpx), "-p", str(target), "--json"])
    assert result.exit_code == 2
    [row] = json.loads(result.stdout)
    assert row["status"] == "failed" and row["message"].startswith("p.qdpx: ")

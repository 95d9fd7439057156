"""`codage import FILE.qdpx` on files as each tool writes them: every coding lands on
exactly the passage its author coded, whatever the file's counting of positions."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import normalise_text
from codage.services import Project
from tests.conftest import ROOT
from tests.ingest.refi_files import (
    Code,
    Passage,
    Source,
    code_points,
    crlf_as_one,
    guid,
    utf16,
    write_qdpx,
)

CODES = [
    Code("Outils", "#112233", children=[Code("Intranet", "#445566"), Code("Messagerie")]),
    Code("Sécurité", "#AA0000"),
]

# CRLF line breaks, an emoji and a character outside the BMP before the coded passages,
# so that every counting gives different positions.
INTERVIEW = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ? 😀\r\n\r\n"
    "M. Garnier : Au début, personne ne le lisait 𝄞. Puis la crise sanitaire est arrivée.\r\n"
    "Enquêtrice : Et la sécurité ?\r\n\r\n"
    "M. Garnier : Nous avons subi une attaque par rançongiciel en 2024 🔒, "
    "et la messagerie est tombée."
)
PASSAGES = [
    Passage("personne ne le lisait", "Intranet"),
    Passage("la crise sanitaire est arrivée", "Intranet", user="bastien"),
    Passage("une attaque par rançongiciel en 2024", "Sécurité"),
    Passage("la messagerie est tombée", "Messagerie", name=False),
]


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    return result


def import_json(qdpx: Path, db: Path, *extra: str) -> dict[str, Any]:
    result = run("import", str(qdpx), "-p", str(db), "--json", "--coder", "importer", *extra)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["status"] == "imported"
    return row


def coded_passages(db: Path) -> set[tuple[str, str, str, str]]:
    """(document, code, coder, text at the stored span) of every coding."""
    with Project.open(str(db)) as project:
        paths = {c.id: c.path_str for c in project.codes()}
        out = set()
        for doc in project.documents():
            text = project.document(doc.id).text
            for c in project.codings(document_id=doc.id):
                out.add((doc.name, paths[c.code_id], c.coder, text[c.start : c.end]))
        return out


def expected(source: Source) -> set[tuple[str, str, str, str]]:
    return {
        (source.name, path, p.user or "amelie", normalise_text(p.text))
        for p in source.passages
        for path in [
            {"Intranet": "Outils/Intranet", "Messagerie": "Outils/Messagerie"}.get(p.code, p.code)
        ]
    }


@pytest.mark.parametrize(
    ("count", "counting"),
    [
        (code_points, "code points (the standard)"),
        (utf16, "UTF-16 code units"),
        (crlf_as_one, "line breaks (CRLF) counted as one"),
    ],
    ids=["standard", "nvivo-utf16", "atlas-crlf-as-one"],
)
def test_each_counting_is_detected_and_every_coding_covers_its_passage(
    tmp_path: Path, count: Any, counting: str
) -> None:
    source = Source("entretien-07", INTERVIEW, PASSAGES)
    qdpx = write_qdpx(tmp_path / "p.qdpx", [source], CODES, count=count)
    db = tmp_path / "p.db"
    row = import_json(qdpx, db)
    assert row["counting"] == counting
    assert row["found"] == {"sources": 1, "codes": 4, "codings": 4, "memos": 0, "cases": 0}
    assert coded_passages(db) == expected(source)
    assert row["codings_not_placed"] == []
    # The stored text has \n newlines: positions counted over CRLF as two moved, and the
    # report says how; ATLAS.ti's CRLF-as-one positions are already codage's.
    moved = 0 if count is crlf_as_one else 4
    assert row["codings_placed_exactly"] == 4 - moved
    assert sum(row["codings_converted"].values()) == moved
    if count is utf16:
        assert all("UTF-16" in how for how in row["codings_converted"])
    with Project.open(str(db)) as project:
        [doc] = project.documents()
        assert "\r" not in project.document(doc.id).text
        assert project.unit_counts(doc.id)[doc.id].get("turn", 0) >= 3  # as a .txt import
        codes = {c.path_str: c for c in project.codes()}
    assert codes["Outils/Intranet"].colour == "#445566"
    assert codes["Sécurité"].colour == "#AA0000"


def test_a_text_without_crlf_counted_by_the_standard_is_placed_exactly(tmp_path: Path) -> None:
    text = normalise_text(INTERVIEW)
    source = Source("entretien-08", text, PASSAGES)
    row = import_json(write_qdpx(tmp_path / "p.qdpx", [source], CODES), tmp_path / "p.db")
    assert row["codings_placed_exactly"] == 4
    assert row["codings_converted"] == {}
    assert coded_passages(tmp_path / "p.db") == expected(source)


def test_nvivo_counting_two_for_a_newline_the_file_writes_alone(tmp_path: Path) -> None:
    """NVivo counted CRLF as two, but the text in the zip has bare \n (an XML parser
    normalises inline text so): positions count each newline twice."""
    text = normalise_text(INTERVIEW)
    source = Source("entretien-09", text, PASSAGES, store="inline")

    def nvivo(text: str, index: int) -> int:
        return utf16(text, index) + text[:index].count("\n")

    row = import_json(
        write_qdpx(tmp_path / "p.qdpx", [source], CODES, count=nvivo), tmp_path / "p.db"
    )
    assert "UTF-16" in row["counting"] and "two" in row["counting"]
    assert coded_passages(tmp_path / "p.db") == expected(source)


def test_atlas_names_the_qde_otherwise_and_writes_memos_as_descriptions(tmp_path: Path) -> None:
    passages = [
        Passage("personne ne le lisait", "Intranet", memo="Usage faible avant 2020."),
        Passage("la messagerie est tombée", "Messagerie", name=False),
    ]
    source = Source("entretien-10", INTERVIEW, passages, description="Entretien du 3 mars.")
    codes = [
        Code("Outils", children=[Code("Intranet", description="Commentaire ATLAS"),
                                 Code("Messagerie")]),
    ]  # fmt: skip
    qdpx = write_qdpx(
        tmp_path / "Mon projet ATLAS.qdpx",
        [source],
        codes,
        count=crlf_as_one,
        origin="ATLAS.ti 26",
        qde_name="Mon projet ATLAS.qde",
        memo_as_description=True,
    )
    row = import_json(qdpx, tmp_path / "p.db")
    assert row["counting"] == "line breaks (CRLF) counted as one"
    assert {p[3] for p in coded_passages(tmp_path / "p.db")} == {
        "personne ne le lisait",
        "la messagerie est tombée",
    }
    with Project.open(str(tmp_path / "p.db")) as project:
        [doc] = project.documents()
        intranet = project.code("Outils/Intranet")
        coding = next(c for c in project.codings() if c.code_id == intranet.id)
        assert coding.memo == "Usage faible avant 2020."
        assert [m.text for m in project.memos("document", doc.id)] == ["Entretien du 3 mars."]
        # an ATLAS.ti comment on a code is a memo, not its definition
        assert intranet.description == ""
        assert [m.text for m in project.memos("code", intranet.id)] == ["Commentaire ATLAS"]


def test_bom_lower_case_sources_and_guids_in_braces(tmp_path: Path) -> None:
    source = Source("entretien-11", INTERVIEW, PASSAGES, bom=True)
    qdpx = write_qdpx(
        tmp_path / "p.qdpx",
        [source],
        CODES,
        folder="sources",
        guid_style=lambda g: "{" + g.upper() + "}",
    )
    row = import_json(qdpx, tmp_path / "p.db")
    assert coded_passages(tmp_path / "p.db") == expected(source)
    assert any("BOM" in how for how in row["codings_converted"])
    with Project.open(str(tmp_path / "p.db")) as project:
        text = project.document("entretien-11").text
        assert not text.startswith("\ufeff")
        assert project.coders()  # coders named by the braced upper-case user GUIDs
        assert {c.coder for c in project.codings()} == {"amelie", "bastien"}


def test_inline_text_and_docx_only_sources(tmp_path: Path) -> None:
    inline = Source("inline", normalise_text(INTERVIEW), PASSAGES[:2], store="inline")
    word_text = (
        "Enquêteur : Le logiciel métier a-t-il changé vos journées ?\n\n"
        "Mme Lefèvre : Oui, la saisie est deux fois plus rapide depuis 2022.\n\n"
        "Enquêteur : Et l'intranet ?\n\n"
        "Mme Lefèvre : Personne ne l'ouvre, sauf pour les congés."
    )
    word = Source(
        "word-only",
        word_text,
        [
            Passage("la saisie est deux fois plus rapide", "Outils"),
            Passage("Personne ne l'ouvre", "Intranet"),
        ],
        store="docx",
    )
    row = import_json(write_qdpx(tmp_path / "p.qdpx", [inline, word], CODES), tmp_path / "p.db")
    assert row["found"]["sources"] == 2
    assert coded_passages(tmp_path / "p.db") == expected(inline) | expected(word)
    with Project.open(str(tmp_path / "p.db")) as project:
        assert project.document("word-only").text == word_text


def test_coder_falls_back_to_the_creating_user_then_to_the_person_importing(
    tmp_path: Path,
) -> None:
    passages = [
        Passage("personne ne le lisait", "Intranet", user=None),
        Passage("la messagerie est tombée", "Messagerie", user="bastien"),
    ]
    source = Source("entretien-12", INTERVIEW, passages)
    row = import_json(write_qdpx(tmp_path / "a.qdpx", [source], CODES), tmp_path / "a.db")
    assert row["coder_fallbacks"] == {"the project's creating user": 1}
    assert {p[2] for p in coded_passages(tmp_path / "a.db")} == {"amelie", "bastien"}
    bare = write_qdpx(tmp_path / "b.qdpx", [source], CODES, creating_user=None)
    row = import_json(bare, tmp_path / "b.db")
    assert row["coder_fallbacks"] == {"the person importing": 1}
    assert {p[2] for p in coded_passages(tmp_path / "b.db")} == {"importer", "bastien"}


def test_guid_helper_is_stable() -> None:
    assert guid("x") == guid("x") and guid("x") != guid("y")


def test_nvivo_without_selection_names_is_detected_from_word_boundaries(tmp_path: Path) -> None:
    """Names are often empty: the positions alone must tell the counting."""
    passages = [
        Passage(p.text, p.code, p.user, name=False)
        for p in [*PASSAGES, Passage("Puis", "Outils"), Passage("Enquêtrice", "Outils", after=60)]
    ]
    source = Source("entretien-13", INTERVIEW, passages)
    row = import_json(
        write_qdpx(tmp_path / "p.qdpx", [source], CODES, count=utf16), tmp_path / "p.db"
    )
    assert row["counting"] == "UTF-16 code units"
    assert coded_passages(tmp_path / "p.db") == {
        (n, "Outils" if c == "Outils" else c, u, t) for n, c, u, t in expected(source)
    }


def test_the_fixture_is_a_valid_refi_qda_project(tmp_path: Path) -> None:
    """The hand-made files follow the standard, so that the reader is tested on
    what tools write rather than on what it happens to accept."""
    from lxml import etree

    schemas = Path(os.environ.get("CODAGE_REFI_SCHEMAS") or ROOT.parent / "shared" / "refi-qda")
    if not (schemas / "Project.xsd").exists():
        pytest.skip(f"the REFI-QDA schemas are not at {schemas}")
    source = Source("entretien", INTERVIEW, [*PASSAGES[:2], Passage("Puis", "Outils", memo="m")])
    qdpx = write_qdpx(tmp_path / "p.qdpx", [source], CODES, project_memo="p", guid_style=str.upper)
    with zipfile.ZipFile(qdpx) as archive:
        document = etree.fromstring(archive.read("project.qde"))
    etree.XMLSchema(etree.parse(str(schemas / "Project.xsd"))).assertValid(document)


def test_relative_paths_and_sources_without_text(tmp_path: Path) -> None:
    text = "Un texte court sur l'intranet."
    qde = (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="r"><Sources>'
        f'<TextSource guid="{guid("a")}" name="relatif" plainTextPath="relative://textes/a.txt"/>'
        f'<TextSource guid="{guid("b")}" name="absent" plainTextPath="internal://absent.txt">'
        f'<PlainTextSelection guid="{guid("s")}" startPosition="0" endPosition="3">'
        f'<Coding guid="{guid("c")}"><CodeRef targetGUID="{guid("k")}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    ).encode()
    qdpx = write_qdpx(tmp_path / "p.qdpx", [], [], qde=qde, entries={"textes/a.txt": text.encode()})
    row = import_json(qdpx, tmp_path / "p.db")
    assert row["skipped"] == {
        "text sources without text": 1,
        "codings on sources without text": 1,
    }
    assert "source 'absent' has no readable text" in row["notes"]
    with Project.open(str(tmp_path / "p.db")) as project:
        assert project.document("relatif").text == text


def test_a_name_that_disagrees_with_the_text_placed_is_reported(tmp_path: Path) -> None:
    text = normalise_text(INTERVIEW)
    start = text.index("personne")
    passages = [
        *PASSAGES,
        # placed where its positions say, though its name names another passage
        Passage("la sécurité", "Sécurité", span=(start, start + 8), key="odd"),
    ]
    row = import_json(
        write_qdpx(tmp_path / "p.qdpx", [Source("e", text, passages)], CODES), tmp_path / "p.db"
    )
    assert row["counting"] == "code points (the standard)"
    assert row["notes"] == [
        "1 coding(s) placed where a selection's name is not the text found there"
    ]

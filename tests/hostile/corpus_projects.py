"""Bad codebooks (YAML, QDC), REFI-QDA projects, corrections, pseudonym maps and
project files that are not projects."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from tests.hostile.corpus import (
    LAUGHS_DTD,
    NEW,
    PROJECT,
    TEXT,
    XXE_DTD,
    Call,
    case,
    files,
    imported,
    imported_new,
    rezip,
    truncated,
)
from tests.ingest.refi_files import Code, Passage, Source, write_qdpx

# -- YAML codebooks --------------------------------------------------------------


def codebook_imported(path: Path) -> Call:
    return Call(["codebook", "import", "-p", PROJECT, str(path)], "base")


def project_created(path: Path) -> Call:
    return Call(["init", NEW, "--codebook", str(path)], "new", NEW)


_YAML_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}]\n"
        for i in range(8)
    )
    + "codes: *i\n"
)


@case
def yaml_too_deep(d: Path) -> Call:
    path = d / "profond.yaml"
    lines = [f"{'  ' * (2 * i)}- name: c{i}\n{'  ' * (2 * i)}  codes:" for i in range(150)]
    path.write_text("codes:\n" + "\n".join(lines) + " []\n", encoding="utf-8")
    return codebook_imported(path)


@case
def yaml_missing_file(d: Path) -> Call:
    return codebook_imported(d / "absent.yaml")


# -- REFI-QDA codebooks (.qdc) ---------------------------------------------------


@case
def qdc_external_entity_init(d: Path) -> Call:
    path = d / "xxe.qdc"
    path.write_text(
        f'<?xml version="1.0"?>{XXE_DTD}<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="c" name="&xxe;" isCodable="true"/></Codes></CodeBook>'
    )
    return Call(["init", NEW, "--codebook", str(path)], "new", NEW)


# -- REFI-QDA projects (.qdpx) ---------------------------------------------------


def reported(call: Call, said: str) -> Call:
    return Call(call.argv, call.mode, call.subject, said)


def _qdpx(path: Path, **options: object) -> Path:
    source = Source("entretien", TEXT, [Passage("intranet", "Outils")])
    return write_qdpx(path, [source], [Code("Outils")], **options)  # type: ignore[arg-type]


@case
def qdpx_truncated(d: Path) -> Call:
    return imported(truncated(_qdpx(d / "entier.qdpx"), d / "tronque.qdpx"))


@case
def qdpx_malformed_xml(d: Path) -> Call:
    return imported(_qdpx(d / "casse.qdpx", qde=b"<Project xmlns='urn:QDA-XML:project:1.0'><Sou"))


@case
def qdpx_billion_laughs(d: Path) -> Call:
    qde = (
        f'<?xml version="1.0"?>{LAUGHS_DTD}<Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>'
    ).encode()
    return imported(_qdpx(d / "rires.qdpx", qde=qde))


@case
def qdpx_path_traversal(d: Path) -> Call:
    return imported(_qdpx(d / "chemins.qdpx", entries={"../../etc/evil.txt": b"x"}))


@case
def qdpx_source_path_outside(d: Path) -> Call:
    qde = (
        b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        b'<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="s" '
        b'plainTextPath="internal://../../../etc/passwd"/></Sources></Project>'
    )
    return imported(_qdpx(d / "dehors.qdpx", qde=qde))


@case
def qdpx_missing_source(d: Path) -> Call:
    qde = (
        b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        b'<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="s" '
        b'plainTextPath="internal://absent.txt"/></Sources></Project>'
    )
    return reported(imported(_qdpx(d / "absente.qdpx", qde=qde)), "source 's' has no readable text")


@case
def qdpx_no_project_xml(d: Path) -> Call:
    path = d / "sans-qde.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Sources/a.txt", TEXT)
    return imported(path)


@case
def qdpx_bad_offsets(d: Path) -> Call:
    source = Source(
        "entretien",
        TEXT,
        [
            Passage("x", "Outils", span=(50, 10), key="a"),
            Passage("y", "Outils", span=(-5, 3), key="b"),
            Passage("z", "Outils", span=(10, 99_999), key="c"),
        ],
    )
    return reported(
        imported(write_qdpx(d / "positions.qdpx", [source], [Code("Outils")])),
        "3 coding(s) could not be placed",
    )


@case
def qdpx_offsets_not_numbers(d: Path) -> Call:
    source = Source("entretien", TEXT, [Passage("intranet", "Outils", key="a")])
    path = write_qdpx(d / "nombres.qdpx", [source], [Code("Outils")])
    return reported(
        imported(
            rezip(
                path,
                d / "nombres2.qdpx",
                lambda n, b: (
                    b.replace(b'startPosition="', b'startPosition="douze', 1)
                    if n.endswith(".qde")
                    else b
                ),
            )
        ),
        "could not be placed",
    )


@case
def qdpx_zip_bomb(d: Path) -> Call:
    path = d / "bombe.qdpx"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("project.qde", "w") as entry,
    ):
        block = b" " * (1024 * 1024)
        for _ in range(24):
            entry.write(block)
    return imported(path)


# -- corrected transcripts (document replace) ------------------------------------


@case
def replace_with_binary(d: Path) -> Call:
    path = d / "correction.txt"
    path.write_bytes(bytes(range(256)) * 16)
    return Call(["document", "replace", "-p", PROJECT, "entretien-test", str(path)], "base")


@case
def replace_with_broken_docx(d: Path) -> Call:
    path = d / "correction.docx"
    path.write_bytes(b"PK\x03\x04broken")
    return Call(["document", "replace", "-p", PROJECT, "entretien-test", str(path)], "base")


@case
def replace_with_empty(d: Path) -> Call:
    path = d / "correction.txt"
    path.write_bytes(b"\n\n")
    return Call(["document", "replace", "-p", PROJECT, "entretien-test", str(path)], "base")


# -- pseudonymisation maps -------------------------------------------------------


@case
def pseudonym_map_wrong_types(d: Path) -> Call:
    path = d / "carte.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    return Call(["pseudonymise", "apply", "-p", PROJECT, str(path)], "base")


@case
def pseudonym_map_binary(d: Path) -> Call:
    path = d / "carte.yaml"
    path.write_bytes(b"\xff\x00" * 200)
    return Call(["pseudonymise", "apply", "-p", PROJECT, str(path)], "base")


@case
def pseudonym_map_anchor_bomb(d: Path) -> Call:
    path = d / "carte.yaml"
    path.write_text(_YAML_BOMB, encoding="utf-8")
    return Call(["pseudonymise", "apply", "-p", PROJECT, str(path)], "base")


# -- project files that are not projects ------------------------------------------


def _listed(path: Path) -> Call:
    return Call(["documents", "-p", str(path)], "self", path.name)


@case
def project_other_program(d: Path) -> Call:
    path = d / "autre.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contacts (nom TEXT, tel TEXT)")
        connection.execute("INSERT INTO contacts VALUES ('Garnier', '0102030405')")
    connection.close()
    return _listed(path)


@case
def project_corrupt_sqlite(d: Path) -> Call:
    source = d / PROJECT
    data = bytearray(source.read_bytes())
    data[4096:8192] = b"\xa5" * 4096  # a page of garbage after a valid header
    path = d / "abime.db"
    path.write_bytes(bytes(data))
    return _listed(path)


@case
def project_newer_schema(d: Path) -> Call:
    path = _newer_schema(d / "futur.db")
    return Call(["import", "-p", str(path), str(_text(d))], "self", path.name)


@case
def project_newer_schema_listed(d: Path) -> Call:
    path = _newer_schema(d / "futur.db")
    return _listed(path)


@case
def project_is_a_folder(d: Path) -> Call:
    folder = d / "dossier.db"
    folder.mkdir()
    return Call(["documents", "-p", str(folder)], "base")


@case
def import_into_text_file(d: Path) -> Call:
    path = d / "notes.db"
    path.write_text(TEXT, encoding="utf-8")
    return Call(["import", "-p", str(path), str(_text(d))], "self", path.name)


@case
def merge_from_not_a_project(d: Path) -> Call:
    other = d / "autre.db"
    other.write_text(TEXT, encoding="utf-8")
    return Call(["merge", PROJECT, str(other)], "base")


@case
def merge_from_newer_schema(d: Path) -> Call:
    other = _newer_schema(d / "futur.db")
    return Call(["merge", PROJECT, str(other)], "base")


@case
def copy_from_not_a_project(d: Path) -> Call:
    source = d / "notes.db"
    source.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    return Call(["copy", str(source), NEW], "new", NEW)


def _newer_schema(path: Path) -> Path:
    """A copy of the case's project that says it comes from a newer codage."""
    path.write_bytes((path.parent / PROJECT).read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    return path


def _text(d: Path) -> Path:
    path = d / "entretien.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


files(
    codebook_imported,
    [
        ("yaml_anchor_bomb", "bombe.yaml", _YAML_BOMB),
        ("yaml_cycle", "cycle.yaml", "codes: &c\n  - name: boucle\n    codes: *c\n"),
        ("yaml_wrong_types", "types.yaml", "codes: 5\n"),
        ("yaml_code_name_not_text", "noms.yaml", "codes:\n  - name: [1, 2]\n  - name: {a: b}\n"),
        ("yaml_syntax_error", "syntaxe.yaml", "codes:\n  - name: a\n   - name: : b\n\t- x"),
        ("yaml_binary", "binaire.yaml", b"\x00\x01\xff\xfe" * 100),
        (
            "qdc_malformed_xml",
            "casse.qdc",
            '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>',
        ),
        (
            "qdc_billion_laughs",
            "rires.qdc",
            f'<?xml version="1.0"?>{LAUGHS_DTD}<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
            '<Codes><Code guid="c" name="&lol9;" isCodable="true"/></Codes></CodeBook>',
        ),
        (
            "qdc_wrong_root",
            "projet.qdc",
            '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"/>',
        ),
        ("qdc_binary", "binaire.qdc", bytes(range(256)) * 4),
    ],
)


files(
    project_created,
    [
        ("yaml_anchor_bomb_init", "bombe.yaml", _YAML_BOMB),
        (
            "yaml_python_tag",
            "python.yaml",
            "codes: !!python/object/apply:os.system ['echo pwned']\n",
        ),
        ("yaml_empty", "vide.yaml", b""),
    ],
)


files(
    imported,
    [
        ("qdpx_not_a_zip", "faux.qdpx", "<Project/>"),
    ],
)


files(
    imported_new,
    [
        ("qdpx_new_project", "casse.qdpx", b"PK\x03\x04" + b"\x00" * 64),
    ],
)


files(
    _listed,
    [
        ("project_empty_file", "vide.db", b""),
        ("project_text_file", "notes.db", TEXT),
    ],
)

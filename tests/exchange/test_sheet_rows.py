"""The Codings sheet rendered from records (coding_sheet.py) against the general path.

The general path is the one the sheet was written by before: :func:`coding_rows`' values,
made XLSX-safe, written cell by cell by :func:`rows_xml` (itself checked against
openpyxl in ``test_tables_stream.py``). The sheet's text must be the same, character for
character, from a stream and from a whole selection, on hostile text too.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import build as build_scale
from codage.domain import Case, Code, CodePath, Coding, DocumentInfo, NewDocument, Pseudonym, Unit
from codage.exchange.coding_sheet import CodingRows, number_rows, text_body
from codage.exchange.sheet_xml import cell_body, rows_xml
from codage.exchange.tables import _xlsx_value, coding_rows, export_codings
from codage.services import Project
from codage.services.selection import CodingRecord, select_codings, stream_codings

from .corpus import Corpus


def _general(project: Project, **filters: Any) -> str:
    _, rows = coding_rows(select_codings(project, **filters))
    return b"".join(rows_xml(([_xlsx_value(v) for v in row] for row in rows), 2)).decode()


def _sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    head = xml.index("</row>") + len("</row>")  # after the header row openpyxl wrote
    return xml[head : xml.index("</sheetData>")]


def _check(project: Project, tmp_path: Path, **filters: Any) -> int:
    expected = _general(project, **filters)
    for name, source in (
        ("stream.xlsx", stream_codings(project, **filters)),
        ("whole.xlsx", select_codings(project, **filters)),
    ):
        report = export_codings(source, tmp_path / name, "xlsx")
        assert _sheet(tmp_path / name) == expected
        assert report.rows == expected.count("<row ")
    return expected.count("<row ")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"codes": ["Outils"], "coders": ["alice"]},
        {"cases": {"type": "Région"}},
        {"pseudonymised": True},
    ],
)
def test_sheet_rows_are_the_general_paths(corpus: Corpus, tmp_path: Path, filters: dict) -> None:
    corpus.project.set_pseudonyms(
        [
            Pseudonym("garnier", "Garnier", "PER", "[Agent 1]"),
            Pseudonym("enquete", "enquete", "LOC", "=zz-lieu"),
        ],
        coder="alice",
    )
    assert _check(corpus.project, tmp_path, **filters) > 0


def test_a_generated_project_gives_the_same_sheet(tmp_path: Path) -> None:
    location = build_scale("20k", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with Project.open(str(location), create=False) as project:
        assert _check(project, out) >= 900


HOSTILE = [
    "=HYPERLINK(1)",
    "-tiret",
    "+33",
    "@x",
    "\tindent",
    " espace devant",
    "espace derrière ",
    "a\x07cloche\x1b[31m",
    "<b>&amp;</b>",
    "retour\rchariot",
    "ligne\nsuivante",
    "#N/A",
    "# pas une erreur",
    "insécable\u00a0: oui",
    "\ufffe",
    "é" * 40000,
]


def test_hostile_texts_are_written_as_the_general_path(tmp_path: Path) -> None:
    for text in HOSTILE:
        expected = cell_body(_xlsx_value(text))
        assert text_body(text) == expected, text[:20]


def test_every_column_of_a_hostile_project(project: Project, tmp_path: Path) -> None:
    text = "\n\n".join(HOSTILE[:-1])
    units, pos = [], 0
    for i, block in enumerate(text.split("\n\n")):
        start = text.index(block, pos)
        units.append(
            Unit("turn", start, start + len(block), speaker=HOSTILE[i % 5], timestamp=-5.0 * i)
        )
        pos = start + len(block)
    doc = project.add_document(NewDocument("=doc\x07", "interview", text, units=units))
    code = project.create_code("-Code", coder="=ana")
    for i, unit in enumerate(units):
        coding = project.add_coding(doc.id, code.id, unit.start, unit.end, coder=HOSTILE[i % 4])
        project.set_coding_memo(coding.id, HOSTILE[(i + 3) % len(HOSTILE)], coder=HOSTILE[i % 4])
    project.set_case("@cas", {"rôle": "=DSI", "n": 3.0, "x": 2.5, "ok": True, "vide": None})
    project.link_case("@cas", document_id=doc.id)
    assert _check(project, tmp_path) == len(units)


def test_rows_are_numbered_in_the_order_given() -> None:
    code = Code(1, "C", CodePath(("C",)))
    doc = DocumentInfo(1, "d", "interview", "0" * 64, 10, 2)
    case = Case(1, "k", {"a": 1.0})
    render = CodingRows(["a"], 1)
    rows = [
        render.row(CodingRecord(Coding(i, 1, 1, "ana", i, i + 1, "t"), code, doc, case=case))
        for i in range(3)
    ]
    counted = [0]
    pieces = [rows[0].encode(), "\x01".join(rows[1:]).encode()]
    xml = b"".join(number_rows(pieces, 7, counted)).decode()
    assert counted == [3]
    expected = b"".join(
        rows_xml(
            (["d", "C", "C", "ana", 0, 0, i, i + 1, "t", "", "", "", "", "k", 1] for i in range(3)),
            7,
        )
    ).decode()
    assert xml == expected


def test_plain_paragraphs_are_written_as_the_general_path() -> None:
    """The dossier's short way for a one-run paragraph gives paragraph_xml's characters."""
    from codage.exchange.dossier_xml import paragraph_xml, plain_paragraph_xml

    for text in [*HOSTILE, "", "plain text", "tab\tand\nline", "\x0b\x0c", "a\r\nb"]:
        for style in (None, "Quote", 'a"b'):
            assert plain_paragraph_xml(style, text) == paragraph_xml(style, [(text, None, False)])

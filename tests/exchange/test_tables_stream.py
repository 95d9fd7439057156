"""Tables written from a stream against tables written from the whole selection.

The CSV must be the same bytes; the XLSX, read back with openpyxl, the same sheets,
cell values, types and styles (the rows are in the same order although the stream
reads documents by id and the table lists them by code, then by document name).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree

from benchmarks.scale import build as build_scale
from codage.domain import Pseudonym
from codage.exchange.spill import Spill
from codage.exchange.tables import export_codings
from codage.services import Project
from codage.services.selection import select_codings, stream_codings

from .corpus import Corpus

SHEETS = [("Stats", [["code", "n"], ["=SUM(A1)", 2], ["Outils", 3.5]])]


def _cells(path: Path) -> list[tuple[str, list[list[Any]]]]:
    book = openpyxl.load_workbook(path)
    return [
        (
            sheet.title,
            [
                [
                    (
                        c.value,
                        c.data_type,
                        c.number_format,
                        c.font.b,
                        c.font.i,
                        c.alignment.wrap_text,
                    )
                    for c in row
                ]
                for row in sheet.iter_rows()
            ],
        )
        for sheet in book.worksheets
    ]


def _compare(project: Project, tmp_path: Path, **filters: Any) -> int:
    old_csv, new_csv = tmp_path / "old.csv", tmp_path / "new.csv"
    old_xlsx, new_xlsx = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    before = export_codings(select_codings(project, **filters), old_csv, "csv")
    after = export_codings(stream_codings(project, **filters), new_csv, "csv")
    assert after.rows == before.rows
    assert new_csv.read_bytes() == old_csv.read_bytes()
    before = export_codings(select_codings(project, **filters), old_xlsx, "xlsx", sheets=SHEETS)
    after = export_codings(stream_codings(project, **filters), new_xlsx, "xlsx", sheets=SHEETS)
    assert (after.rows, after.sheets) == (before.rows, before.sheets)
    assert _cells(new_xlsx) == _cells(old_xlsx)
    # no temporary file is left beside the exports
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    return after.rows


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"codes": ["Outils"], "coders": ["alice"]},
        {"codes": ["Outils"], "include_subcodes": False},
        {"cases": {"type": "Région"}},
        {"documents": ["enquete"]},
    ],
)
def test_streamed_tables_are_the_same(corpus: Corpus, tmp_path: Path, filters: dict) -> None:
    rows = _compare(corpus.project, tmp_path, **filters)
    assert rows == len(select_codings(corpus.project, **filters).records)


def test_pseudonymised_tables_are_the_same(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.set_pseudonyms(
        [
            Pseudonym("garnier", "Garnier", "PER", "[Agent 1]"),
            Pseudonym("enquete", "enquete", "LOC", "zz-lieu"),
        ],
        coder="alice",
    )
    _compare(corpus.project, tmp_path, pseudonymised=True)
    assert "zz-lieu" in (tmp_path / "new.csv").read_text(encoding="utf-8-sig")


def test_a_generated_project_gives_the_same_tables(tmp_path: Path) -> None:
    location = build_scale("20k", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with Project.open(str(location), create=False) as project:
        assert _compare(project, out) >= 900


def test_a_spill_gives_pieces_back_by_key_whole_or_in_slices(tmp_path: Path) -> None:
    big = bytes(range(256)) * 8192  # 2 MB: read back in more than one slice
    with Spill(tmp_path) as spill:
        spill.add("b", "zeta", b"z")
        spill.add("a", "m", big)
        spill.add("b", "alpha", b"first")
        spill.add("b", "alpha", b"-second")
        spill.add("a", "a", b"")  # nothing to keep
        assert b"".join(spill.pieces("b")) == b"first-secondz"
        assert list(spill.pieces("b", whole=True)) == [b"first", b"-second", b"z"]
        assert b"".join(spill.pieces("a")) == big
        assert len(list(spill.pieces("a"))) == 2
        spill.add("c", "x", b"after reading")
        assert list(spill.pieces("c", whole=True)) == [b"after reading"]
        assert spill.buckets() == ["b", "a", "c"]
    # the spill is an anonymous temporary file: nothing is left in the folder
    assert list(tmp_path.iterdir()) == []


def test_rows_are_written_as_openpyxl_writes_them(tmp_path: Path) -> None:
    """Each kind of value an export writes, against openpyxl's own write-only sheet."""
    from openpyxl import Workbook

    from codage.exchange.sheet_xml import rows_xml

    rows = [
        ["texte", " espaces autour ", "a\nb", "x\r\ny", "<&>", "", None, "#N/A", "'=1+1"],
        [0, -3, 2.5, 1e-7, 12345678901234567890, float("nan"), True, False, 1 / 3],
        ["é" * 40000, "\u2014 fin", "tab\there", "#DIV/0!", "# pas une erreur"],
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("S")
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "ref.xlsx")
    with zipfile.ZipFile(tmp_path / "ref.xlsx") as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    expected = xml[xml.index("<sheetData>") + len("<sheetData>") : xml.index("</sheetData>")]
    ours = b"".join(rows_xml(rows, 1)).decode("utf-8")

    def canonical(rows_text: str) -> bytes:
        # openpyxl writes non-ASCII as character references: the same XML, other bytes
        return etree.tostring(
            etree.fromstring(f"<sheetData>{rows_text}</sheetData>"), method="c14n"
        )

    assert canonical(ours) == canonical(expected)
    assert ours.count("<c ") == expected.count("<c ")

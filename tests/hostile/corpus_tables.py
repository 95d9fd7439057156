"""Bad survey tables (CSV, TSV, XLSX) and case attribute files."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.hostile.corpus import (
    LAUGHS_DTD,
    PROJECT,
    TEXT,
    Call,
    case,
    files,
    imported,
    rezip,
    tolerated,
    truncated,
    with_doctype,
)

# -- CSV and XLSX survey files ---------------------------------------------------


def _book(path: Path, *rows: list[str | None]) -> Path:
    """A workbook whose first sheet holds ``rows``."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


_HEADER = ["id", "commentaire"]


@case
def csv_missing_id_column(d: Path) -> Call:
    path = d / "enquete.csv"
    path.write_text("id,commentaire\nR1,Le nouvel intranet est lent\n", encoding="utf-8")
    return imported(path, "--id-column", "matricule")


@case
def csv_missing_text_column(d: Path) -> Call:
    path = d / "enquete.csv"
    path.write_text("id,commentaire\nR1,Le nouvel intranet est lent\n", encoding="utf-8")
    return imported(path, "--text-column", "remarque")


@tolerated("un", "trois")
def csv_duplicate_headers(d: Path) -> Call:
    path = d / "doublons.csv"
    path.write_text("id,texte,texte\nR1,un,deux\nR2,trois,quatre\n", encoding="utf-8")
    return imported(path, "--text-column", "texte")


@tolerated("HYPERLINK", "1+1")
def csv_only_formulas(d: Path) -> Call:
    # answers that are all formulas: no open answer to code (a formula is not an answer)
    path = d / "formules.csv"
    path.write_text(
        'id,commentaire\nR1,"=HYPERLINK(""http://x"",""clic"")"\nR2,=1+1\n', encoding="utf-8"
    )
    return imported(path, "--id-column", "id", "--text-column", "commentaire")


@case
def tsv_unbalanced_quotes(d: Path) -> Call:
    path = d / "guillemets.tsv"
    path.write_text('id\ttexte\nR1\t"jamais fermé\n' + "x" * 200 + "\n", encoding="utf-8")
    return imported(path, "--id-column", "identifiant")


@case
def xlsx_truncated(d: Path) -> Call:
    whole = _book(d / "entier.xlsx", _HEADER, ["R1", "Le nouvel intranet est lent"])
    return imported(truncated(whole, d / "tronque.xlsx"))


@tolerated("intranet")
def xlsx_huge_dimension(d: Path) -> Call:
    _book(d / "entier.xlsx", _HEADER, ["R1", "Le nouvel intranet est lent"])
    path = rezip(
        d / "entier.xlsx",
        d / "dimension.xlsx",
        lambda n, b: (
            b.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>').replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                b"</sheetData>",
            )
            if n.startswith("xl/worksheets/")
            else b
        ),
    )
    return imported(path)


@case
def xlsx_missing_sheet(d: Path) -> Call:
    _book(d / "entier.xlsx", _HEADER)
    path = rezip(
        d / "entier.xlsx",
        d / "sans-feuille.xlsx",
        lambda n, b: None if n.startswith("xl/worksheets/") else b,
    )
    return imported(path)


@case
def xlsx_empty_sheet(d: Path) -> Call:
    path = d / "vide.xlsx"
    openpyxl.Workbook().save(path)
    return imported(path)


@case
def xlsx_formulas_without_values(d: Path) -> Call:
    path = _book(d / "formules.xlsx", _HEADER, ["R1", '=CONCATENATE("a","b")'], ["R2", "=1+1"])
    return imported(path, "--id-column", "id", "--text-column", "commentaire")


@case
def xlsx_bad_header(d: Path) -> Call:
    path = _book(
        d / "sans-entete.xlsx",
        [None, None, None],
        ["R1", "Le nouvel intranet est lent", "Finances"],
    )
    return imported(path, "--id-column", "id")


@case
def xlsx_billion_laughs(d: Path) -> Call:
    whole = _book(d / "entier.xlsx", _HEADER, ["R1", "texte"])
    sheet = "xl/worksheets/sheet1.xml"
    return imported(with_doctype(whole, d / "rires.xlsx", sheet, b"<worksheet", LAUGHS_DTD))


# -- case attributes (import --case-attributes) ---------------------------------


@case
def case_attributes_binary(d: Path) -> Call:
    transcript = d / "entretien.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    table = d / "cas.csv"
    table.write_bytes(b"\x00\xff\x00" * 300)
    return Call(["import", "-p", PROJECT, "--case-attributes", str(table), str(transcript)], "base")


@case
def case_attributes_yaml_wrong_types(d: Path) -> Call:
    transcript = d / "entretien.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    table = d / "cas.yaml"
    table.write_text("- 1\n- [2, 3]\n- !!binary aGVsbG8=\n", encoding="utf-8")
    return Call(["import", "-p", PROJECT, "--case-attributes", str(table), str(transcript)], "base")


files(
    imported,
    [
        ("csv_empty", "vide.csv", b""),
        ("csv_header_only", "entete.csv", "id,commentaire\n"),
        ("csv_binary", "binaire.csv", b"\x00\x01\x02" * 2000),
        ("xlsx_not_a_zip", "faux.xlsx", "id,commentaire\nR1,texte\n"),
    ],
)

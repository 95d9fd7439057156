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
    imported,
    rezip,
    tolerated,
)

# -- CSV and XLSX survey files ---------------------------------------------------


@case
def csv_empty(d: Path) -> Call:
    path = d / "vide.csv"
    path.write_bytes(b"")
    return imported(path)


@case
def csv_header_only(d: Path) -> Call:
    path = d / "entete.csv"
    path.write_text("id,commentaire\n", encoding="utf-8")
    return imported(path)


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


@case
def csv_binary(d: Path) -> Call:
    path = d / "binaire.csv"
    path.write_bytes(b"\x00\x01\x02" * 2000)
    return imported(path)


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
    book = openpyxl.Workbook()
    book.active.append(["id", "commentaire"])
    book.active.append(["R1", "Le nouvel intranet est lent"])
    book.save(d / "entier.xlsx")
    whole = (d / "entier.xlsx").read_bytes()
    path = d / "tronque.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return imported(path)


@case
def xlsx_not_a_zip(d: Path) -> Call:
    path = d / "faux.xlsx"
    path.write_text("id,commentaire\nR1,texte\n", encoding="utf-8")
    return imported(path)


@tolerated("intranet")
def xlsx_huge_dimension(d: Path) -> Call:
    book = openpyxl.Workbook()
    book.active.append(["id", "commentaire"])
    book.active.append(["R1", "Le nouvel intranet est lent"])
    book.save(d / "entier.xlsx")
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
    book = openpyxl.Workbook()
    book.active.append(["id", "commentaire"])
    book.save(d / "entier.xlsx")
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
    book = openpyxl.Workbook()
    book.active.append(["id", "commentaire"])
    book.active.append(["R1", '=CONCATENATE("a","b")'])
    book.active.append(["R2", "=1+1"])
    path = d / "formules.xlsx"
    book.save(path)
    return imported(path, "--id-column", "id", "--text-column", "commentaire")


@case
def xlsx_bad_header(d: Path) -> Call:
    book = openpyxl.Workbook()
    book.active.append([None, None, None])
    book.active.append(["R1", "Le nouvel intranet est lent", "Finances"])
    path = d / "sans-entete.xlsx"
    book.save(path)
    return imported(path, "--id-column", "id")


@case
def xlsx_billion_laughs(d: Path) -> Call:
    book = openpyxl.Workbook()
    book.active.append(["id", "commentaire"])
    book.active.append(["R1", "texte"])
    book.save(d / "entier.xlsx")
    path = rezip(
        d / "entier.xlsx",
        d / "rires.xlsx",
        lambda n, b: (
            b.replace(b"<worksheet", LAUGHS_DTD.encode() + b"<worksheet", 1)
            if n.startswith("xl/worksheets/")
            else b
        ),
    )
    return imported(path)


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

"""Tables of codings read back with csv and openpyxl."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from codage.analysis.stats import compute_stats
from codage.exchange.tables import export_codings
from codage.services.selection import select_codings

from .corpus import Corpus

HEADER = [
    "document",
    "code",
    "level_1",
    "level_2",
    "coder",
    "automatic",
    "suggested",
    "start",
    "end",
    "text",
    "speaker",
    "timestamp",
    "paragraph",
    "memo",
    "case",
    "grade",
    "taille",
    "type",
]


def test_csv_has_one_row_per_coding_with_every_field(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    report = export_codings(select_codings(corpus.project), out, "csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == HEADER
    assert report.rows == len(rows) == 11
    assert {
        (r["document"], r["code"], r["coder"], int(r["start"]), int(r["end"])) for r in rows
    } == {
        (
            next(n for n, i in corpus.docs.items() if i == c.document_id),
            next(p for p, code in corpus.codes.items() if code.id == c.code_id),
            c.coder,
            c.start,
            c.end,
        )
        for c in corpus.codings
    }
    sec = next(r for r in rows if r["code"] == "Sécurité")
    assert sec == {
        "document": "entretien-a",
        "code": "Sécurité",
        "level_1": "Sécurité",
        "level_2": "",
        "coder": "alice",
        "automatic": "0",
        "suggested": "0",
        "start": sec["start"],
        "end": sec["end"],
        "text": "Nous avons subi une attaque en 2024.",
        "speaker": "M. Garnier",
        "timestamp": "01:03:10",
        "paragraph": "4",
        "memo": "",
        "case": "DSI-01",
        "grade": "",
        "taille": "1200",
        "type": "Région",
    }
    multi = next(
        r for r in rows if r["document"] == "entretien-b" and r["code"] == "Outils/Intranet"
    )
    assert multi["text"] == "L'intranet est peu utilisé.\n\nLe télétravail progresse."
    assert (multi["level_1"], multi["level_2"]) == ("Outils", "Intranet")
    answer = next(r for r in rows if r["text"] == "Le télétravail me convient.")
    assert (answer["case"], answer["grade"], answer["type"]) == ("R1", "A", "Commune")


def test_csv_filters(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    report = export_codings(
        select_codings(corpus.project, codes=["Outils"], cases={"type": "Région"}, coders=["bob"]),
        out,
        "csv",
    )
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert report.rows == 2
    assert {(r["document"], r["coder"]) for r in rows} == {
        ("entretien-a", "bob"),
        ("enquete", "bob"),
    }


def test_xlsx_carries_codings_and_stats(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "codings.xlsx"
    stats = compute_stats(corpus.project)
    report = export_codings(select_codings(corpus.project), out, "xlsx", sheets=stats.sheets())
    book = openpyxl.load_workbook(out, read_only=True)
    assert (
        book.sheetnames
        == report.sheets
        == [
            "Codings",
            "Frequencies",
            "Code x document",
            "Code x grade",
            "Code x taille",
            "Code x type",
            "Co-occurrence",
        ]
    )
    rows = list(book["Codings"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) == 12
    freq = {r[0]: r[1:] for r in book["Frequencies"].iter_rows(min_row=2, values_only=True)}
    assert freq["Outils/Intranet"][:4] == (5, 3, 3, 2)
    co = list(book["Co-occurrence"].iter_rows(min_row=2, values_only=True))
    assert ("Outils/Intranet", "Organisation", 0, 1) in co
    by_type = {r[0]: r[1:] for r in book["Code x type"].iter_rows(values_only=True)}
    assert by_type["Code"] == ("Commune", "Région")
    assert by_type["Outils/Intranet"] == (1, 4)
    book.close()

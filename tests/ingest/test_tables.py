"""Open comments in CSV and XLSX tables: documents per question, cases, column roles."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import ReadOptions, read_file
from codage.ingest.readers.tables import sniff_delimiter
from tests.ingest.conftest import texts_of

HEADER = ["id_repondant", "type_collectivite", "grade", "age", "q12_changements", "q13_commentaire"]
ROWS = [
    [
        "R0001",
        "Département",
        "B",
        "52",
        "Le télétravail a changé l'ambiance du service, on ne se croise plus du tout.",
        "Prévoir une journée commune par équipe.",
    ],
    [
        "R0002",
        "Commune",
        "C",
        "38",
        "La messagerie déborde tous les jours, impossible de suivre les demandes des élus.",
        "",
    ],
    ["R0003", "Région", "A", "45", "", "Former les agents avant de déployer un nouvel outil."],
    [
        "R0004",
        "Commune",
        "B",
        "29",
        "Le parapheur électronique a supprimé beaucoup d'allers-retours papier.",
        "Rien à ajouter, merci pour l'enquête.",
    ],
]


def _csv(delimiter: str = ";") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return buffer.getvalue()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_csv_one_document_per_question(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = tmp_path / "enquete.csv"
    path.write_bytes(_csv(delimiter).encode(encoding))
    documents = read_file(path)
    assert [d.name for d in documents] == [
        "enquete — q12_changements",
        "enquete — q13_commentaire",
    ]
    q12, q13 = documents
    assert q12.kind == "survey"
    assert texts_of(q12, "answer") == [ROWS[0][4], ROWS[1][4], ROWS[3][4]]
    assert q12.text == "\n\n".join([ROWS[0][4], ROWS[1][4], ROWS[3][4]])
    assert q12.unit_cases == {0: "R0001", 1: "R0002", 2: "R0004"}
    assert q13.unit_cases == {0: "R0001", 1: "R0003", 2: "R0004"}
    assert q12.cases["R0002"] == {"type_collectivite": "Commune", "grade": "C", "age": 38}
    assert q12.metadata["question"] == "q12_changements"


def test_column_roles_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "enquete.csv"
    path.write_text(_csv(), encoding="utf-8")
    options = ReadOptions(
        id_column="ID_REPONDANT", text_columns=["q13_commentaire"], attribute_columns=["grade"]
    )
    (document,) = read_file(path, options)
    assert document.name == "enquete — q13_commentaire"
    assert document.cases["R0003"] == {"grade": "A"}


def test_unknown_forced_column(tmp_path: Path) -> None:
    path = tmp_path / "enquete.csv"
    path.write_text(_csv(), encoding="utf-8")
    with pytest.raises(IngestError, match=r"no column named 'q99'; the columns are: id_repondant"):
        read_file(path, ReadOptions(text_columns=["q99"]))


def test_table_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "cas.csv"
    path.write_text("document,cas,taille\nentretien-01,DSI-01,4800\nentretien-02,DSI-02,2900\n")
    with pytest.raises(IngestError, match=r"cas\.csv: no column of open answers found"):
        read_file(path)


def test_header_only_table(tmp_path: Path) -> None:
    path = tmp_path / "entete.csv"
    path.write_text("id;commentaire\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no rows"):
        read_file(path)


def test_without_id_column_respondents_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "libre.csv"
    path.write_text(
        "service;remarque\nRH;Trop de mails chaque jour, on ne suit plus rien.\n"
        "RH;Les outils ne se parlent pas entre eux, il faut tout ressaisir.\n",
        encoding="utf-8",
    )
    (document,) = read_file(path)
    assert document.unit_cases == {0: "libre #1", 1: "libre #2"}
    assert document.cases["libre #2"] == {"service": "RH"}


def test_values_typed_and_identifiers_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "types.csv"
    rows = [
        "id;code_postal;note;ratio;commentaire",
        "1;01000;3;2,5;Le numérique a tout accéléré dans notre service depuis deux ans.",
        "2;75001;4;1,0;Je passe mes journées à répondre aux notifications des applis.",
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    (document,) = read_file(path)
    assert document.cases["1"] == {"code_postal": "01000", "note": 3, "ratio": 2.5}
    assert document.cases["2"]["ratio"] == 1.0


def test_answers_keep_their_lines_and_one_blank_line_between_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "commentaire libre"])
    writer.writerow(["a", "Première ligne de la réponse.\n\n\nDeuxième ligne après un blanc."])
    writer.writerow(["b", "Une autre réponse assez longue pour être du texte."])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    (document,) = read_file(path)
    # Issue 9: a blank line inside an answer is a paragraph break of that answer.
    assert texts_of(document, "answer")[0] == (
        "Première ligne de la réponse.\n\nDeuxième ligne après un blanc."
    )
    assert len(texts_of(document, "answer")) == 2


def test_1300_answers_stay_one_document_per_question(tmp_path: Path) -> None:
    path = tmp_path / "grande.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["id", "collectivite", "commentaire"])
    kinds = ["Commune", "Département", "Région", "Intercommunalité"]
    for i in range(1300):
        writer.writerow(
            [
                f"A{i:04d}",
                kinds[i % 4],
                f"Réponse numéro {i} : les outils changent le travail "
                f"de l'agent {i % 37} au quotidien.",
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")
    (document,) = read_file(path)
    assert len(texts_of(document, "answer")) == 1300
    assert len(document.cases) == 1300
    assert document.cases["A0005"] == {"collectivite": "Département"}


def test_xlsx_survey(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Réponses"
    sheet.append(["Identifiant", "Date", "Âge", "Titulaire", "Pourquoi ?"])
    sheet.append([101, datetime(2026, 1, 20), 41, True, "Parce que la formation manquait."])
    sheet.append([102, datetime(2026, 1, 21), 35.0, False, "Les logiciels changent trop souvent."])
    sheet.append([103, None, None, None, None])
    workbook.save(tmp_path / "enquete.xlsx")
    (document,) = read_file(tmp_path / "enquete.xlsx")
    assert document.name == "enquete — Pourquoi ?"
    assert document.unit_cases == {0: "101", 1: "102"}
    assert document.cases["101"] == {"Date": "2026-01-20", "Âge": 41, "Titulaire": True}
    assert document.cases["102"]["Âge"] == 35
    assert document.metadata["sheet"] == "Réponses"


def test_xlsx_without_text_column(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append([1, 2])
    workbook.save(tmp_path / "chiffres.xlsx")
    with pytest.raises(IngestError, match="no column of open answers"):
        read_file(tmp_path / "chiffres.xlsx")


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(
        IngestError, match=r"abime\.xlsx: this is not an Excel \(\.xlsx\) file but an OLE container"
    ):
        read_file(path)


def test_repeated_forced_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "doublons.csv"
    path.write_text(
        "service;commentaire libre\nRH;Une réponse assez longue ici.\nRH;Une autre réponse ici.\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="repeats the value 'RH'"):
        read_file(path, ReadOptions(id_column="service"))


def test_sniffing_delimiters() -> None:
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter("a,b\n1,2\n") == ","

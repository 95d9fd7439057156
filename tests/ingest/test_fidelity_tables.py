"""Survey tables read faithfully: comment columns, closed choices, paragraphs, bounds."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

import codage
from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from codage.limits import MAX_TABLE_CELLS
from tests.ingest.conftest import texts_of
from tests.ingest.fidelity import missing_words


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


SENTENCES = [
    "Les outils changent trop vite pour les agents.",
    "On nous a jamais demandé notre avis sur le logiciel.",
    "La formation est arrivée après le déploiement.",
    "Le télétravail isole les nouveaux collègues du service.",
]


@pytest.mark.parametrize(
    "name",
    ["Commentaire", "Autre (précisez)", "Observations", "Free text", "Open comment", "Pourquoi"],
)
def test_comment_column_with_repeated_answers_is_open_text(tmp_path: Path, name: str) -> None:
    answers = ["RAS"] * 12 + ["Non"] * 8 + SENTENCES + [SENTENCES[0]]
    rows = [["id", "service", name]]
    rows += [[f"R{i:03d}", ["RH", "SI"][i % 2], a] for i, a in enumerate(answers)]
    (doc,) = read_file(_write_csv(tmp_path / "enquete.csv", rows))
    assert doc.metadata["question"] == name
    assert texts_of(doc, "answer") == answers
    assert doc.cases["R001"] == {"service": "SI"}


def test_comment_column_with_sentences_pasted_twice_among_ras(tmp_path: Path) -> None:
    answers = ["RAS", "Non"] * 15 + SENTENCES[:3] * 2
    rows = [["id", "remarque"]] + [[f"R{i:03d}", a] for i, a in enumerate(answers)]
    (doc,) = read_file(_write_csv(tmp_path / "colle.csv", rows))
    assert texts_of(doc, "answer") == answers


def test_comment_column_holding_a_closed_choice_is_an_attribute(tmp_path: Path) -> None:
    choices = ["Je ne souhaite pas répondre", "Voir ma réponse précédente"]
    rows = [["id", "Autre (précisez)", "Pourquoi ?"]]
    for i in range(30):
        rows.append([f"R{i:03d}", choices[i % 2], SENTENCES[i % 4] + f" Réponse {i}."])
    (doc,) = read_file(_write_csv(tmp_path / "autre.csv", rows))
    assert doc.metadata["question"] == "Pourquoi ?"
    assert doc.cases["R003"] == {"Autre (précisez)": choices[1]}


def test_closed_choice_with_long_values_is_an_attribute(tmp_path: Path) -> None:
    choices = [
        "Plutôt d'accord avec cette évolution du travail",
        "Pas du tout d'accord avec cette évolution du travail",
        "Sans opinion sur cette évolution pour le moment",
    ]
    rows = [["id", "Que pensez-vous de cette évolution ?", "commentaire"]]
    for i in range(30):
        rows.append([f"R{i:03d}", choices[i % 3], SENTENCES[i % 4] + f" Réponse {i}."])
    (doc,) = read_file(_write_csv(tmp_path / "choix.csv", rows))
    assert doc.metadata["question"] == "commentaire"
    assert doc.cases["R004"] == {"Que pensez-vous de cette évolution ?": choices[1]}


def test_name_and_title_columns_are_not_open_questions(tmp_path: Path) -> None:
    rows = [["Nom", "Prénom", "Titre du poste", "Email", "Title", "Remarque"]]
    for i in range(25):
        rows.append(
            [
                f"Durand-{i} de la Fontaine",
                f"Marie Claire {i}",
                f"Responsable adjointe du service des systèmes d'information numéro {i}",
                f"agent.{i}@exemple.fr",
                f"A very long headline of an article number {i} about digital work",
                SENTENCES[i % 4] + f" ({i})",
            ]
        )
    (doc,) = read_file(_write_csv(tmp_path / "noms.csv", rows))
    assert doc.metadata["question"] == "Remarque"
    attributes = doc.cases["noms #4"]
    assert set(attributes) == {"Nom", "Prénom", "Titre du poste", "Email", "Title"}


def test_blank_lines_inside_an_answer_stay_paragraph_breaks(tmp_path: Path) -> None:
    tweet = "Premier tweet du fil.\n\nDeuxième paragraphe, après une ligne vide.\n \n\n\nFin."
    rows = [
        ["id", "verbatim"],
        ["1", tweet],
        ["2", "Une réponse sur une seule ligne, assez longue."],
        ["3", "Ligne un\nligne deux de la même réponse."],
    ]
    (doc,) = read_file(_write_csv(tmp_path / "fils.csv", rows, ","))
    assert texts_of(doc, "answer") == [
        "Premier tweet du fil.\n\nDeuxième paragraphe, après une ligne vide.\n\nFin.",
        "Une réponse sur une seule ligne, assez longue.",
        "Ligne un\nligne deux de la même réponse.",
    ]
    assert doc.unit_cases == {0: "1", 1: "2", 2: "3"}


def test_every_word_of_every_answer_is_stored(tmp_path: Path) -> None:
    rows = [["id", "grade", "q1 commentaire", "q2 pourquoi ?"]]
    for i in range(200):
        first = "RAS" if i % 3 == 0 else SENTENCES[i % 4] + f" mot{i}"
        second = "Non" if i % 5 == 0 else f"Parce que {SENTENCES[(i + 1) % 4]}\n\nSuite{i}."
        rows.append([f"A{i}", "ABC"[i % 3], first, second])
    documents = read_file(_write_csv(tmp_path / "tout.csv", rows))
    assert [d.metadata["question"] for d in documents] == ["q1 commentaire", "q2 pourquoi ?"]
    for column, doc in zip((2, 3), documents, strict=True):
        source = "\n".join(row[column] for row in rows[1:])
        assert missing_words(source, doc.text) == []
        assert len(texts_of(doc, "answer")) == 200


def _stretch_dimension(path: Path) -> None:
    """Rewrite the sheet so it declares A1:XFD1048576, as after a format applied to all."""
    with zipfile.ZipFile(path) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index("<dimension ref=")
    end = sheet.index("/>", start) + 2
    entries["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + '<dimension ref="A1:XFD1048576"/>' + sheet[end:]
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data)


def test_xlsx_declaring_the_whole_sheet_is_read_in_little_memory(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "commentaire"])
    for i in range(50):
        sheet.append([f"R{i}", SENTENCES[i % 4] + f" ({i})"])
    # A formatted but empty cell in the last column, as a stray "format all" leaves;
    # with the declared dimension, rows used to be padded to it: 2**34 cells.
    sheet.cell(row=1048576, column=16384).font = Font(bold=True)
    path = tmp_path / "immense.xlsx"
    workbook.save(path)
    _stretch_dimension(path)
    # In a child process under a 1 GiB address-space limit: padding the rows to
    # the declared dimension would need far more, and fail with MemoryError.
    child = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
        "from codage.ingest.reader import read_file\n"
        "(doc,) = read_file(sys.argv[1])\n"
        "print(len(doc.units), doc.cases['R7'])\n"
    )
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", child, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(codage.__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["50", "{}"]
    assert time.perf_counter() - began < 60


def test_xlsx_beyond_the_bound_is_refused_in_one_line(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    width = 16384
    rows = MAX_TABLE_CELLS // width + 2
    for i in range(rows):
        sheet.append([f"R{i}", SENTENCES[i % 4]])
    sheet.cell(row=1, column=width, value="loin")
    path = tmp_path / "large.xlsx"
    workbook.save(path)
    with pytest.raises(IngestError, match=r"large\.xlsx: this table is too large to import"):
        read_file(path)


def test_csv_without_header_row_is_read_and_said(tmp_path: Path) -> None:
    rows = [[f"R{i:03d}", str(30 + i), SENTENCES[i % 4] + f" ({i})"] for i in range(6)]
    (doc,) = read_file(_write_csv(tmp_path / "sans-entete.csv", rows))
    assert doc.metadata["question"] == "colonne 3"
    assert doc.unit_cases[0] == "R000"
    assert texts_of(doc, "answer")[0] == SENTENCES[0] + " (0)"
    (warning,) = doc.warnings
    assert warning.startswith("the first row looks like answers")


def test_csv_with_header_gets_no_header_warning(tmp_path: Path) -> None:
    rows = [["id", "age", "commentaire"]]
    rows += [[f"R{i:03d}", str(30 + i), SENTENCES[i % 4]] for i in range(6)]
    (doc,) = read_file(_write_csv(tmp_path / "entete.csv", rows))
    assert doc.warnings == []
    assert doc.cases["R001"] == {"age": 31}


def test_unclosed_quote_in_the_middle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "guillemet.csv"
    path.write_text(
        "id;service;commentaire\n"
        "1;RH;Les outils changent trop vite.\n"
        '2;SI;"Le logiciel est lent, on attend\n'
        "3;RH;Personne n'a été formé.\n"
        "4;SI;Trop de mails.\n"
        '5;RH;Il dit "non" à tout.\n',
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match=r"guillemet\.csv: row 3 \(line 3\) opens a quote"):
        read_file(path)


def test_unclosed_quote_at_the_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fin.csv"
    path.write_text(
        'id;commentaire\n1;Les outils changent trop vite.\n2;"Et la suite\n', encoding="utf-8"
    )
    with pytest.raises(IngestError, match=r"fin\.csv: row 3 \(line 3\) opens a quote"):
        read_file(path)


def test_row_longer_than_the_header_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "decale.csv"
    path.write_text(
        "id;commentaire\n1;Les outils changent trop vite, vraiment.\n"
        "2;Le logiciel; il plante tous les jours.\n3;On manque de formation sur tout.\n",
        encoding="utf-8",
    )
    (doc,) = read_file(path)
    assert doc.warnings == [
        "1 row(s) have more cells than the header (row 3); an unquoted "
        "separator in an answer? The extra cells are kept as columns named 'colonne N'"
    ]
    assert doc.cases["2"] == {"colonne 3": "il plante tous les jours."}

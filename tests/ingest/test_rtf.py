"""Rich Text Format, as the literal RTF a word processor writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of

RTF = (
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
    "\n"
    r"{\b Enqu\'eatrice :} Bonjour, pouvez-vous vous pr\'e9senter ?\par"
    "\n"
    r"M. Garnier : Je suis DSI \'e0 la R\'e9gion depuis 2015.\par"
    "\n"
    r"C\'92est un m\'e9tier.\par"
    "\n"
    r"Enqu\'eatrice : Et l\u8217?intranet ?\par"
    "\n}"
)


def test_rtf_text_and_turns(tmp_path: Path) -> None:
    path = tmp_path / "entretien.rtf"
    path.write_bytes(RTF.encode("ascii"))
    (doc,) = read_file(path)
    assert "Je suis DSI à la Région depuis 2015." in doc.text
    assert "C’est un métier." in doc.text
    assert "Et l’intranet ?" in doc.text
    turns = units_of(doc, "turn")
    assert [t.speaker for t in turns] == ["Enquêtrice", "M. Garnier", "Enquêtrice"]
    assert doc.text[turns[1].start : turns[1].end] == (
        "M. Garnier : Je suis DSI à la Région depuis 2015.\nC’est un métier."
    )


def test_rtf_mac_code_page(tmp_path: Path) -> None:
    path = tmp_path / "mac.rtf"
    path.write_bytes(rb"{\rtf1\mac Le d\'8ej\'88 vu\par}")
    (doc,) = read_file(path)
    assert doc.text.strip() == "Le déjà vu"


def test_not_rtf(tmp_path: Path) -> None:
    path = tmp_path / "faux.rtf"
    path.write_text("juste du texte", encoding="utf-8")
    with pytest.raises(IngestError, match=r"faux\.rtf: this is not an RTF file"):
        read_file(path)


def test_empty_rtf(tmp_path: Path) -> None:
    path = tmp_path / "vide.rtf"
    path.write_bytes(rb"{\rtf1\ansi {\fonttbl{\f0 Arial;}}\par}")
    with pytest.raises(IngestError, match=r"vide\.rtf: .*empty"):
        read_file(path)


NOTED = (
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
    r"{\header\pard\plain Rapport confidentiel\par}{\footer\pard\plain\chpgn\par}"
    "\n"
    r"Enqu\'eatrice : Le budget baissait{\super\chftn}{\footnote\pard\plain{\super\chftn}"
    r" Selon la direction {\i informatique} \{sic\}.\par Deuxi\'e8me ligne.}, puis"
    r"{\super\chftn}{\footnote\ftnalt\pard\plain{\super\chftn} Entretien t\'e9l\'e9phonique.}"
    r" remontait{\super\chftn}{\footnote\pard\plain{\super\chftn} Chiffres de mars.}.\par"
    "\n"
    r"Phrase {\*\atnid B}{\*\atnauthor B}\chatn{\*\annotation\pard\plain Remarque}"
    r"comment\'e9e.\par"
    "\n}"
)


def test_rtf_notes_become_markers_and_a_notes_section(tmp_path: Path) -> None:
    path = tmp_path / "notes.rtf"
    path.write_bytes(NOTED.encode("ascii"))
    (doc,) = read_file(path)
    assert doc.text == (
        "Enquêtrice : Le budget baissait[1], puis[i] remontait[2].\n"
        "Phrase commentée.\n\n"
        "Notes\n\n"
        "[1] Selon la direction informatique {sic}.\n"
        "Deuxième ligne.\n"
        "[2] Chiffres de mars.\n"
        "[i] Entretien téléphonique."
    )
    assert texts_of(doc, "heading") == ["Notes"]
    assert units_of(doc, "turn")[0].speaker == "Enquêtrice"
    assert doc.warnings == [
        "page headers and footers not imported: «Rapport confidentiel»",
        "1 comment in the margin not imported (comments are not document text)",
    ]


def test_rtf_tracked_deletions_are_said(tmp_path: Path) -> None:
    path = tmp_path / "revu.rtf"
    path.write_bytes(rb"{\rtf1\ansi Nous avons {\deleted jamais }adopt\'e9 l'outil.\par}")
    (doc,) = read_file(path)
    assert doc.text.strip() == "Nous avons jamais adopté l'outil."
    assert doc.warnings == [
        "the file has tracked deletions, kept as text (RTF); accept the changes "
        "in the word processor and import again to drop them"
    ]


def test_rtf_text_boxes_are_read_once_and_objects_said(tmp_path: Path) -> None:
    path = tmp_path / "formes.rtf"
    path.write_bytes(
        rb"{\rtf1\ansi Avant.\par{\shp{\*\shpinst{\sp{\sn shapeType}{\sv 202}}"
        rb"{\shptxt \pard Texte encadr\'e9\par}}{\shprslt{\*\do\dobxcolumn"
        rb"\dptxbx{\dptxbxtext\pard Texte encadr\'e9\par}}}}Apr\'e8s.\par"
        rb"{\object\objemb{\*\objclass Excel.Sheet.12}{\*\objdata 0102}"
        rb"{\result {\pard Tableau incorpor\'e9\par}}}\par}"
    )
    (doc,) = read_file(path)
    assert [line.strip() for line in doc.text.split("\n") if line.strip()] == [
        "Avant.",
        "Texte encadré",
        "Après.",
    ]
    assert doc.warnings == ["1 embedded object (charts, diagrams, spreadsheets...) not imported"]


def test_rtf_header_warning_holds_no_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "entete.rtf"
    path.write_bytes(rb"{\rtf1\ansi{\header Rapport \'1b[31mrouge\par}Texte du corps.\par}")
    (doc,) = read_file(path)
    assert doc.text.strip() == "Texte du corps."
    assert doc.warnings == ["page headers and footers not imported: «Rapport [31mrouge»"]

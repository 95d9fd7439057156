"""Plain text and Markdown: paragraphs, headings, speaker turns, continuation."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of


def _read(tmp_path: Path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    (document,) = read_file(path)
    return document


def test_plain_text_paragraphs(tmp_path: Path) -> None:
    doc = _read(
        tmp_path,
        "notes.txt",
        "Premier paragraphe,\nsur deux lignes.\n\n\nLe problème : personne ne lit l'intranet.\n",
    )
    assert doc.kind == "text"
    assert doc.name == "notes"
    assert texts_of(doc, "paragraph") == [
        "Premier paragraphe,\nsur deux lignes.",
        "Le problème : personne ne lit l'intranet.",
    ]
    assert doc.source_path == str(tmp_path / "notes.txt")


def test_name_colon_turns_with_continuation_paragraphs(tmp_path: Path) -> None:
    text = (
        "Entretien n° 3\n\n"
        "Enquêtrice : Pouvez-vous vous présenter ?\n\n"
        "M. Garnier : Je suis DSI.\n\n"
        "Le problème : personne ne lit l'intranet.\n\n"
        "Enquêtrice : Et ensuite ?\n"
        "M. Garnier : On a changé d'outil.\n"
    )
    doc = _read(tmp_path, "entretien.txt", text)
    assert doc.kind == "interview"
    turns = units_of(doc, "turn")
    assert [t.speaker for t in turns] == ["Enquêtrice", "M. Garnier", "Enquêtrice", "M. Garnier"]
    # The label stays in the text; the turn spans the whole paragraph and its continuation.
    assert texts_of(doc, "turn")[1] == (
        "M. Garnier : Je suis DSI.\n\nLe problème : personne ne lit l'intranet."
    )
    assert texts_of(doc, "paragraph") == ["Entretien n° 3"]
    assert doc.metadata["speakers"] == ["Enquêtrice", "M. Garnier"]
    assert doc.metadata["interviewers"] == ["Enquêtrice"]


@pytest.mark.parametrize(
    ("interviewer", "respondent"), [("E", "R"), ("Q", "R"), ("Enquêteur", "Mme Kessler")]
)
def test_letter_conventions_one_turn_per_line(
    tmp_path: Path, interviewer: str, respondent: str
) -> None:
    text = (
        f"{interviewer} : Bonjour.\n{respondent} : Bonjour.\nDeuxième ligne de la réponse.\n"
        f"{interviewer} : Merci.\n"
    )
    doc = _read(tmp_path, "e.txt", text)
    assert [u.speaker for u in units_of(doc, "turn")] == [interviewer, respondent, interviewer]
    assert texts_of(doc, "turn")[1] == f"{respondent} : Bonjour.\nDeuxième ligne de la réponse."
    assert doc.metadata["interviewers"] == [interviewer]


def test_timestamped_turns(tmp_path: Path) -> None:
    text = (
        "[00:00:05] Marie : Bonjour à tous.\n\n"
        "[00:12:34] E : Et la messagerie ?\n\n"
        "[00:12:50] Marie : Elle déborde.\n"
    )
    doc = _read(tmp_path, "t.txt", text)
    turns = units_of(doc, "turn")
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Marie", 5.0),
        ("E", 754.0),
        ("Marie", 770.0),
    ]


def test_parenthesised_timestamps_with_dash_labels(tmp_path: Path) -> None:
    text = (
        "(00:03:12) Intervieweur - Pouvez-vous présenter le syndicat ?\n\n"
        "(00:03:40) Mme Roussel - Nous existons depuis 1987.\n\n"
        "Intervieweur - Et aujourd'hui ?\n"
    )
    doc = _read(tmp_path, "s.txt", text)
    turns = units_of(doc, "turn")
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Intervieweur", 192.0),
        ("Mme Roussel", 220.0),
        ("Intervieweur", None),
    ]


def test_timestamp_without_label_is_a_timed_paragraph(tmp_path: Path) -> None:
    doc = _read(tmp_path, "p.txt", "(00:12:34) On reprend après la pause.\n(00:13:00) Suite.\n")
    paragraphs = units_of(doc, "paragraph")
    assert [p.timestamp for p in paragraphs] == [754.0, 780.0]
    assert doc.kind == "text"


def test_markdown_headings_and_bold_labels(tmp_path: Path) -> None:
    text = (
        "# Entretien avec Mme Kessler\n\n"
        "**Enquêtrice :** Bonjour.\n\n"
        "**Mme Kessler :** Bonjour.\n\n"
        "## Partie 2\n\n"
        "**Enquêtrice :** Et l'ENT ?\n"
    )
    doc = _read(tmp_path, "k.md", text)
    assert texts_of(doc, "heading") == ["# Entretien avec Mme Kessler", "## Partie 2"]
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "Mme Kessler", "Enquêtrice"]
    # A heading ends a turn.
    assert texts_of(doc, "turn")[1] == "**Mme Kessler :** Bonjour."


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman", "latin-1", "utf-16", "utf-8-sig"])
@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_legacy_files_read_without_mojibake(tmp_path: Path, encoding: str, newline: str) -> None:
    text = newline.join(["Q : Ça a changé quoi, l'été dernier ?", "R : Déjà, les élus à côté."])
    doc = _read(tmp_path, "legacy.txt", text + newline, encoding)
    assert doc.text == "Q : Ça a changé quoi, l'été dernier ?\nR : Déjà, les élus à côté.\n"
    assert [u.speaker for u in units_of(doc, "turn")] == ["Q", "R"]
    assert doc.metadata["encoding"] in {encoding, "cp1252"}


def test_units_stay_inside_the_text_and_in_order(tmp_path: Path) -> None:
    doc = _read(tmp_path, "o.txt", "  E : a\n\n   \n\tR : b  \n\nsuite\n")
    assert [(u.start, u.end) for u in doc.units] == sorted((u.start, u.end) for u in doc.units)
    assert texts_of(doc, "turn") == ["E : a", "R : b  \n\nsuite"]
    assert [u.position for u in doc.units] == list(range(len(doc.units)))

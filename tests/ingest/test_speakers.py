"""Speaker labels and timestamps in the conventions of French transcripts."""

from __future__ import annotations

import pytest

from codage.ingest.speakers import (
    choose_speakers,
    content_offset,
    is_interviewer,
    parse_line,
    parse_timestamp,
    speaker_role,
)


@pytest.mark.parametrize(
    ("line", "label", "timestamp", "content"),
    [
        ("M. Garnier : Alors, nous avons", "M. Garnier", None, "Alors, nous avons"),
        ("Enquêtrice : Et l'intranet ?", "Enquêtrice", None, "Et l'intranet ?"),
        ("Enquêteur: Bonjour", "Enquêteur", None, "Bonjour"),
        ("E : Bonjour.", "E", None, "Bonjour."),
        ("R : Oui.", "R", None, "Oui."),
        ("Q : Et alors ?", "Q", None, "Et alors ?"),
        ("[00:12:34] Marie : Bonjour", "Marie", 754.0, "Bonjour"),
        ("[00:12:34] E : Bonjour", "E", 754.0, "Bonjour"),
        ("(00:12:34) On reprend.", None, 754.0, "On reprend."),
        ("(00:03:12) Intervieweur - Alors", "Intervieweur", 192.0, "Alors"),
        ("Intervieweur - Alors", "Intervieweur", None, "Alors"),
        ("00:01:02 Paul : ok", "Paul", 62.0, "ok"),
        ("[12:34] Mme Le Gall : oui", "Mme Le Gall", 754.0, "oui"),
        ("**Enquêtrice :** Bonjour", "Enquêtrice", None, "Bonjour"),
        ("**Marie** : Bonjour", "Marie", None, "Bonjour"),
        ("Jean-Pierre Dupont : oui", "Jean-Pierre Dupont", None, "oui"),
        ("M. GARNIER : oui", "M. GARNIER", None, "oui"),
        ("Enquêteur 2 : oui", "Enquêteur 2", None, "oui"),
    ],
)
def test_label_and_timestamp_conventions(
    line: str, label: str | None, timestamp: float | None, content: str
) -> None:
    start = parse_line(line)
    assert start is not None
    assert start.label == label
    assert start.timestamp == timestamp
    assert line[start.content :] == content


@pytest.mark.parametrize(
    "line",
    [
        "Le problème : personne ne lit l'intranet",
        "Voir http://intranet.example/accueil",
        "Réunion à 10:30 demain",
        "Note : à vérifier",
        "Date : 12 mars 2026",
        "Problème : personne ne répond",
        "- premier point : la messagerie",
        "On a dit : plus jamais",
        "",
    ],
)
def test_ordinary_sentences_are_not_labels(line: str) -> None:
    start = parse_line(line)
    assert start is None or start.label is None


def test_timestamps_become_seconds() -> None:
    assert parse_timestamp("00:12:34") == 754.0
    assert parse_timestamp("1:02:03,5") == 3723.5
    assert parse_timestamp("02:03.250") == 123.25


@pytest.mark.parametrize(
    "label",
    [
        "Enquêteur",
        "Enquêtrice",
        "Intervieweur",
        "Intervieweuse",
        "Interviewer",
        "E",
        "Q",
        "Chercheur",
        "Chercheuse",
        "enquetrice",
        "Enquêteur 2",
    ],
)
def test_interviewer_labels(label: str) -> None:
    assert is_interviewer(label)
    assert speaker_role(label) == "interviewer"


@pytest.mark.parametrize("label", ["R", "Répondant", "Enquêtée", "R1"])
def test_respondent_labels(label: str) -> None:
    assert speaker_role(label) == "respondent"
    assert not is_interviewer(label)


def test_a_name_has_no_role() -> None:
    assert speaker_role("M. Garnier") is None
    assert not is_interviewer(None)


def _starts(*lines: str):
    return [s for s in map(parse_line, lines) if s is not None]


def test_a_label_met_once_is_not_a_speaker_without_a_dialogue() -> None:
    assert choose_speakers(_starts("Marie : bonjour", "Autre ligne")) == set()


def test_recurring_names_make_a_dialogue() -> None:
    starts = _starts("Marie : a", "Paul : b", "Marie : c", "Paul : d")
    assert choose_speakers(starts) == {"Marie", "Paul"}


def test_a_single_recurring_label_is_a_note_heading_not_a_dialogue() -> None:
    assert choose_speakers(_starts("Exigence : a", "Exigence : b")) == set()


def test_a_name_answering_a_known_interviewer_is_a_speaker_even_once() -> None:
    starts = _starts("Enquêtrice : a ?", "Mme Roux : b", "Enquêtrice : c ?")
    assert choose_speakers(starts) == {"Enquêtrice", "Mme Roux"}


def test_forced_labels_are_kept() -> None:
    assert choose_speakers([], forced=["Mme Le Gall (DSI)"]) == {"Mme Le Gall (DSI)"}


def test_content_offset_skips_odd_bold_labels_literally() -> None:
    line = "Mme Le Gall (DSI) : Bonjour"
    assert line[content_offset(line, "Mme Le Gall (DSI)") :] == "Bonjour"
    line = "[00:01:00] Mme Le  Gall : Bonjour"
    assert line[content_offset(line, "Mme Le Gall") :] == "Bonjour"
    assert content_offset("Sans étiquette", None) == 0

"""Speaker labels and timestamps in the conventions of French transcripts."""

from __future__ import annotations

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.speakers import (
    choose_speakers,
    compile_speaker_pattern,
    content_offset,
    is_dialogue_column,
    is_interviewer,
    is_speaker_id,
    parse_line,
    parse_timestamp,
    speaker_role,
    using_speaker_pattern,
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
        ("00:19 PARTICIPANT 12: Hi", "PARTICIPANT 12", 19.0, "Hi"),
        ("[00:10] RESEARCHER: Hi", "RESEARCHER", 10.0, "Hi"),
        ("(00:01:02) Mme X : Bonjour", "Mme X", 62.0, "Bonjour"),
        ("[SPEAKER_01]: Hello", "SPEAKER_01", None, "Hello"),
        ("[id1] Hello", "id1", None, "Hello"),
        ("[Jean Dupont] Bonjour", "Jean Dupont", None, "Bonjour"),
        ("JEAN-MARC : oui", "JEAN-MARC", None, "oui"),
        ("M. de La Tour : oui", "M. de La Tour", None, "oui"),
        ("Mme d'Arc : oui", "Mme d'Arc", None, "oui"),
        ("Interviewer (00:01:23): Hello", "Interviewer", 83.0, "Hello"),
        ("INTERVIEWER", "INTERVIEWER", None, ""),
        ("Marie Dupont :", "Marie Dupont", None, ""),
        ("Speaker 1  0:03", "Speaker 1", 3.0, ""),
    ],
)
def test_label_and_timestamp_conventions(
    line: str, label: str | None, timestamp: float | None, content: str
) -> None:
    start = parse_line(line, alone=True)
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
        "Location: https://zoom.example/rec/1",
        "Lien Zoom: https://zoom.example/j/42",
        "10:30 on a repris",
        "[Music]",
        "[rires] Oui",
        "Oui",
        "Merci.",
        "On a repris.",
        "",
    ],
)
def test_ordinary_sentences_are_not_labels(line: str) -> None:
    start = parse_line(line, alone=True)
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
    return [s for line in lines if (s := parse_line(line, alone=True)) is not None]


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


def test_labels_alone_are_marked_so() -> None:
    alone = parse_line("MARIE DUPONT", alone=True)
    assert alone is not None and alone.alone and alone.bare
    # Subtitle cues are read without it: three capitalised words are speech there.
    assert parse_line("MARIE DUPONT") is None
    colon = parse_line("Marie Dupont :")
    assert colon is not None and colon.alone and not colon.bare
    inline = parse_line("Marie Dupont : oui")
    assert inline is not None and not inline.alone


@pytest.mark.parametrize(
    "label", ["Speaker 1", "SPEAKER_01", "Locuteur 2", "Intervenant 3", "Speaker A", "spk2"]
)
def test_speaker_ids(label: str) -> None:
    assert is_speaker_id(label)


@pytest.mark.parametrize("label", ["Partie 2", "Marie", "Annexe 3", "Article 12"])
def test_not_speaker_ids(label: str) -> None:
    assert not is_speaker_id(label)


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("INTERVIEWER", "interviewer"),
        ("Researcher", "interviewer"),
        ("PARTICIPANT 12", "respondent"),
        ("Respondent", "respondent"),
    ],
)
def test_english_roles(label: str, role: str) -> None:
    assert speaker_role(label) == role


def test_a_title_first_is_not_a_speaker_even_beside_a_role() -> None:
    starts = _starts("Projet Intranet : compte rendu", "E : a", "R : b", "E : c")
    assert choose_speakers(starts) == {"E", "R"}


def test_labels_alone_need_a_dialogue_of_them() -> None:
    lonely = _starts("RAPPORT ANNUEL", "E : a", "R : b", "RAPPORT ANNUEL", "E : c")
    assert choose_speakers(lonely) == {"E", "R"}
    heading = _starts("E : a", "R : b", "Question", "E : c", "R : d")
    assert choose_speakers(heading) == {"E", "R"}
    dialogue = _starts("MARIE", "a", "PAUL", "b", "MARIE", "c", "PAUL")
    assert choose_speakers(dialogue) == {"MARIE", "PAUL"}


def test_a_one_off_label_must_match_the_style_of_its_neighbours() -> None:
    starts = _starts("INTERVIEWER", "Sujet Zoom: la messagerie", "PARTICIPANT 12", "INTERVIEWER")
    assert choose_speakers(starts) == {"INTERVIEWER", "PARTICIPANT 12"}


def test_a_label_said_to_a_speaker_is_not_a_new_speaker() -> None:
    starts = _starts(
        "INTERVIEWER: a", "Hi PARTICIPANT 12: b", "PARTICIPANT 12: c", "INTERVIEWER: d"
    )
    assert choose_speakers(starts) == {"INTERVIEWER", "PARTICIPANT 12"}


def test_timestamps_make_speakers_only_when_several_lines_have_them() -> None:
    assert choose_speakers(_starts("[00:01:00] Réunion : budget", "Autre ligne")) == set()
    starts = _starts("[00:01:00] Marie : a", "[00:02:00] Paul : b")
    assert choose_speakers(starts) == {"Marie", "Paul"}


def test_two_column_tables_are_dialogues_only_when_labels_return() -> None:
    assert is_dialogue_column(["Enquêtrice", "M. Garnier", "Enquêtrice"])
    assert is_dialogue_column(["Marie :", "Paul :", "Marie :", "Paul :"])
    assert not is_dialogue_column(["Interviewer", "Participant"])
    assert not is_dialogue_column(["Organisme", "Interviewer", "Participant", "Direction"])
    assert not is_dialogue_column(["Date", "Lieu", "Date"])
    assert not is_dialogue_column(["Marie", "Marie"])


def test_a_speaker_pattern_replaces_the_rules() -> None:
    pattern = compile_speaker_pattern(r"(?P<timestamp>\d+:\d+) (?P<speaker>\w+) >>")
    with using_speaker_pattern(pattern):
        start = parse_line("00:19 JOHN >> Bonjour")
        assert start is not None
        assert (start.label, start.timestamp) == ("JOHN", 19.0)
        assert "00:19 JOHN >> Bonjour"[start.content :] == "Bonjour"
        assert parse_line("E : Bonjour") is None
        assert choose_speakers([start]) == {"JOHN"}
        assert content_offset("00:19 JOHN >> Bonjour", "JOHN") == len("00:19 JOHN >> ")
    assert parse_line("00:19 JOHN >> Bonjour") is None


@pytest.mark.parametrize(
    ("pattern", "says"),
    [("(?P<speaker>", "not a valid regular expression"), ("(\\w+):", "no named group")],
)
def test_bad_speaker_patterns(pattern: str, says: str) -> None:
    with pytest.raises(IngestError, match=says):
        compile_speaker_pattern(pattern)

"""Every turn to its speaker: the label styles of real transcripts, read with the real readers.

Each transcript is written here and read with ``read_file``; the tests assert the
exact speakers and the exact text of every turn, so that a turn given to the
wrong voice, or speech taken for a voice, fails.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from codage.domain import NewDocument
from codage.ingest.reader import read_file
from tests.conftest import ROOT
from tests.ingest.conftest import texts_of, units_of


def _read(tmp_path: Path, text: str, name: str = "t.txt") -> NewDocument:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (document,) = read_file(path)
    return document


def _turns(document: NewDocument) -> list[tuple[str | None, str]]:
    return [(u.speaker, document.text[u.start : u.end]) for u in units_of(document, "turn")]


def test_bare_minutes_seconds_before_upper_case_labels(tmp_path: Path) -> None:
    text = (
        "Location: https://zoom.example/rec/123\n\n"
        "00:05 INTERVIEWER: Hi PARTICIPANT 12: how are you today?\n\n"
        "00:19 PARTICIPANT 12: Fine, thanks.\nNote: I was a bit late.\n\n"
        "00:31 INTERVIEWER: Good. Tell me about the intranet.\n\n"
        "00:40 PARTICIPANT 12: Nobody reads it.\n"
    )
    doc = _read(tmp_path, text)
    assert doc.kind == "interview"
    assert _turns(doc) == [
        ("INTERVIEWER", "00:05 INTERVIEWER: Hi PARTICIPANT 12: how are you today?"),
        ("PARTICIPANT 12", "00:19 PARTICIPANT 12: Fine, thanks.\nNote: I was a bit late."),
        ("INTERVIEWER", "00:31 INTERVIEWER: Good. Tell me about the intranet."),
        ("PARTICIPANT 12", "00:40 PARTICIPANT 12: Nobody reads it."),
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [5.0, 19.0, 31.0, 40.0]
    assert texts_of(doc, "paragraph") == ["Location: https://zoom.example/rec/123"]
    assert doc.metadata["speakers"] == ["INTERVIEWER", "PARTICIPANT 12"]
    assert doc.metadata["interviewers"] == ["INTERVIEWER"]
    assert doc.warnings == []


def test_a_bare_time_without_label_is_speech(tmp_path: Path) -> None:
    text = "E : On se voit quand ?\n10:30 demain, dans la salle du conseil.\nR : Entendu.\n"
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("E", "E : On se voit quand ?\n10:30 demain, dans la salle du conseil."),
        ("R", "R : Entendu."),
    ]


def test_clock_times_of_a_programme_are_not_speakers(tmp_path: Path) -> None:
    text = (
        "Programme\n\n09:00 Accueil : café\n10:30 Atelier : intranet\n"
        "12:00 Déjeuner : salle B\n14:00 Plénière : conclusions\n"
    )
    doc = _read(tmp_path, text)
    assert doc.kind == "text"
    assert [(u.kind, u.timestamp) for u in doc.units] == [("paragraph", None)] * 2
    assert texts_of(doc, "paragraph")[1].startswith("09:00 Accueil")


def test_english_question_and_answer_letters(tmp_path: Path) -> None:
    text = "Q: How did it start?\nA: With the pandemic.\nQ: And then?\nA: Nothing.\n"
    doc = _read(tmp_path, text)
    assert [s for s, _ in _turns(doc)] == ["Q", "A", "Q", "A"]
    assert doc.metadata["interviewers"] == ["Q"]


def test_bracketed_time_codes_before_names(tmp_path: Path) -> None:
    text = (
        "[00:10] RESEARCHER: Welcome, and thank you.\n"
        "[00:25] Jane Smith: Thanks for having me.\n"
        "[00:31] RESEARCHER: Let us begin.\n"
        "[01:02] Jane Smith: Sure.\n"
    )
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("RESEARCHER", "[00:10] RESEARCHER: Welcome, and thank you."),
        ("Jane Smith", "[00:25] Jane Smith: Thanks for having me."),
        ("RESEARCHER", "[00:31] RESEARCHER: Let us begin."),
        ("Jane Smith", "[01:02] Jane Smith: Sure."),
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [10.0, 25.0, 31.0, 62.0]


def test_parenthesised_time_codes_before_french_names(tmp_path: Path) -> None:
    text = (
        "(00:01:02) Mme X : Bonjour.\n\n"
        "(00:01:10) Enquêteur : Bonjour madame, merci de me recevoir.\n\n"
        "(00:01:30) Mme X : Je vous en prie.\nLe problème : personne ne lit l'intranet.\n"
    )
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("Mme X", "(00:01:02) Mme X : Bonjour."),
        ("Enquêteur", "(00:01:10) Enquêteur : Bonjour madame, merci de me recevoir."),
        (
            "Mme X",
            "(00:01:30) Mme X : Je vous en prie.\nLe problème : personne ne lit l'intranet.",
        ),
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [62.0, 70.0, 90.0]


def test_labels_alone_on_their_line_and_a_title_first(tmp_path: Path) -> None:
    text = (
        "RAPPORT DE TERRAIN\n\n"
        "INTERVIEWER\nSo tell me how it started.\n\n"
        "MARIE DUPONT\nWell, it started with the pandemic.\n\n"
        "Then it went on, with the new intranet.\n\n"
        "Oui\n\n"
        "INTERVIEWER\nAnd then?\n\n"
        "MARIE DUPONT\nNothing much.\n"
    )
    doc = _read(tmp_path, text)
    assert doc.kind == "interview"
    assert texts_of(doc, "paragraph") == ["RAPPORT DE TERRAIN"]
    assert _turns(doc) == [
        ("INTERVIEWER", "INTERVIEWER\nSo tell me how it started."),
        (
            "MARIE DUPONT",
            "MARIE DUPONT\nWell, it started with the pandemic.\n\n"
            "Then it went on, with the new intranet.\n\nOui",
        ),
        ("INTERVIEWER", "INTERVIEWER\nAnd then?"),
        ("MARIE DUPONT", "MARIE DUPONT\nNothing much."),
    ]


def test_names_with_a_colon_alone_on_their_line(tmp_path: Path) -> None:
    text = (
        "Étude Numérique Agents\n\n"
        "Enquêtrice :\nBonjour.\n\n"
        "Marie Dupont :\nBonjour à vous.\nLe problème : rien ne marche.\n\n"
        "Enquêtrice :\nMerci.\n"
    )
    doc = _read(tmp_path, text)
    assert texts_of(doc, "paragraph") == ["Étude Numérique Agents"]
    assert _turns(doc) == [
        ("Enquêtrice", "Enquêtrice :\nBonjour."),
        ("Marie Dupont", "Marie Dupont :\nBonjour à vous.\nLe problème : rien ne marche."),
        ("Enquêtrice", "Enquêtrice :\nMerci."),
    ]


def test_speaker_ids_alone_with_the_time_after_them(tmp_path: Path) -> None:
    # Otter and Teams exports: "Speaker 1  0:03" on a line, the speech below.
    text = "Speaker 1  0:03\nHello there.\n\nSpeaker 2  0:09\nHi.\n\nSpeaker 1  1:15\nBye.\n"
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("Speaker 1", "Speaker 1  0:03\nHello there."),
        ("Speaker 2", "Speaker 2  0:09\nHi."),
        ("Speaker 1", "Speaker 1  1:15\nBye."),
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [3.0, 9.0, 75.0]


def test_a_third_voice_alone_on_its_line_once(tmp_path: Path) -> None:
    text = (
        "INTERVIEWER\nHello.\n\nMARIE DUPONT\nHi.\n\nJEAN MARTIN\nI just pass by.\n\n"
        "MARIE DUPONT\nOk.\n\nINTERVIEWER\nBye.\n"
    )
    doc = _read(tmp_path, text)
    assert [s for s, _ in _turns(doc)] == [
        "INTERVIEWER",
        "MARIE DUPONT",
        "JEAN MARTIN",
        "MARIE DUPONT",
        "INTERVIEWER",
    ]


def test_a_capitalised_line_of_speech_met_once_is_not_a_voice(tmp_path: Path) -> None:
    text = (
        "Interviewer\nHello.\n\nMarie Dupont\nHi.\n\nBonjour Madame Roussel\n\n"
        "Marie Dupont\nOk.\n\nInterviewer\nBye.\n"
    )
    doc = _read(tmp_path, text)
    assert _turns(doc)[1] == ("Marie Dupont", "Marie Dupont\nHi.\n\nBonjour Madame Roussel")
    assert doc.metadata["speakers"] == ["Interviewer", "Marie Dupont"]


def test_bracketed_names_with_the_time_after_them(tmp_path: Path) -> None:
    # Zoom: "[Jean Dupont] 10:03:12" on a line, the speech below.
    text = (
        "[Jean Dupont] 10:03:12\nBonjour.\n\n[Marie Curie] 10:03:20\nBonjour Jean.\n\n"
        "[Jean Dupont] 10:03:31\nOn commence.\n"
    )
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("Jean Dupont", "[Jean Dupont] 10:03:12\nBonjour."),
        ("Marie Curie", "[Marie Curie] 10:03:20\nBonjour Jean."),
        ("Jean Dupont", "[Jean Dupont] 10:03:31\nOn commence."),
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [36192.0, 36200.0, 36211.0]


def test_otter_names_with_their_time_even_once(tmp_path: Path) -> None:
    text = (
        "Kelly  0:34  \nWelcome to the podcast.\n\n"
        "Unknown Speaker  0:35  \nI'm Kelly.\n\n"
        "Emma  0:37  \nAnd I'm Emma. Today: web security.\n\n"
        "Ali  0:41  \nAnd I'm Ali.\n\n"
        "Kelly  0:45  \nLet's start.\n"
    )
    doc = _read(tmp_path, text)
    assert [(u.speaker, u.timestamp) for u in units_of(doc, "turn")] == [
        ("Kelly", 34.0),
        ("Unknown Speaker", 35.0),
        ("Emma", 37.0),
        ("Ali", 41.0),
        ("Kelly", 45.0),
    ]
    assert _turns(doc)[2] == ("Emma", "Emma  0:37  \nAnd I'm Emma. Today: web security.")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("[id1] ", "[id2] "),
        ("[SPEAKER_01]: ", "[SPEAKER_00]: "),
        ("Speaker 1 : ", "Speaker 2 : "),
        ("Locuteur 1 : ", "Locuteur 2 : "),
        ("Intervenant 3 : ", "Intervenant 4 : "),
        ("JEAN-MARC : ", "CLAIRE : "),
        ("M. de La Tour : ", "Mme d'Arc : "),
    ],
)
def test_ids_upper_case_names_and_particles(tmp_path: Path, first: str, second: str) -> None:
    lines = [
        first + "Bonjour.",
        second + "Bonjour, entrez.",
        first + "Merci. Parlons de l'intranet.",
        second + "Volontiers.",
    ]
    doc = _read(tmp_path, "\n".join(lines) + "\n")
    one = first.strip(" :").strip("[]:")
    two = second.strip(" :").strip("[]:")
    assert _turns(doc) == [(one, lines[0]), (two, lines[1]), (one, lines[2]), (two, lines[3])]
    assert doc.metadata["speakers"] == [one, two]


def test_a_speaker_met_once_among_two_voices(tmp_path: Path) -> None:
    text = (
        "Locuteur 1 : Bonjour.\nLocuteur 2 : Bonjour.\n"
        "Intervenant 3 : Je passe juste.\nLocuteur 2 : Merci.\n"
    )
    doc = _read(tmp_path, text)
    assert [s for s, _ in _turns(doc)] == [
        "Locuteur 1",
        "Locuteur 2",
        "Intervenant 3",
        "Locuteur 2",
    ]


def test_one_off_labels_inside_speech_are_not_speakers(tmp_path: Path) -> None:
    text = (
        "INTERVIEWER: Welcome.\n"
        "PARTICIPANT 12: Thanks.\n"
        "INTERVIEWER: Let me start the recording.\n"
        "Hi PARTICIPANT 12: are you ready?\n"
        "PARTICIPANT 12: Yes. The link was sent this morning.\n"
        "Lien Zoom: https://zoom.example/j/42\n"
        "INTERVIEWER: Right.\n"
    )
    doc = _read(tmp_path, text)
    assert _turns(doc) == [
        ("INTERVIEWER", "INTERVIEWER: Welcome."),
        ("PARTICIPANT 12", "PARTICIPANT 12: Thanks."),
        (
            "INTERVIEWER",
            "INTERVIEWER: Let me start the recording.\nHi PARTICIPANT 12: are you ready?",
        ),
        (
            "PARTICIPANT 12",
            "PARTICIPANT 12: Yes. The link was sent this morning.\n"
            "Lien Zoom: https://zoom.example/j/42",
        ),
        ("INTERVIEWER", "INTERVIEWER: Right."),
    ]


def test_a_repeated_page_header_is_not_a_voice(tmp_path: Path) -> None:
    text = (
        "RAPPORT ANNUEL\n\nE : Bonjour.\n\nR : Bonjour.\n\n"
        "RAPPORT ANNUEL\n\nE : Merci.\n\nR : Au revoir.\n"
    )
    doc = _read(tmp_path, text)
    assert doc.metadata["speakers"] == ["E", "R"]
    # The header closes no turn: it is part of the speech before it, as any paragraph.
    assert _turns(doc)[1] == ("R", "R : Bonjour.\n\nRAPPORT ANNUEL")


def _word_report(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Fiche d'entretien", level=1)
    for rows in (
        [("Organisme", "Ville de Saint-Aubrac"), ("Interviewer", "J. Martin")],
        [("Participant", "Mme Roux"), ("Direction", "DSI")],
    ):
        table = document.add_table(rows=len(rows), cols=2)
        for r, (label, value) in enumerate(rows):
            table.cell(r, 0).text = label
            table.cell(r, 1).text = value
    document.add_paragraph("Synthèse : la messagerie déborde.")
    document.save(path)


def test_a_two_column_word_report_is_not_an_interview(tmp_path: Path) -> None:
    path = tmp_path / "fiche.docx"
    _word_report(path)
    (doc,) = read_file(path)
    assert doc.kind == "text"
    assert units_of(doc, "turn") == []
    assert texts_of(doc, "paragraph") == [
        "Organisme | Ville de Saint-Aubrac",
        "Interviewer | J. Martin",
        "Participant | Mme Roux",
        "Direction | DSI",
        "Synthèse : la messagerie déborde.",
    ]


def test_a_two_column_word_dialogue_still_gives_turns(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=4, cols=2)
    rows = [
        ("Interviewer", "Bonjour."),
        ("Mme Roux", "Bonjour."),
        ("Interviewer", "Et l'intranet ?"),
        ("Mme Roux", "Personne ne le lit."),
    ]
    for r, (who, said) in enumerate(rows):
        table.cell(r, 0).text = who
        table.cell(r, 1).text = said
    document.save(tmp_path / "dialogue.docx")
    (doc,) = read_file(tmp_path / "dialogue.docx")
    assert _turns(doc) == [(who, f"{who} : {said}") for who, said in rows]


def test_one_voice_holding_the_labels_of_others_is_reported(tmp_path: Path) -> None:
    # Whisper output pasted as one paragraph: the labels are not at line starts.
    text = (
        "INTERVIEWER: Hello and welcome. PARTICIPANT 12: Hi. INTERVIEWER: How long have you "
        "worked here? PARTICIPANT 12: Six years. RESEARCHER: And before?\n"
    )
    doc = _read(tmp_path, text)
    assert [s for s, _ in _turns(doc)] == ["INTERVIEWER"]
    (warning,) = doc.warnings
    assert '"INTERVIEWER" holds 100%' in warning
    assert "PARTICIPANT 12 ×2" in warning and "RESEARCHER ×1" in warning
    assert "--speaker-pattern" in warning


def test_labels_the_rules_miss_are_reported_when_no_turn_is_found(tmp_path: Path) -> None:
    text = (
        "- INTERVIEWER: Hello.\n- PARTICIPANT 12: Hi.\n"
        "- INTERVIEWER: So?\n- PARTICIPANT 12: Well.\n"
    )
    doc = _read(tmp_path, text)
    assert doc.kind == "text"
    (warning,) = doc.warnings
    assert "no speaker turns" in warning
    assert "INTERVIEWER ×2" in warning and "PARTICIPANT 12 ×2" in warning


def test_a_talkative_respondent_is_not_a_doubt(tmp_path: Path) -> None:
    long_answer = "Alors, la messagerie déborde, et le maire : il veut tout voir. " * 20
    text = f"E : Et la messagerie ?\n\nR : {long_answer}\n\nE : Merci.\n"
    doc = _read(tmp_path, text)
    assert doc.warnings == []


DEMO = {
    "entretien-01-region.txt": ["Enquêtrice", "M. Garnier"],
    "entretien-02-departement.txt": ["E", "R"],
    "entretien-03-ville.docx": ["Enquêteur", "Mme Kessler"],
    "entretien-04-commune.txt": ["Q", "R", "M. Ollier"],
    "entretien-05-intercommunalite.vtt": ["Intervieweuse", "Mme Lefèvre"],
    "entretien-06-metropole.srt": ["Intervieweur", "M. Haddad"],
    "entretien-07-syndicat.txt": ["Intervieweur", "Mme Roussel"],
}


@pytest.mark.parametrize(("name", "speakers"), sorted(DEMO.items()))
def test_demo_transcripts_keep_their_speakers_without_doubt(name: str, speakers: list[str]) -> None:
    (doc,) = read_file(ROOT / "transcripts" / name)
    assert doc.metadata["speakers"] == speakers
    assert doc.warnings == []


def test_one_other_label_once_is_a_quotation_not_a_doubt(tmp_path: Path) -> None:
    long_answer = "The intranet was slow, and nobody read it, so we changed it. " * 10
    text = (
        f"INTERVIEWER: And the intranet?\n\nPARTICIPANT 12: {long_answer}"
        "My boss said RESEARCHER: this is a mess. And INTERVIEWER: yes.\n\n"
        "INTERVIEWER: Thanks.\n"
    )
    doc = _read(tmp_path, text)
    assert [s for s, _ in _turns(doc)] == ["INTERVIEWER", "PARTICIPANT 12", "INTERVIEWER"]
    assert doc.warnings == []

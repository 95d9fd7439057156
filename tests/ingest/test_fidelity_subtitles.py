"""Subtitles read faithfully: every cue's words are kept, whatever its timing looks like."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of
from tests.ingest.fidelity import missing_words

TEAMS = """WEBVTT

6f5e2c1a-8b3d-4e7f-9a10-2b3c4d5e6f70/17-0
0:0:1.5 --> 0:0:4.250
<v Claire Martin>Bonjour à toutes et à tous.</v>

6f5e2c1a-8b3d-4e7f-9a10-2b3c4d5e6f70/18-0
0:1:2.110 --> 0:1:5.000
<v Claire Martin>On commence par la messagerie.</v>

6f5e2c1a-8b3d-4e7f-9a10-2b3c4d5e6f70/19-0
-00:00:01.000 --> 00:00:02.000
<v Paul Roux>Le quotidien a beaucoup changé.</v>

6f5e2c1a-8b3d-4e7f-9a10-2b3c4d5e6f70/20-0
garbage --> 0:1:9.x
<v Paul Roux>Surtout depuis le confinement.</v>
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_teams_unpadded_and_unreadable_timings_keep_every_cue(tmp_path: Path) -> None:
    (doc,) = read_file(_write(tmp_path, "teams.vtt", TEAMS))
    assert texts_of(doc, "turn") == [
        "Claire Martin : Bonjour à toutes et à tous. On commence par la messagerie.",
        "Paul Roux : Le quotidien a beaucoup changé. Surtout depuis le confinement.",
    ]
    assert [u.timestamp for u in units_of(doc, "turn")] == [pytest.approx(1.5), None]
    assert doc.metadata["cues"] == 4
    said = [line.split(">")[1].split("<")[0] for line in TEAMS.split("\n") if line[:2] == "<v"]
    assert len(said) == 4
    assert missing_words(" ".join(said), doc.text) == []
    (warning,) = doc.warnings
    assert "2 cues with a timing that cannot be read (line 12, 16)" in warning


def test_unpadded_time_is_read(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n0:1:2.110 --> 0:1:5.000\n<v Anne>Un.</v>\n\n1:0:0 --> 1:0:1\n<v Luc>Deux.</v>\n"
    )
    (doc,) = read_file(_write(tmp_path, "t.vtt", vtt))
    assert [u.timestamp for u in units_of(doc, "turn")] == [pytest.approx(62.11), 3600.0]
    assert doc.warnings == []


def test_note_style_region_blocks_are_not_speech(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT - entretien\nKind: captions\nLanguage: fr\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "REGION\nid:bas width:40%\n\n"
        "NOTE relu par Inès\nsur deux lignes\n\n"
        "intro\n00:00:01.000 --> 00:00:03.000 region:bas align:start position:10% line:0\n"
        "Le service a changé d'outil.\n\n"
        "NOTE encore une remarque\n\n"
        "00:00:03.500 --> 00:00:05.000\nEt personne n'a été formé.\n"
    )
    (doc,) = read_file(_write(tmp_path, "notes.vtt", vtt))
    assert doc.text == "Le service a changé d'outil. Et personne n'a été formé."
    for absent in ("Kind", "yellow", "width", "Inès", "remarque", "intro", "align", "region"):
        assert absent not in doc.text
    assert doc.warnings == [
        "WebVTT blocks that are not speech were not imported (2 NOTE, 1 REGION, 1 STYLE)"
    ]


def test_voice_classes_inline_tags_and_entities(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.000\n"
        "<v.loud.first Mme Benali>Les <c.yellow>mails</c> &amp; les <i>visios</i>, "
        "<b>tout</b> <u>s'accumule</u> &lt;vraiment&gt;&nbsp;!</v>\n\n"
        "00:00:04.000 --> 00:00:06.000\n"
        "<v Animateur>Si a < b et b > c, <00:00:05.000>alors {\\an8}a < c ?</v>\n"
    )
    (doc,) = read_file(_write(tmp_path, "balises.vtt", vtt))
    assert texts_of(doc, "turn") == [
        "Mme Benali : Les mails & les visios, tout s'accumule <vraiment>\u00a0!",
        "Animateur : Si a < b et b > c, alors a < c ?",
    ]


def test_two_voices_in_one_cue_make_two_turns(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Anne>Vous utilisez Teams ?\n"
        "<v Luc>Tous les jours.\n\n00:00:03.000 --> 00:00:05.000\n<v Luc>Depuis 2020.\n"
    )
    (doc,) = read_file(_write(tmp_path, "deux.vtt", vtt))
    assert texts_of(doc, "turn") == [
        "Anne : Vous utilisez Teams ?",
        "Luc : Tous les jours. Depuis 2020.",
    ]


def test_srt_without_blank_lines_or_indexes_and_with_bom(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nPremière phrase du monologue\n"
        "2\n00:00:02,100 --> 00:00:03,000\nqui continue ici.\n"
        "00:00:03,100 --> 00:00:04,000\nSans numéro de cue,\n"
        "00:00:04,100 --> 00:00:05,000\nni ligne blanche.\n\n"
        '00:00:05,100 --> 00:00:06,000\nAvec <font color="#ff0000">couleur</font>.\n'
    )
    (doc,) = read_file(_write(tmp_path, "serre.srt", srt, "utf-8-sig"))
    assert doc.text == (
        "Première phrase du monologue qui continue ici. Sans numéro de cue, "
        "ni ligne blanche. Avec couleur."
    )
    assert doc.metadata["cues"] == 5
    assert doc.warnings == []


def test_text_outside_any_cue_is_kept_and_reported(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nAvant.\n\n"
        "2\n00:00:02,000 -> 00:00:03,000\nUne cue au minutage abîmé.\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nAprès.\n"
    )
    (doc,) = read_file(_write(tmp_path, "abime.srt", srt))
    assert "00:00:02,000 -> 00:00:03,000 Une cue au minutage abîmé." in doc.text
    assert doc.text.index("Avant.") < doc.text.index("abîmé") < doc.text.index("Après.")
    assert doc.warnings == [
        "1 text block outside any cue (no 'start --> end' line; line 6); kept without a time"
    ]


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
@pytest.mark.parametrize("layout", ["standard", "no-blank", "no-index", "crlf-bom"])
def test_every_word_of_every_cue_is_stored(tmp_path: Path, suffix: str, layout: str) -> None:
    words = [
        "agents",
        "télétravail",
        "messagerie",
        "parapheur",
        "élus",
        "formation",
        "logiciel",
        "réunion",
    ]
    cues = []
    for i in range(60):
        line = " ".join(words[(i + k) % len(words)] for k in range(1 + i % 7)) + f" n{i}"
        if i % 5 == 0:
            line += "\nsuite" + str(i)
        cues.append(line)
    blocks = []
    for i, text in enumerate(cues):
        ms = "," if suffix == ".srt" else "."
        timing = f"{i // 60:02d}:{i % 60:02d}:00{ms}000 --> {i // 60:02d}:{i % 60:02d}:30{ms}000"
        if i % 9 == 4:
            timing = f"0:{i}:1.5 --> 0:{i}:3.25"
        index = "" if layout == "no-index" else f"{i + 1}\n"
        blocks.append(f"{index}{timing}\n{text}\n")
    body = ("" if layout == "no-blank" else "\n").join(blocks)
    if suffix == ".vtt":
        body = "WEBVTT\n\n" + body
    encoding = "utf-8-sig" if layout == "crlf-bom" else "utf-8"
    if layout == "crlf-bom":
        body = body.replace("\n", "\r\n")
    (doc,) = read_file(_write(tmp_path, "corpus" + suffix, body, encoding))
    assert missing_words("\n".join(cues), doc.text) == []
    assert doc.metadata["cues"] == 60
    assert doc.warnings == []


def test_only_text_without_timings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"texte\.srt: no subtitle cue found"):
        read_file(_write(tmp_path, "texte.srt", "Bonjour.\n\nAu revoir.\n"))


def test_an_arrow_in_speech_is_text(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nLe circuit papier --> numérique\n"
        "on --> y passe\n\n2\n00:00:02,000 --> 00:00:03,000\nEnsuite.\n"
    )
    (doc,) = read_file(_write(tmp_path, "fleche.srt", srt))
    assert doc.text == "Le circuit papier --> numérique on --> y passe Ensuite."
    assert doc.warnings == []


def test_sound_tags_are_text_not_speakers(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n[SPEAKER_00]: Bonjour.\n\n"
        "00:00:02.000 --> 00:00:03.000\n[Musique]\n\n"
        "00:00:03.000 --> 00:00:05.000\n[rires] Oui, bien sûr.\n\n"
        "00:00:05.000 --> 00:00:06.000\n[SPEAKER_01] D'accord.\n"
    )
    (doc,) = read_file(_write(tmp_path, "whisper.vtt", vtt))
    assert texts_of(doc, "turn") == [
        "SPEAKER_00 : Bonjour. [Musique] [rires] Oui, bien sûr.",
        "SPEAKER_01 : D'accord.",
    ]


def test_note_in_srt_is_kept_as_text(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nAvant.\n\n"
        "NOTE de la transcriptrice : passage inaudible\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nAprès.\n"
    )
    (doc,) = read_file(_write(tmp_path, "note.srt", srt))
    assert "NOTE de la transcriptrice : passage inaudible" in doc.text
    assert len(doc.warnings) == 1 and "outside any cue" in doc.warnings[0]

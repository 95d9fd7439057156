"""WebVTT and SubRip: cues joined, same-speaker cues merged, start times kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of

VTT = """WEBVTT
Kind: captions

NOTE généré automatiquement

1
00:00:01.629 --> 00:00:11.266
<v Intervieweuse>Bonjour Madame Lefèvre.</v>

2
00:00:11.711 --> 00:00:24.848
<v Intervieweuse>Merci d'avoir accepté
cet échange.</v>

00:00:26.921 --> 00:00:42.450 align:start
<v.loud Mme Lefèvre>Bonjour. <i>Oui</i>, pas de problème &amp; merci.</v>

4
01:02:03.500 --> 01:02:05.000
<v Intervieweuse>On commence ?</v>
"""

SRT = """1
00:00:01,342 --> 00:00:15,375
Intervieweur : Bonjour Monsieur Haddad.
Merci de me recevoir.

2
00:00:17,490 --> 00:00:24,638
M. Haddad : Bonjour. Oui, chargée, c'est le
mot. (rires)

3
00:00:24,929 --> 00:00:40,142
Avec le nouvel exécutif, tout le monde
veut ses projets pour hier.

4
00:00:41,000 --> 00:00:45,551
Intervieweur : Allons-y.
"""


def test_vtt_voice_tags_merge_into_turns(tmp_path: Path) -> None:
    path = tmp_path / "entretien-05.vtt"
    path.write_text(VTT, encoding="utf-8")
    (doc,) = read_file(path)
    assert doc.kind == "subtitles"
    assert doc.name == "entretien-05"
    turns = units_of(doc, "turn")
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Intervieweuse", pytest.approx(1.629)),
        ("Mme Lefèvre", pytest.approx(26.921)),
        ("Intervieweuse", pytest.approx(3723.5)),
    ]
    assert texts_of(doc, "turn") == [
        "Intervieweuse : Bonjour Madame Lefèvre. Merci d'avoir accepté cet échange.",
        "Mme Lefèvre : Bonjour. Oui, pas de problème & merci.",
        "Intervieweuse : On commence ?",
    ]
    assert doc.metadata["interviewers"] == ["Intervieweuse"]
    assert doc.metadata["cues"] == 4


def test_srt_name_colon_when_the_speaker_changes(tmp_path: Path) -> None:
    path = tmp_path / "entretien-06.srt"
    path.write_text(SRT, encoding="utf-8")
    (doc,) = read_file(path)
    assert [(u.speaker, u.timestamp) for u in units_of(doc, "turn")] == [
        ("Intervieweur", pytest.approx(1.342)),
        ("M. Haddad", pytest.approx(17.49)),
        ("Intervieweur", pytest.approx(41.0)),
    ]
    assert texts_of(doc, "turn")[1] == (
        "M. Haddad : Bonjour. Oui, chargée, c'est le mot. (rires) "
        "Avec le nouvel exécutif, tout le monde veut ses projets pour hier."
    )


def test_srt_without_speakers_groups_cues_at_pauses(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nPremière phrase.\n\n"
        "2\n00:00:02,100 --> 00:00:03,000\nLe problème : la suite.\n\n"
        "3\n00:00:09,000 --> 00:00:10,000\nAprès une pause.\n"
    )
    path = tmp_path / "monologue.srt"
    path.write_text(srt, encoding="utf-8")
    (doc,) = read_file(path)
    assert texts_of(doc, "paragraph") == [
        "Première phrase. Le problème : la suite.",
        "Après une pause.",
    ]
    assert [u.timestamp for u in units_of(doc, "paragraph")] == [1.0, 9.0]
    assert not units_of(doc, "turn")


def test_diarised_speaker_tags(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:00.000 --> 00:02.000\n[SPEAKER_00]: Bonjour.\n\n"
        "00:02.000 --> 00:04.000\n[SPEAKER_01]: Bonjour à vous.\n"
    )
    path = tmp_path / "whisper.vtt"
    path.write_text(vtt, encoding="utf-8")
    (doc,) = read_file(path)
    assert texts_of(doc, "turn") == ["SPEAKER_00 : Bonjour.", "SPEAKER_01 : Bonjour à vous."]


def test_cp1252_srt(tmp_path: Path) -> None:
    path = tmp_path / "ancien.srt"
    path.write_bytes(SRT.replace("\n", "\r\n").encode("cp1252"))
    (doc,) = read_file(path)
    assert "chargée" in doc.text and "exécutif" in doc.text


def test_subtitles_without_cues(tmp_path: Path) -> None:
    path = tmp_path / "vide.vtt"
    path.write_text("WEBVTT\n\nNOTE rien\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"vide\.vtt: no subtitle cue found"):
        read_file(path)

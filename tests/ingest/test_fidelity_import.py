"""The readers' warnings and faithful text reach a real SQLite project through import_files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from codage.ingest.service import import_files
from codage.services import Project
from tests.ingest.pdf_writer import write_pdf

TEAMS = (
    "WEBVTT\n\nNOTE transcription automatique\n\n"
    "a1/1-0\n0:0:1.5 --> 0:0:4.250\n<v Claire Martin>Bonjour à toutes et à tous.</v>\n\n"
    "a1/2-0\n-0:0:1.000 --> 0:0:9.000\n<v Paul Roux>Le quotidien a beaucoup changé.</v>\n"
)


def test_import_keeps_untimed_cues_and_lists_the_warnings(tmp_path: Path, project: Project) -> None:
    vtt = tmp_path / "reunion.vtt"
    vtt.write_text(TEAMS, encoding="utf-8")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(
        [
            ["R001", "RH", "Trop de mails.\n\nEt des visios toute la journée, sans pause."],
            ["R002", "SI", "RAS"],
            ["R003", "RH", "Les outils changent tous les six mois, on ne suit plus."],
        ]
    )
    table = tmp_path / "sans-entete.csv"
    table.write_text(buffer.getvalue(), encoding="utf-8")
    said = ["Le service a changé d'outil.", "Personne n'a été formé.", "On fait avec."]
    pages = [[(150, 760, "Compte rendu — confidentiel"), (72, 700, text)] for text in said]
    pdf = write_pdf(tmp_path / "compte-rendu.pdf", pages)

    report = import_files(project, [vtt, table, pdf])

    assert report.ok, [f.message for f in report.failed]
    by_file = {f.file: f for f in report.files}
    assert by_file["reunion.vtt"].warnings == [
        "1 cue with a timing that cannot be read (line 10); its text is kept without a time",
        "WebVTT blocks that are not speech were not imported (1 NOTE)",
    ]
    assert by_file["sans-entete.csv"].warnings[0].startswith("the first row looks like answers")
    assert by_file["compte-rendu.pdf"].warnings == [
        "removed 3 page header/footer line(s) repeated across pages "
        "(e.g. 'Compte rendu — confidentiel') (not part of the text)"
    ]
    documents = {d.name: d for d in project.documents()}
    meeting = documents["reunion"]
    turns = project.units(meeting.id, ["turn"])
    assert [(u.speaker, u.timestamp) for u in turns] == [
        ("Claire Martin", 1.5),
        ("Paul Roux", None),
    ]
    text = project.document(meeting.id).text
    assert text.endswith("Paul Roux : Le quotidien a beaucoup changé.")
    survey = documents["sans-entete — colonne 3"]
    answers = project.units(survey.id, ["answer"])
    survey_text = project.document(survey.id).text
    assert survey_text[answers[0].start : answers[0].end] == (
        "Trop de mails.\n\nEt des visios toute la journée, sans pause."
    )
    assert len(answers) == 3
    assert project.document(documents["compte-rendu"].id).text == ("\n\n".join(said))

"""Speakers through the import: a doubtful detection in the report, ``--speaker-pattern``.

Real SQLite projects, the real French spaCy model, the ``codage import`` command
run with Typer's CliRunner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.ingest.errors import IngestError
from codage.ingest.reader import ReadOptions, read_file
from codage.ingest.service import import_files
from codage.ingest.speakers import compile_speaker_pattern
from codage.services import Project

# A convention the automatic rules do not know: "NAME >>" after a bracketed time.
ARROWS = (
    "Réunion du 3 mars : compte rendu\n\n"
    "[00:00:05] JOHN >> Bonjour à tous. On commence par la messagerie.\n\n"
    "[00:00:21] MARIE >> Elle déborde. Personne ne lit plus rien.\n"
    "Note : il faudra en reparler.\n\n"
    "[00:01:02] JOHN >> Et l'intranet ?\n\n"
    "[00:01:10] MARIE >> Pareil.\n"
)
ARROWS_PATTERN = r"\[(?P<timestamp>[\d:]+)\] (?P<speaker>[A-Z]+) >>"

# Whisper output pasted as one paragraph: the detection must be doubted.
DUMP = (
    "INTERVIEWER: Hello and welcome. PARTICIPANT 12: Hi. INTERVIEWER: How long have you "
    "worked here? PARTICIPANT 12: Six years. INTERVIEWER: And before?\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pattern_replaces_the_rules_in_a_real_project(tmp_path: Path, project: Project) -> None:
    arrows = _write(tmp_path, "reunion.txt", ARROWS)
    dump = _write(tmp_path, "whisper.txt", DUMP)
    report = import_files(project, [arrows], speaker_pattern=ARROWS_PATTERN)
    (file,) = report.files
    assert (file.status, file.kind, file.speakers) == ("imported", "interview", ["JOHN", "MARIE"])
    assert file.warnings == []
    info = project.document_info("reunion")
    text = project.document(info.id).text
    turns = project.units(info.id, kinds=["turn"])
    assert [(t.speaker, t.timestamp, text[t.start : t.end]) for t in turns] == [
        ("JOHN", 5.0, "[00:00:05] JOHN >> Bonjour à tous. On commence par la messagerie."),
        (
            "MARIE",
            21.0,
            "[00:00:21] MARIE >> Elle déborde. Personne ne lit plus rien.\n"
            "Note : il faudra en reparler.",
        ),
        ("JOHN", 62.0, "[00:01:02] JOHN >> Et l'intranet ?"),
        ("MARIE", 70.0, "[00:01:10] MARIE >> Pareil."),
    ]
    # Sentences start after the label the pattern found, as with automatic labels.
    sentences = [text[s.start : s.end] for s in project.units(info.id, kinds=["sentence"])]
    assert "Bonjour à tous." in sentences
    assert not any(">>" in s for s in sentences)
    # Without the pattern the same file has no turns, and the other file is doubted.
    again = import_files(project, [arrows, dump], force=True)
    plain, whisper = again.files
    assert (plain.kind, plain.speakers) == ("text", [])
    assert whisper.speakers == ["INTERVIEWER"]
    (warning,) = whisper.warnings
    assert "PARTICIPANT 12 ×2" in warning and "--speaker-pattern" in warning


def test_real_label_styles_through_a_real_project(tmp_path: Path, project: Project) -> None:
    alone = _write(
        tmp_path,
        "alone.txt",
        "RAPPORT DE TERRAIN\n\nINTERVIEWER\nComment ça a commencé ?\n\n"
        "MARIE DUPONT\nAvec la crise. Tout le monde en visio.\n\nEnsuite l'intranet.\n\n"
        "INTERVIEWER\nEt après ?\n\nMARIE DUPONT\nRien.\n",
    )
    timed = _write(
        tmp_path,
        "zoom.txt",
        "00:05 INTERVIEWER: Bonjour PARTICIPANT 12: vous m'entendez ?\n"
        "00:19 PARTICIPANT 12: Oui. Très bien.\n00:31 INTERVIEWER: Parfait.\n",
    )
    report = import_files(project, [alone, timed])
    assert [(f.kind, f.speakers, f.warnings) for f in report.files] == [
        ("interview", ["INTERVIEWER", "MARIE DUPONT"], []),
        ("interview", ["INTERVIEWER", "PARTICIPANT 12"], []),
    ]
    info = project.document_info("alone")
    text = project.document(info.id).text
    turns = project.units(info.id, kinds=["turn"])
    assert [(t.speaker, text[t.start : t.end]) for t in turns][1] == (
        "MARIE DUPONT",
        "MARIE DUPONT\nAvec la crise. Tout le monde en visio.\n\nEnsuite l'intranet.",
    )
    sentences = [text[s.start : s.end] for s in project.units(info.id, kinds=["sentence"])]
    # Sentences begin below a label alone on its line, never on the label.
    assert "Avec la crise." in sentences
    assert not any("INTERVIEWER" in s or "MARIE" in s for s in sentences)
    zoom = project.document_info("zoom")
    assert [(t.speaker, t.timestamp) for t in project.units(zoom.id, kinds=["turn"])] == [
        ("INTERVIEWER", 5.0),
        ("PARTICIPANT 12", 19.0),
        ("INTERVIEWER", 31.0),
    ]


def test_read_options_carry_the_pattern_to_every_reader(tmp_path: Path) -> None:
    path = _write(tmp_path, "reunion.md", ARROWS)
    (doc,) = read_file(path, ReadOptions(speaker_pattern=compile_speaker_pattern(ARROWS_PATTERN)))
    assert doc.metadata["speakers"] == ["JOHN", "MARIE"]
    # The pattern holds for that read only.
    (after,) = read_file(path)
    assert "speakers" not in after.metadata


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (r"(?P<speaker>[A-Z]+", "not a valid regular expression"),
        (r"(?P<name>[A-Z]+) >>", "no named group 'speaker'"),
    ],
)
def test_a_bad_pattern_is_one_clear_error(
    tmp_path: Path, project: Project, pattern: str, says: str
) -> None:
    with pytest.raises(IngestError, match=says):
        import_files(project, [_write(tmp_path, "a.txt", ARROWS)], speaker_pattern=pattern)
    assert project.documents() == []


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_cli_speaker_pattern_and_the_doubt_in_the_summary(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    arrows = str(_write(tmp_path, "reunion.txt", ARROWS))
    result = invoke("import", "-p", db, arrows, "--speaker-pattern", ARROWS_PATTERN, "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["kind"], row["speakers"], row["warnings"]) == ("interview", ["JOHN", "MARIE"], [])
    with Project.open(db) as proj:
        info = proj.document_info("reunion")
        assert [t.speaker for t in proj.units(info.id, kinds=["turn"])] == [
            "JOHN",
            "MARIE",
            "JOHN",
            "MARIE",
        ]
    dump = str(_write(tmp_path, "whisper.txt", DUMP))
    summary = invoke("import", "-p", db, dump)
    assert summary.exit_code == 0, summary.output
    (line,) = [x for x in summary.stderr.splitlines() if x.startswith("whisper.txt:")]
    assert "speakers may be wrong" in line and "PARTICIPANT 12 ×2" in line


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (r"(?P<speaker>[A-Z]+", "not a valid regular expression"),
        (r"([A-Z]+) >>", "no named group 'speaker'"),
    ],
)
def test_cli_bad_pattern_is_one_line_and_exit_2(tmp_path: Path, pattern: str, says: str) -> None:
    db = tmp_path / "p.db"
    arrows = str(_write(tmp_path, "reunion.txt", ARROWS))
    result = invoke("import", "-p", str(db), arrows, "--speaker-pattern", pattern)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "--speaker-pattern" in lines[0]
    assert "Traceback" not in result.output
    assert not db.exists()


def test_the_readme_pattern_does_what_the_readme_says(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (pattern,) = re.findall(r"--speaker-pattern '([^']+)'", readme)
    text = (
        "Entretien du 3 mars\n\n"
        "Mme Dubois : On a tout dématérialisé. Personne : ne lit plus rien.\n\n"
        "JEAN-MARC : Et les agents ?\n\n"
        "Mme Dubois : Ils suivent.\n"
    )
    path = _write(tmp_path, "entretien.txt", text)
    (doc,) = read_file(path, ReadOptions(speaker_pattern=compile_speaker_pattern(pattern)))
    turns = [u for u in doc.units if u.kind == "turn"]
    assert [u.speaker for u in turns] == ["Mme Dubois", "JEAN-MARC", "Mme Dubois"]

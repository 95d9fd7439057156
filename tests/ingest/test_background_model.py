"""`codage import` loads the language model in a process of its own (issue 9).

The command line forks a process that loads the model while the command starts
(database layer, readers, project), so that a small import costs the model's
load and little else. These tests check what that must not change: the units
and lemmas stored are those of an import with the model in the same process,
and a model process that dies fails the files in flight with one line, leaving
nothing half written.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from codage.ingest import ReadOptions, import_files, model_process, read_file
from codage.ingest.nlp import add_sentences
from codage.services import Project
from tests.conftest import ROOT

UNITS = (
    'SELECT d.name, u.kind, u.start, u."end", u.speaker, u.lemmas '
    "FROM units u JOIN documents d ON d.id = u.document_id ORDER BY d.name, u.position"
)


def _units(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(UNITS).fetchall()


def test_import_with_the_model_in_its_own_process_stores_the_same_units(tmp_path: Path) -> None:
    sources = [
        ROOT / "transcripts" / "entretien-01-region.txt",
        ROOT / "transcripts" / "entretien-06-metropole.srt",
    ]
    background = tmp_path / "background.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The entry point as the shell runs it, asserting that the model did load elsewhere.
    script = (
        "import sys\n"
        "from codage.ingest import nlp\n"
        "from codage.cli import main\n"
        "sys.argv = ['codage', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "assert nlp.load_nlp.cache_info().currsize == 0, 'the model was loaded in the command'\n"
        "assert 'spacy' not in sys.modules, 'spaCy was imported by the command'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "import", *map(str, sources), "-p", str(background)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    here = tmp_path / "here.db"
    project = Project.open(str(here))
    try:
        report = import_files(project, sources)
    finally:
        project.close()
    assert all(f.status == "imported" for f in report.files)
    stored = _units(background)
    assert len([u for u in stored if u[1] == "sentence"]) > 20
    assert any(u[5] for u in stored)  # lemmas
    assert stored == _units(here)


def _die_at_once(connection: object) -> None:
    os._exit(0)


def test_a_model_process_that_dies_fails_the_file_with_one_line(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_die_at_once, args=(theirs,), daemon=True)
    process.start()
    theirs.close()
    model_process._STARTED.append(model_process.ModelProcess(process, ours))
    source = tmp_path / "court.txt"
    source.write_text("E : Bonjour.\n\nR : Bonjour, entrez.\n", encoding="utf-8")
    project = Project.open(str(tmp_path / "p.db"))
    try:
        report = import_files(project, [source])
        assert [f.status for f in report.files] == ["failed"]
        assert "stopped unexpectedly" in report.files[0].message
        assert "\n" not in report.files[0].message
        assert project.documents() == []
        assert model_process._STARTED == []  # the next import loads the model here
        again = import_files(project, [source])
        assert [f.status for f in again.files] == ["imported"]
    finally:
        project.close()
        process.join(timeout=5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the model forks only on Linux")
def test_help_and_other_commands_start_no_model_process(tmp_path: Path) -> None:
    script = (
        "import multiprocessing, sys\n"
        "from codage.cli import main\n"
        "sys.argv = ['codage', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(len(multiprocessing.active_children()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["import", "--help"], ["documents", "-p", str(tmp_path / "none.db")]):
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout.strip().splitlines()[-1] == "0", (args, done.stdout, done.stderr)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="model processes fork on Linux")
def test_several_model_processes_give_the_units_of_one(tmp_path: Path) -> None:
    """Batches go round the model processes in turn and come back in order."""
    text = "\n\n".join(
        f"E{i % 3} : Question {i}. Le service numérique de la commune {i} répond-il ?"
        for i in range(60)
    )
    document = read_file(_write(tmp_path / "long.txt", text), ReadOptions())[0]
    single = add_sentences([document], batch_size=4)
    several = add_sentences([document], n_process=3, batch_size=4)
    assert len([u for u in single[0].units if u.kind == "sentence"]) >= 60
    assert several[0].units == single[0].units
    assert model_process._STARTED == []
    assert [p for p in multiprocessing.active_children() if p.name == "codage-model"] == []


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="model processes fork on Linux")
def test_model_processes_started_for_nothing_are_stopped(tmp_path: Path) -> None:
    """Processes forked before the files are read stop when no file needs the model."""
    source = _write(tmp_path / "court.txt", "E : Bonjour.\n\nR : Bonjour, entrez.\n")
    project = Project.open(str(tmp_path / "p.db"))
    try:
        first = import_files(project, [source], n_process=2)
        again = import_files(project, [source], n_process=2)  # a duplicate: no analysis
    finally:
        project.close()
    assert [f.status for f in first.files] == ["imported"]
    assert [f.status for f in again.files] == ["skipped"]
    assert model_process._STARTED == []
    assert [p for p in multiprocessing.active_children() if p.name == "codage-model"] == []

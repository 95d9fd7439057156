"""An import of more than a few hundred kilobytes, with the model already loaded in the
importing process, analyses in a forked process of the model (issue 19).

Forked after the model is loaded, that process has it at once; it analyses the next
batch of texts while the importing process turns the last one's rows into units, the
search index and the writes, so that on two cores the two overlap instead of taking
turns. What it must not change: the rows stored (every table, against the import with
the model in the importing process), the order of the results; and it is never forked
from a process running other threads, nor for a small import.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmarks.import_bench import varied_sentences, write_corpus
from codage.ingest import import_files, model_process
from codage.ingest.model_process import BESIDE_BYTES, ModelPool, rows_of
from codage.ingest.service import files_size
from codage.services import Project
from tests.conftest import ROOT
from tests.ingest.demo_import_oracle import table_digests

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="model processes fork on Linux only"
)


def _model_children() -> int:
    return len([p for p in multiprocessing.active_children() if p.name == "codage-model"])


def _import(files: list[Path], db: Path) -> tuple[list[str], list[int]]:
    """Import into a new project: the files' statuses, and the model processes alive
    at each file after the first."""
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        if 0 < done < total:
            seen.append(_model_children())

    with Project.open(str(db)) as project:
        report = import_files(project, files, n_process=1, progress=progress)
    return [f.status for f in report.files], seen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("varied")
    files = write_corpus(folder, varied_sentences(3600))
    assert files_size(files) > BESIDE_BYTES
    return files


def test_a_large_import_analyses_beside_and_stores_the_rows_of_one_process(
    corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlp: object
) -> None:
    statuses, seen = _import(corpus, tmp_path / "beside.db")
    assert set(statuses) == {"imported"}
    assert seen and set(seen) == {1}  # one model process, alive through the import
    assert _model_children() == 0 and model_process._STARTED == []
    # the same files with the model in this process (the threshold out of reach)
    monkeypatch.setattr(model_process, "BESIDE_BYTES", 1 << 60)
    statuses, seen = _import(corpus, tmp_path / "here.db")
    assert set(statuses) == {"imported"}
    assert set(seen) == {0}
    assert table_digests(tmp_path / "beside.db") == table_digests(tmp_path / "here.db")


def test_no_model_process_for_a_small_import_or_beside_another_thread(
    corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlp: object
) -> None:
    small = tmp_path / "court.txt"
    small.write_text("E : Bonjour.\n\nR : Bonjour, entrez.\n", encoding="utf-8")
    interview = ROOT / "transcripts" / "entretien-01-region.txt"
    statuses, seen = _import([small, interview], tmp_path / "s.db")
    assert statuses == ["imported", "imported"]
    assert seen == [0]
    # a thread is running (an interface's, a progress bar's): forking would be unsafe,
    # whatever the size (the threshold out of the way here)
    monkeypatch.setattr(model_process, "BESIDE_BYTES", 0)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        statuses, seen = _import(corpus[:3], tmp_path / "t.db")
    finally:
        stop.set()
        other.join()
    assert set(statuses) == {"imported"}
    assert set(seen) == {0}


def test_the_model_process_gets_its_next_batch_before_the_rows_are_handed_out(
    nlp: object,
) -> None:
    drawn: list[int] = []

    def texts():
        for i in range(12):
            drawn.append(i)
            yield f"Le service {i} répond. Il continue demain."

    pool = ModelPool.start(1)
    try:
        results = pool.pipe(texts(), batch_size=3)
        first = next(results)
        # the first batch's rows came back; the second batch went out before them
        assert len(drawn) == 6
        rows = [first, *results]
    finally:
        pool.stop()
    expected = [rows_of(doc) for doc in nlp.pipe(list(texts()))]  # type: ignore[attr-defined]
    assert rows == expected
    assert len(rows) == 12


def _unit_counts(db: Path) -> dict[str, tuple[int, int]]:
    """Per document: its units, and its rows in the search index's text table."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT d.name, (SELECT count(*) FROM units u WHERE u.document_id = d.id), "
            "(SELECT count(*) FROM search_texts s WHERE s.document_id = d.id) FROM documents d"
        ).fetchall()
    return {name: (units, indexed) for name, units, indexed in rows}


def test_an_import_killed_with_its_model_beside_leaves_whole_documents(
    corpus: list[Path], tmp_path: Path, nlp: object
) -> None:
    whole = tmp_path / "whole.db"
    _import(corpus, whole)
    expected = _unit_counts(whole)
    began = time.monotonic()
    _import(corpus, tmp_path / "timed.db")
    seconds = time.monotonic() - began
    rng = random.Random(19)
    for trial in range(3):
        path = tmp_path / f"killed-{trial}.db"
        # held open by the victim and the model process it forks: it ends when both did
        alive, held = os.pipe()
        pid = os.fork()
        if pid == 0:  # the victim: the import as a script runs it
            try:
                os.close(alive)
                with Project.open(str(path)) as project:
                    import_files(project, corpus, n_process=1)
            finally:
                os._exit(0)
        os.close(held)
        time.sleep(rng.uniform(0.1, 0.7) * seconds)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        # the model process, orphaned, sees the import gone and ends
        ready, _, _ = select.select([alive], [], [], 60)
        assert ready and os.read(alive, 1) == b"", "the model process outlived the import"
        os.close(alive)
        if not path.exists():
            continue
        found = _unit_counts(path)
        assert len(found) < len(expected), "the victim ended before its kill"
        for name, counts in found.items():
            assert counts == expected[name], (trial, name)

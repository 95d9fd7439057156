"""The model's processes read the next batch while the import writes the last (issue 19).

A model process used to be sent its next batch only once the rows of the last had all
been handed out, so that with one process (the command line's, started in the
background) the model and the import took turns on two cores. Now the process that just
answered gets its next batch first. What that must not change: the order of the
results and the rows stored (every table, against the import with the model in the
importing process); and a killed import leaves whole documents, its model processes
ending with it rather than waiting for a batch for ever.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from benchmarks.import_bench import varied_sentences, write_corpus
from codage.ingest import import_files, model_process
from codage.ingest.model_process import ModelPool, rows_of
from codage.services import Project
from tests.ingest.demo_import_oracle import table_digests

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="model processes fork on Linux only"
)


def _model_children() -> int:
    return len([p for p in multiprocessing.active_children() if p.name == "codage-model"])


def _import(files: list[Path], db: Path, n_process: int) -> tuple[list[str], list[int]]:
    """Import into a new project: the files' statuses, and the model processes alive
    at each file after the first."""
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        if 0 < done < total:
            seen.append(_model_children())

    with Project.open(str(db)) as project:
        report = import_files(project, files, n_process=n_process, progress=progress)
    return [f.status for f in report.files], seen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("varied")
    return write_corpus(folder, varied_sentences(1800))


def test_an_import_with_model_processes_stores_the_rows_of_one_process(
    corpus: list[Path], tmp_path: Path, nlp: object
) -> None:
    statuses, seen = _import(corpus, tmp_path / "processes.db", 2)
    assert set(statuses) == {"imported"}
    assert seen and set(seen) == {2}  # two model processes, alive through the import
    assert _model_children() == 0 and model_process._STARTED == []
    statuses, seen = _import(corpus, tmp_path / "here.db", 1)  # the model in this process
    assert set(statuses) == {"imported"}
    assert set(seen) == {0}
    assert table_digests(tmp_path / "processes.db") == table_digests(tmp_path / "here.db")


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


def test_an_import_killed_with_its_model_processes_leaves_whole_documents(
    corpus: list[Path], tmp_path: Path, nlp: object
) -> None:
    whole = tmp_path / "whole.db"
    _import(corpus, whole, 1)
    expected = _unit_counts(whole)
    began = time.monotonic()
    _import(corpus, tmp_path / "timed.db", 2)
    seconds = time.monotonic() - began
    rng = random.Random(19)
    for trial in range(3):
        path = tmp_path / f"killed-{trial}.db"
        # held open by the victim and the model processes it forks: it ends when all did
        alive, held = os.pipe()
        pid = os.fork()
        if pid == 0:  # the victim: the import as a script runs it
            try:
                os.close(alive)
                with Project.open(str(path)) as project:
                    import_files(project, corpus, n_process=2)
            finally:
                os._exit(0)
        os.close(held)
        time.sleep(rng.uniform(0.1, 0.7) * seconds)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        # the model processes, orphaned, see the import gone and end
        ready, _, _ = select.select([alive], [], [], 60)
        assert ready and os.read(alive, 1) == b"", "a model process outlived the import"
        os.close(alive)
        if not path.exists():
            continue
        found = _unit_counts(path)
        assert len(found) < len(expected), "the victim ended before its kill"
        for name, counts in found.items():
            assert counts == expected[name], (trial, name)

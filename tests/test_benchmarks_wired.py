"""The benchmarks wired into the report by issue 19: concurrent coders, search and code
suggestions give figures, and a wrong result fails their run instead of being printed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from benchmarks.assist_bench import WrongSuggestions, leave_one_out
from benchmarks.concurrent_coders import WrongState, _check, _coder, _prepare, _verify
from codage.domain import NewDocument, Unit
from codage.services import Project
from tests.conftest import ROOT

QUICK = [sys.executable, "-m", "benchmarks", "--quick"]


def test_a_lost_coding_fails_the_concurrent_coders_run(tmp_path: Path) -> None:
    location = str(tmp_path / "bench.db")
    _prepare(location)
    report = _coder(location, 0, 12, threading.Barrier(1))
    assert len(report["applies"]) == 12 and len(report["undos"]) == 3
    result = {"processes": 1, "problems": _check(location, [report]), "lock_errors": 0}
    assert result["problems"] == []
    _verify("sqlite", "lean", result)  # an exact state passes
    with sqlite3.connect(location) as conn:
        conn.execute("DELETE FROM codings WHERE id = (SELECT MIN(id) FROM codings)")
    result["problems"] = _check(location, [report])
    assert result["problems"] == ["coder-00: 1 lost, 0 unexpected"]
    with pytest.raises(WrongState, match="1 lost"):
        _verify("sqlite", "lean", result)
    locked = {**result, "problems": [], "lock_errors": 2, "errors": ["database is locked"]}
    with pytest.raises(WrongState, match="2 lock errors"):
        _verify("sqlite", "lean", locked)


def test_suggestions_without_a_single_coded_unit_fail_the_assist_run(tmp_path: Path) -> None:
    text = "Le télétravail a changé nos habitudes.\n\nL'intranet est resté vide."
    with Project.open(str(tmp_path / "p.db")) as project:
        project.add_document(
            NewDocument(
                name="e1",
                kind="interview",
                text=text,
                units=[Unit("paragraph", 0, 38), Unit("paragraph", 40, len(text))],
            )
        )
        with pytest.raises(WrongSuggestions, match="no coded unit"):
            leave_one_out(project, "tfidf")


def test_the_quick_concurrent_run_reports_sqlite_and_says_postgresql_was_skipped(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.md"
    env = {k: v for k, v in os.environ.items() if k != "CODAGE_TEST_POSTGRES"}
    done = subprocess.run(
        [*QUICK, "--only", "concurrent_coders", "--report", str(report)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| sqlite, 2 coders:")]
    assert len(rows) == 3, text
    assert "codings/s" in rows[0] and "the ordinary (ORM) write path" in rows[0]
    assert "300 codings, 74 undone, checked: none lost nor duplicated" in rows[0]
    assert "PostgreSQL part skipped: no server: set CODAGE_TEST_POSTGRES" in rows[0]
    assert "| postgresql" not in text

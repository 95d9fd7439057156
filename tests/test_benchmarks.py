"""`python -m benchmarks`: the figures' verdicts, the Markdown report, and one real run."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import discover, resolve
from benchmarks.report import ISSUE_GOALS, Figure, Outcome, markdown
from tests.conftest import ROOT

BENCHMARKS = [sys.executable, "-m", "benchmarks"]


def test_a_goal_holds_on_the_value_or_on_the_ratio() -> None:
    assert Figure("t", 2.0, "s", goal=3.0).passed is True
    assert Figure("t", 4.0, "s", goal=3.0).passed is False
    assert Figure("t", 4.0, "s").passed is None
    overhead = Figure("t", 10.6, "s", goal=1.05, goal_on="ratio", baseline_value=10.0)
    assert overhead.ratio == pytest.approx(1.06) and overhead.passed is False
    assert Figure("t", 10.4, "s", goal=1.05, goal_on="ratio", baseline_value=10.0).passed
    # a ratio goal without a baseline cannot be met
    assert Figure("t", 1.0, "s", goal=1.05, goal_on="ratio").passed is False
    f1 = Figure("F1", 0.9, "", goal=1.0, goal_on="ratio", higher_is_better=True, baseline_value=0.8)
    assert f1.passed is True


def test_the_report_holds_every_outcome_and_the_issue_goals() -> None:
    figure = Figure(
        "merge",
        12.5,
        "s",
        goal=10.0,
        baseline="one | coder",
        baseline_value=5.0,
        issue_goal="merge-600k",
    )
    outcomes = [
        Outcome("merge_bench", "Merge.", [figure], seconds=3.0),
        Outcome("pg_bench", "On PostgreSQL.", skipped="no server"),
        Outcome("broken_bench", "Broken.", error="ValueError: bad"),
    ]
    text = markdown(outcomes, quick=True, machine="2 cores")
    assert "1 of 1 goals met" not in text and "0 of 1 goals met" in text
    assert "1 skipped, 1 failed to run" in text
    assert "Skipped: no server" in text and "Failed to run: `ValueError: bad`" in text
    row = next(line for line in text.splitlines() if line.startswith("| merge |"))
    assert "12.5 s" in row and "≤ 10 s" in row and "2.50×" in row and "**FAIL**" in row
    assert "one \\| coder" in row  # a cell's pipe does not break the table
    goals = text.split("## merge_bench")[0]
    assert ISSUE_GOALS["merge-600k"] in goals and "merge_bench" in goals
    unmeasured = [g for k, g in ISSUE_GOALS.items() if k != "merge-600k"]
    assert all(f"| {g} | not measured in this run |" in goals for g in unmeasured)


def test_benchmarks_are_found_and_named_loosely() -> None:
    known = discover()
    assert {"import_bench", "tui_bench", "export_bench", "merge_bench"} <= set(known)
    assert "report" not in known and "__main__" not in known
    assert resolve(["merge", "import_bench.py"], known) == ["merge_bench", "import_bench"]
    with pytest.raises(SystemExit, match="no benchmark named 'nothing'"):
        resolve(["nothing"], known)


def test_a_quick_run_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.md"
    done = subprocess.run(
        [*BENCHMARKS, "--quick", "--only", "refi_offsets", "--report", str(report)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"report: {report}" in done.stdout
    text = report.read_text(encoding="utf-8")
    assert "## refi_offsets_bench" in text
    rows = [line for line in text.splitlines() if line.startswith("| REFI-QDA offsets")]
    assert len(rows) == 2 and "s per M chars" in rows[1]
    assert report.with_suffix(".log").exists()


def test_a_report_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    done = subprocess.run(
        [*BENCHMARKS, "--only", "refi_offsets", "--report", str(blocker / "report.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("benchmarks: cannot write the report at")
    assert len(done.stderr.strip().splitlines()) == 1


def test_children_of_a_benchmark_run_codage_with_its_bytecode(tmp_path: Path) -> None:
    # A shell that sets PYTHONDONTWRITEBYTECODE would make every `codage` child compile
    # codage from source at each start, and every start-up figure count it.
    root = ROOT
    probe = (
        "import os, sys, subprocess, benchmarks; "
        "print('PYTHONDONTWRITEBYTECODE' in os.environ, sys.dont_write_bytecode, "
        "subprocess.run([sys.executable, '-c', 'import sys; print(sys.dont_write_bytecode)'], "
        "capture_output=True, text=True).stdout.strip())"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]
    source = root / "codage" / "cli" / "__init__.py"
    compiled = Path(importlib.util.cache_from_source(str(source)))
    assert compiled.stat().st_mtime >= source.stat().st_mtime

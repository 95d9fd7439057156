"""A large merge into a small table drops the codings' secondary indexes and makes them
again at its end, inside its one transaction.

The merged project is the one the merge before this change made (the reference merge,
row for row, and the same indexes with the same definitions), and a merge killed while
the indexes are dropped leaves the project whole: every index there, integrity checked,
nothing of the merge kept.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks.scale import build
from codage.analysis.merge import merge_projects
from codage.store import merging
from codage.store.project import Project
from tests.analysis.test_merge_identity import _merge_both, _same, _team_member

ROOT = Path(__file__).resolve().parents[2]


def _indexes(path: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


def test_a_rebuilt_merge_holds_what_the_reference_merge_holds(
    tmp_path: Path, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every bulk writing large enough: the first merge into the empty target rebuilds,
    # the second (as many codings as the table holds) maintains the indexes row by row
    monkeypatch.setattr(merging, "_REBUILD_MIN", 0)
    dropped: list[list[str]] = []
    drop = merging.CodingWriter._drop_indexes

    def spy(self: merging.CodingWriter) -> list[tuple[str, str]]:
        out = drop(self)
        dropped.append([name for name, _ in out])
        return out

    monkeypatch.setattr(merging.CodingWriter, "_drop_indexes", spy)
    member = _team_member(tmp_path / "dana.db", generated)
    old, new, old_reports, new_reports = _merge_both(tmp_path, [generated, member])
    assert old_reports == new_reports
    assert dropped[0] == ["ix_codings_code_id", "ix_codings_coder_id", "ix_codings_document_start"]
    assert [] in dropped[1:]  # a writing into a table already full keeps its indexes
    _same(old, new)
    assert _indexes(new) == _indexes(old)
    assert _integrity(new) == "ok"
    # undo and redo read the rows through the indexes made again
    for step in ("undo", "redo"):
        for path in (old, new):
            with Project.open(str(path)) as target:
                for _ in range(4):
                    getattr(target, step)(coder="lead")
        _same(old, new)


_VICTIM = textwrap.dedent(
    """
    import json, sys, time
    from codage.store import merging

    merging._REBUILD_MIN = 0
    took = merging.CodingWriter._took

    def held(self, connection, count):
        # rows written (by either path: SQLite's own or row by row)
        ids = took(self, connection, count)
        # what the merge's own transaction sees: the indexes it dropped are gone
        names = [
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'codings' AND sql IS NOT NULL ORDER BY name"
            )
        ]
        print(json.dumps(names), flush=True)
        time.sleep(120)
        return ids

    merging.CodingWriter._took = held
    from codage.cli import app

    app(sys.argv[1:])
    """
)


def test_a_merge_killed_while_the_indexes_are_dropped_leaves_them_all(
    tmp_path: Path, generated: Path
) -> None:
    target = tmp_path / "team.db"
    Project.open(str(target)).close()
    before = _indexes(target)
    assert any(name == "ix_codings_code_id" for name, _ in before)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODAGE_LANG": "en"}
    argv = [sys.executable, "-c", _VICTIM, "merge", str(target), str(generated)]
    victim = subprocess.Popen(
        [*argv, "--coder", "lead", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert victim.stdout is not None
        line = victim.stdout.readline()
        assert line, victim.stderr.read() if victim.stderr else ""
        # killed with the codings' secondary indexes dropped and rows written
        assert json.loads(line) == []
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert _integrity(target) == "ok"
    assert _indexes(target) == before
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    # and the project merges whole afterwards, its indexes made again
    with Project.open(str(generated), create=False) as s, Project.open(str(target)) as t:
        report = merge_projects(t, [s], coder="lead", backup=False)
    assert report.sources[0].codings_added > 900
    assert _indexes(target) == before
    assert _integrity(target) == "ok"

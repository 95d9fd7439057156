"""Migration 0005 on an older project: every coding is kept and marked as made by hand,
and automatic codings added after it undo and redo with their mark."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codage.services import Project
from codage.store.engine import current_revision
from tests.store.test_migration_0003 import make_0002_project


def test_old_codings_are_made_by_hand_and_new_automatic_ones_undo(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_0002_project(path)
    with sqlite3.connect(path) as conn:
        count = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    with Project.open(str(path), create=True) as project:
        codings = project.codings()
        assert len(codings) == count and not any(c.automatic for c in codings)
        doc = project.documents()[0]
        code = project.codes()[0]
        added = project.add_codings([(doc.id, code.id, 0, 3)], coder="newcomer", automatic=True)
        assert added == 1
        assert [c.automatic for c in project.codings(coders=["newcomer"])] == [True]
        project.undo(coder="newcomer")
        assert project.codings(coders=["newcomer"]) == []
        project.redo(coder="newcomer")
        assert [c.automatic for c in project.codings(coders=["newcomer"])] == [True]
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(codings)")]
    assert "automatic" in columns


def test_an_older_project_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_0002_project(path)
    with Project.open(str(path), create=False) as project:
        codings = project.codings()
        assert codings and not any(c.automatic for c in codings)
        assert [c.automatic for c in project.codings_bulk()] == [False] * len(codings)
        assert project.coding(codings[0].id) == codings[0]
        assert current_revision(project.engine) == "0002"  # reading upgraded nothing

"""Migration 0009 on an older project: read as it is (nothing suggested), then upgraded at
the first write with the vectors' tables and every coding marked not suggested."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codage.services import Project
from codage.services.assist import build_index
from codage.store.engine import SCHEMA_HEAD, current_revision
from tests.store.test_migration_0003 import make_0002_project


def test_an_older_project_is_read_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_0002_project(path)
    with sqlite3.connect(path) as conn:
        count = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    with Project.open(str(path), create=False) as project:
        codings = project.codings()
        assert len(codings) == count and not any(c.suggested for c in codings)
        assert [c.suggested for c in project.codings_bulk()] == [False] * count
        assert project.coding(codings[0].id) == codings[0]
        assert current_revision(project.engine) == "0002"
    with Project.open(str(path), create=True) as project:
        assert current_revision(project.engine) == SCHEMA_HEAD
        assert not any(c.suggested for c in project.codings())
        index = build_index(project, "tfidf")
        assert index.embedded == len(index) == len(project.unit_vectors("tfidf:1"))
        project.record_assist_run(
            coder="amelie",
            command="similar",
            method="tfidf",
            model="tfidf",
            parameters={"top": 1},
            seconds=0.1,
            units=len(index),
        )
        assert [r.parameters for r in project.assist_runs()] == [{"top": 1}]
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(codings)")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "suggested" in columns
    assert {"unit_vectors", "assist_terms", "assist_runs"} <= tables

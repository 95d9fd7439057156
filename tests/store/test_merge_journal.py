"""A merge's journal entry: its codings as one range of ids, not one operation each.

The entry stays small whatever the merge's size; undo takes the range's codings out
(kept under the entry in ``journal_codings``), redo puts the very rows back; conflicts
are the ones, named by the same rows, that one operation per coding would meet; and
entries written before, one operation per coding, are undone and redone as before.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import build
from codage.analysis.merge import merge_projects
from codage.services import Project
from codage.store.copy import copy_project
from codage.store.errors import UndoConflict
from tests.analysis.test_merge_identity import dump

_COLUMNS = (
    'id, document_id, code_id, coder_id, start, "end", text, memo, created_at, updated_at, '
    "automatic, suggested"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


def _merge(target: Path, source: Path) -> None:
    with Project.open(str(source), create=False) as s, Project.open(str(target)) as t:
        merge_projects(t, [s], coder="lead", backup=False)


def _rows(path: Path, table: str = "codings") -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {_COLUMNS} FROM {table} ORDER BY id").fetchall()


def _entries(path: Path) -> list[tuple[int, str, list[dict[str, Any]]]]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT id, state, ops FROM journal ORDER BY id").fetchall()
    return [(i, state, json.loads(ops)) for i, state, ops in found]


def _state(path: Path) -> tuple[Any, ...]:
    return _rows(path), _entries(path), _rows(path, "journal_codings")


def test_the_entry_holds_a_range_and_history_tells_it_as_before(
    tmp_path: Path, source: Path
) -> None:
    target = tmp_path / "team.db"
    _merge(target, source)
    merged = _rows(target)
    ((entry_id, state, ops),) = [e for e in _entries(target) if e[2]]
    assert state == "done"
    ranges = [op for op in ops if op["op"] == "insert_range"]
    assert len(ranges) == 1
    (part,) = ranges
    assert (part["first"], part["last"], part["count"]) == (
        merged[0][0],
        merged[-1][0],
        len(merged),
    )
    assert part["documents"] == sorted({r[1] for r in merged})
    assert part["coders"] == sorted({r[3] for r in merged})
    # one small operation, where one per coding took a row's worth of JSON each
    with sqlite3.connect(target) as conn:
        size = conn.execute("SELECT length(ops) FROM journal WHERE id = ?", (entry_id,)).fetchone()[
            0
        ]
    assert not [op for op in ops if op["t"] == "codings" and op is not part]
    assert size < len(json.dumps([op for op in ops if op is not part])) + 500
    with Project.open(str(target), create=False) as project:
        (entry,) = project.history(coder="lead")
        assert entry.details["counts"]["codings.insert"] == len(merged)
        assert sorted(entry.coders) == sorted({c.name for c in project.coders()} - {"lead"})
        assert project.entry_documents(entry_id) == set(part["documents"])


def test_undo_keeps_the_rows_and_redo_puts_the_very_rows_back(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "team.db"
    _merge(target, source)
    merged = _rows(target)
    ((entry_id, _, _),) = [e for e in _entries(target) if e[2]]
    with Project.open(str(target)) as project:
        assert project.undo(coder="lead") is not None
    assert _rows(target) == []
    with sqlite3.connect(target) as conn:
        kept = conn.execute(
            f"SELECT {_COLUMNS} FROM journal_codings WHERE entry_id = ? ORDER BY id", (entry_id,)
        ).fetchall()
    assert kept == merged
    with Project.open(str(target)) as project:
        assert project.redo(coder="lead") is not None
    assert _rows(target) == merged
    assert _rows(target, "journal_codings") == []
    with Project.open(str(target)) as project:
        project.undo(coder="lead")
        project.redo(coder="lead")
    assert _rows(target) == merged


def test_undo_meets_a_coding_removed_since_as_before_and_changes_nothing(
    tmp_path: Path, source: Path
) -> None:
    target = tmp_path / "team.db"
    _merge(target, source)
    merged = _rows(target)
    # two of the merged codings removed by their coders since: the undo, which takes
    # the codings back from the last, meets the later one first
    gone = [merged[3], merged[len(merged) // 2]]
    with Project.open(str(target)) as project:
        names = {c.id: c.name for c in project.coders()}
        for row in gone:
            project.remove_coding(row[0], coder=names[row[3]])
        before = _state(target)
        with pytest.raises(UndoConflict, match=f"the coding {gone[1][0]} was already removed"):
            # the coders' own removals are theirs to undo; the merge is the lead's
            project.undo(coder="lead")
    assert _state(target) == before


def test_an_entry_of_one_operation_per_coding_is_undone_and_redone_as_before(
    tmp_path: Path, source: Path
) -> None:
    """Projects in the wild hold merges journaled one operation per coding (as the last
    version wrote them, built by SQLite from the rows): they undo and redo alike."""
    ranged, spelled = tmp_path / "ranged.db", tmp_path / "spelled.db"
    for path in (ranged, spelled):
        _merge(path, source)
    with sqlite3.connect(spelled) as conn:
        entry_id, ops = next((i, o) for i, _, o in _entries(spelled) if o)
        old: list[Any] = []
        for op in ops:
            if op["op"] != "insert_range":
                old.append(op)
                continue
            rows = conn.execute(
                "SELECT json_object('t', 'codings', 'op', 'insert', 'row', json_object("
                " 'document_id', document_id, 'code_id', code_id, 'coder_id', coder_id,"
                " 'start', start, 'end', \"end\", 'text', text, 'memo', memo,"
                " 'automatic', json(CASE WHEN automatic THEN 'true' ELSE 'false' END),"
                " 'suggested', json(CASE WHEN suggested THEN 'true' ELSE 'false' END),"
                " 'id', id, 'created_at', replace(created_at, ' ', 'T'),"
                " 'updated_at', replace(updated_at, ' ', 'T')))"
                " FROM codings WHERE id BETWEEN ? AND ? ORDER BY id",
                (op["first"], op["last"]),
            ).fetchall()
            old.extend(json.loads(r[0]) for r in rows)
        assert len(old) > 900
        conn.execute("UPDATE journal SET ops = ? WHERE id = ?", (json.dumps(old), entry_id))
    merged = {path: _rows(path) for path in (ranged, spelled)}
    for step in ("undo", "redo", "undo"):
        for path in (ranged, spelled):
            with Project.open(str(path)) as project:
                assert getattr(project, step)(coder="lead") is not None
            assert _rows(path) == (merged[path] if step == "redo" else [])
    # the old entry keeps its rows in its operations, the new one beside it
    assert _rows(spelled, "journal_codings") == []
    assert _rows(ranged, "journal_codings") == merged[ranged]
    ranged_dump, spelled_dump = dump(ranged), dump(spelled)
    for table in ranged_dump.keys() - {"journal"}:
        assert ranged_dump[table] == spelled_dump[table], table


def test_rows_kept_for_a_redo_no_one_can_make_go_at_the_next_undo_of_a_range(
    tmp_path: Path, source: Path
) -> None:
    target = tmp_path / "team.db"
    _merge(target, source)
    with Project.open(str(target)) as project:
        project.undo(coder="lead")
        assert _rows(target, "journal_codings")
        # a new change by the lead: the undone merge can no longer be redone
        code = project.create_code("Nouveau", coder="lead")
        assert project.redo(coder="lead") is None
        project.delete_code(code.id, coder="lead")
    _merge(target, source)
    first = {i for i, state, _ in _entries(target) if state == "dropped"}
    assert first
    with Project.open(str(target)) as project:
        project.undo(coder="lead")
    with sqlite3.connect(target) as conn:
        owners = {r[0] for r in conn.execute("SELECT DISTINCT entry_id FROM journal_codings")}
    assert owners and not owners & first


def test_a_merge_copied_to_postgresql_is_undone_and_redone_there(
    tmp_path: Path, source: Path, pg_url: str
) -> None:
    """Merges into a project file journal ranges; a team that moves the file to a server
    (``codage copy``) can still undo and redo them there."""
    target = tmp_path / "team.db"
    _merge(target, source)
    copy_project(f"sqlite:///{target}", pg_url)

    def codings(project: Project) -> list[Any]:
        return [
            (c.id, c.document_id, c.code_id, c.coder, c.start, c.end, c.text)
            for c in project.codings()
        ]

    with Project.open(pg_url) as project:
        merged = codings(project)
        assert len(merged) == len(_rows(target))
        project.undo(coder="lead")
        assert codings(project) == []
        project.redo(coder="lead")
        assert codings(project) == merged

"""Migration 0003 on a project written with the 0002 schema: every row and id kept,
ids no longer handed out twice, the journal's acting coder and touched coders."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, event

from codage.services import Project
from codage.store.engine import (
    _alembic_config,
    _pragmas,
    _sqlite_begin,
    current_revision,
    head_revision,
)
from tests.conftest import sample_document

STAMP = "2026-11-28 10:00:00.000000"  # how SQLAlchemy stores a DATETIME on SQLite
ISO = "2026-11-28T10:00:00"  # how the journal encodes one
TEXT = "Au début, personne ne lisait l'intranet. Puis la crise sanitaire est arrivée."
TABLES = ("coders", "documents", "codes", "codings", "memos", "codings_aside")


def _coding(
    id_: int, code: int, coder: int, start: int, end: int, *, iso: bool = False
) -> dict[str, object]:
    return {
        "id": id_,
        "document_id": 1,
        "code_id": code,
        "coder_id": coder,
        "start": start,
        "end": end,
        "text": TEXT[start:end],
        "memo": None,
        "created_at": ISO if iso else STAMP,
        "updated_at": ISO if iso else STAMP,
    }


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    columns = ", ".join(f'"{k}"' for k in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))


def make_0002_project(path: Path) -> None:
    """A project at schema 0002, built by the real migrations, then filled as codage
    0002 left it: alice removed her highest coding (id 4), which her journal holds."""
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _pragmas(read_only=False))
    event.listen(engine, "begin", _sqlite_begin)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        _insert(conn, "coders", {"id": 1, "name": "alice"})
        _insert(conn, "coders", {"id": 2, "name": "bob"})
        _insert(
            conn,
            "documents",
            {
                "id": 1,
                "name": "entretien-01-region",
                "kind": "text",
                "text": TEXT,
                "sha256": "0" * 64,
                "length": len(TEXT),
                "words": 12,
                "source_path": None,
                "imported_at": STAMP,
                "meta": "{}",
            },
        )
        # Code 2 sits under code 3, created after it (a move): parents are not always older.
        for id_, parent, name in ((1, None, "Partie 1"), (3, 1, "Outils"), (2, 3, "Intranet")):
            _insert(
                conn,
                "codes",
                {
                    "id": id_,
                    "parent_id": parent,
                    "name": name,
                    "description": "",
                    "inclusion": "",
                    "exclusion": "",
                    "example": "",
                    "colour": "#112233",
                    "position": 0,
                },
            )
        for row in (_coding(1, 2, 1, 0, 9), _coding(2, 2, 2, 10, 39), _coding(3, 3, 1, 41, 77)):
            _insert(conn, "codings", row)
        _insert(
            conn,
            "memos",
            {
                "id": 1,
                "target": "code",
                "target_id": 2,
                "text": "à revoir",
                "author_id": 1,
                "created_at": STAMP,
                "updated_at": STAMP,
            },
        )
        _insert(
            conn,
            "codings_aside",
            {
                "id": 1,
                "document_id": 1,
                "document_name": "entretien-01-region",
                "code_id": 2,
                "code_path": "Partie 1/Outils/Intranet",
                "coder_id": 2,
                "start": 3,
                "end": 8,
                "text": TEXT[3:8],
                "memo": None,
                "source": "bob.db",
                "reason": "text changed",
                "created_at": STAMP,
            },
        )
        removed = _coding(4, 2, 1, 10, 39, iso=True)
        for id_, action, ops in (
            (1, "add_coding", [{"t": "codings", "op": "insert", "row": _coding(1, 2, 1, 0, 9)}]),
            (2, "remove_coding", [{"t": "codings", "op": "delete", "row": removed}]),
        ):
            _insert(
                conn,
                "journal",
                {
                    "id": id_,
                    "coder_id": 1,
                    "at": STAMP,
                    "action": action,
                    "summary": f"{action} (0002)",
                    "ops": json.dumps(ops),
                    "state": "done",
                    "undo_seq": None,
                },
            )


def _rows(path: Path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def test_upgrade_keeps_every_row_and_id_and_ids_are_no_longer_reused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_0002_project(path)
    before = {table: _rows(path, table) for table in TABLES}
    with sqlite3.connect(path) as conn:
        old_journal = conn.execute(
            'SELECT id, coder_id, "at", action, summary, ops, state, undo_seq FROM journal'
        ).fetchall()
    assert len(before["codings"]) == 3 and len(before["codings_aside"]) == 1

    with Project.open(str(path), create=True) as p:
        assert current_revision(p.engine) == head_revision()

    for table in TABLES:
        # later migrations may add columns (0005: codings.automatic): compare the old ones
        width = len(before[table][0]) if before[table] else 0
        assert [row[:width] for row in _rows(path, table)] == before[table], table
    with sqlite3.connect(path) as conn:
        journal = conn.execute(
            'SELECT id, actor_id, "at", action, summary, ops, state, undo_seq FROM journal'
        ).fetchall()
        touched = [json.loads(r[0]) for r in conn.execute("SELECT coders FROM journal")]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        schema = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert journal == old_journal
    assert touched == [[1], [1]]
    for table in ("codes", "codings", "memos", "codings_aside", "journal"):
        assert "AUTOINCREMENT" in schema[table], table
    assert not any(name.startswith("_old_") for name in schema)
    assert {"ix_codings_document_start", "ix_journal_actor_state", "ix_memos_target"} <= indexes

    with Project.open(str(path), create=False) as p:
        # The coding alice removed had id 4: bob's new coding must not take it.
        bob = p.add_coding(1, 2, 0, 5, coder="bob")
        assert bob.id == 5
        entry = p.undo(coder="alice")
        assert entry is not None and entry.action == "remove_coding"
        back = p.coding(4)
        assert (back.coder, back.start, back.end, back.text) == ("alice", 10, 39, TEXT[10:39])
        assert p.codings_aside()[0].code_id == 2
        p.remove_coding(5, coder="bob")
        assert p.add_coding(1, 3, 0, 5, coder="bob").id == 6
        code = p.create_code("Messagerie", coder="alice")
        assert code.id == 4
        assert p.add_memo("project", None, "note", coder="alice").id == 2
        assert [e.id for e in p.history(limit=None)][-2:] == [2, 1]
        assert p.history(limit=1)[0].id > 2


def test_downgrade_to_0002_and_back_keeps_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "round.db"
    with Project.open(str(path)) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("A", coder="ana")
        p.add_coding(doc.id, code.id, 0, 5, coder="ana")
        cfg = _alembic_config()
        with p.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        assert current_revision(p.engine) == "0002"
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(journal)")]
    assert "coder_id" in columns and "actor_id" not in columns
    with Project.open(str(path)) as p:
        assert [(e.coder, e.action, e.coders) for e in p.history()] == [
            ("ana", "add_coding", ("ana",)),
            ("ana", "create_code", ()),
        ]
        entry = p.undo(coder="ana")
        assert entry is not None and p.codings() == []

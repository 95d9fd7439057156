"""journal: acting coder, touched coders, details; ids never reused on SQLite

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:30:00

The journal names rows by id. On SQLite a plain INTEGER PRIMARY KEY hands the
highest freed id out again, so after alice removed the last coding and bob
added one, alice's undo found "her" id taken and failed for good. Codes,
codings, memos, codings kept aside and journal rows become AUTOINCREMENT.

SQLite cannot alter a table to AUTOINCREMENT: each table is recreated, every
row copied with its id. Alembic's batch mode cannot be used here: it drops the
old table while other tables still refer to it, and the engine runs migrations
inside one transaction with foreign keys on (the pragma cannot change inside a
transaction), so dropping ``codes`` would fail for the codings pointing at it,
and would set the code of every coding kept aside to NULL (ON DELETE SET NULL).
Instead the old tables are renamed first (SQLite then points the old children
at the renamed parent), the new tables created under the real names, rows
copied parents first, and the old tables dropped children first: nothing
refers to a dropped table any more, and no foreign key action fires.

Each id sequence starts above every id the journal mentions, so that a row a
journal entry can still put back never finds its id given to another row.

The journal's ``coder_id`` becomes ``actor_id`` (who ran the change), beside
``coders`` (whose codings it touched, found in the operations of old entries)
and ``details`` (what it takes to tell the change in words; NULL for old
entries, which keep their English summary).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Parents before children: the order rows are copied in (and the reverse, dropped).
TABLES = ("codes", "codings", "memos", "codings_aside", "journal")


def _new_tables() -> None:
    auto = {"sqlite_autoincrement": True}
    op.create_table(
        "codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("inclusion", sa.Text(), nullable=False),
        sa.Column("exclusion", sa.Text(), nullable=False),
        sa.Column("example", sa.Text(), nullable=False),
        sa.Column("colour", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["codes.id"], name="fk_codes_parent_id_codes"),
        sa.PrimaryKeyConstraint("id", name="pk_codes"),
        **auto,
    )
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], name="fk_codings_code_id_codes"),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], name="fk_codings_coder_id_coders"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_codings_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_codings"),
        sa.UniqueConstraint(
            "document_id", "code_id", "coder_id", "start", "end", name="uq_codings_span"
        ),
        **auto,
    )
    op.create_table(
        "memos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["coders.id"], name="fk_memos_author_id_coders"),
        sa.PrimaryKeyConstraint("id", name="pk_memos"),
        **auto,
    )
    op.create_table(
        "codings_aside",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("document_name", sa.String(length=500), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("code_path", sa.Text(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"], ["codes.id"], name="fk_codings_aside_code_id_codes", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name="fk_codings_aside_coder_id_coders"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_codings_aside_document_id_documents",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_codings_aside"),
        **auto,
    )
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("coders", sa.JSON(), nullable=False),
        sa.Column("ops", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("undo_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["coders.id"], name="fk_journal_actor_id_coders"),
        sa.PrimaryKeyConstraint("id", name="pk_journal"),
        **auto,
    )


def _indexes() -> None:
    op.create_index("ix_codes_parent_id", "codes", ["parent_id"])
    op.create_index("ix_codings_code_id", "codings", ["code_id"])
    op.create_index("ix_codings_coder_id", "codings", ["coder_id"])
    op.create_index("ix_codings_document_start", "codings", ["document_id", "start"])
    op.create_index("ix_memos_target", "memos", ["target", "target_id"])
    op.create_index("ix_codings_aside_document_id", "codings_aside", ["document_id"])
    op.create_index("ix_journal_actor_state", "journal", ["actor_id", "state"])


def _ops(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _touched_coders(ops: list[dict[str, Any]]) -> list[int]:
    """The coders whose codings (or codings kept aside) an old entry changed."""
    found: set[int] = set()
    for item in ops:
        if item.get("t") not in ("codings", "codings_aside"):
            continue
        for key in ("row", "before", "after"):
            coder_id = (item.get(key) or {}).get("coder_id")
            if coder_id is not None:
                found.add(int(coder_id))
    return sorted(found)


def _journal_ids(ops: list[dict[str, Any]], seen: dict[str, int]) -> None:
    for item in ops:
        row_id = item.get("id", (item.get("row") or {}).get("id"))
        if row_id is not None:
            seen[item["t"]] = max(seen[item["t"]], int(row_id))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        # Sequences elsewhere never hand an id out twice: only the journal changes.
        with op.batch_alter_table("journal") as batch:
            batch.drop_index("ix_journal_coder_state")
            batch.drop_constraint("fk_journal_coder_id_coders", type_="foreignkey")
            batch.alter_column("coder_id", new_column_name="actor_id")
            batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
            batch.add_column(sa.Column("coders", sa.JSON(), nullable=True))
        journal = sa.table(
            "journal",
            sa.column("id", sa.Integer()),
            sa.column("ops", sa.JSON()),
            sa.column("coders", sa.JSON()),
        )
        for row_id, ops in bind.execute(sa.select(journal.c.id, journal.c.ops)).all():
            bind.execute(
                journal.update()
                .where(journal.c.id == row_id)
                .values(coders=_touched_coders(_ops(ops)))
            )
        with op.batch_alter_table("journal") as batch:
            batch.alter_column("coders", existing_type=sa.JSON(), nullable=False)
            batch.create_foreign_key("fk_journal_actor_id_coders", "coders", ["actor_id"], ["id"])
            batch.create_index("ix_journal_actor_state", ["actor_id", "state"])
        return

    for name in TABLES:
        op.execute(f'ALTER TABLE "{name}" RENAME TO "_old_{name}"')
    _new_tables()
    for name in TABLES[:-1]:
        op.execute(f'INSERT INTO "{name}" SELECT * FROM "_old_{name}"')

    highest: dict[str, int] = defaultdict(int)
    old = bind.exec_driver_sql(
        'SELECT id, coder_id, "at", action, summary, ops, state, undo_seq '
        'FROM "_old_journal" ORDER BY id'
    )
    for row_id, coder_id, at, action, summary, ops_text, state, undo_seq in old.fetchall():
        ops = _ops(ops_text)
        _journal_ids(ops, highest)
        # Copied as stored: the timestamp text and the ops JSON go back unchanged.
        bind.exec_driver_sql(
            'INSERT INTO journal (id, actor_id, "at", action, summary, details, coders, ops, '
            "state, undo_seq) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            (
                row_id,
                coder_id,
                at,
                action,
                summary,
                json.dumps(_touched_coders(ops)),
                ops_text if isinstance(ops_text, str) else json.dumps(ops),
                state,
                undo_seq,
            ),
        )
    for name in reversed(TABLES):
        op.execute(f'DROP TABLE "_old_{name}"')
    _indexes()

    for name in TABLES:
        top = bind.exec_driver_sql(f'SELECT max(id) FROM "{name}"').scalar() or 0
        seq = max(int(top), highest[name])
        bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))


def downgrade() -> None:
    # The AUTOINCREMENT tables read like plain ones: only the journal goes back.
    with op.batch_alter_table("journal") as batch:
        batch.drop_index("ix_journal_actor_state")
        batch.drop_constraint("fk_journal_actor_id_coders", type_="foreignkey")
        batch.alter_column("actor_id", new_column_name="coder_id")
        batch.drop_column("details")
        batch.drop_column("coders")
    with op.batch_alter_table("journal") as batch:
        batch.create_foreign_key("fk_journal_coder_id_coders", "coders", ["coder_id"], ["id"])
        batch.create_index("ix_journal_coder_state", ["coder_id", "state"])

"""merges journaled by ranges (issue 20): codings an undo took out, kept for the redo

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30 01:40:00

A merge of a million codings used to write one journal operation per coding, the
whole row as JSON in one value (hundreds of megabytes, held twice by SQLite while
it was built). It now journals the range of ids it inserted; the rows are their
own record while in ``codings``, and ``journal_codings`` keeps them while the
entry is undone, so that a redo puts them back as they were. Older entries, with
one operation per coding, are read as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_codings",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal.id"],
            name=op.f("fk_journal_codings_entry_id_journal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "id", name=op.f("pk_journal_codings")),
    )


def downgrade() -> None:
    op.drop_table("journal_codings")

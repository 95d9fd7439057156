"""codings: automatic, for codings made by auto-coding from a search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:45:00

Auto-coding (``codage autocode``, the search screen) codes every hit of a search
at once. Those codings are marked so that agreement can leave them out and the
exports can tell them from the codings a coder made by hand. Existing codings
were all made by hand: the column is added false for every row.

A plain ADD COLUMN with a constant default: SQLite adds it without copying the
table, PostgreSQL without rewriting it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "codings",
        sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("codings") as batch:
        batch.drop_column("automatic")

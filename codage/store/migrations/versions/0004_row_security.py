"""lanes on PostgreSQL: row-level security on codings, codings aside, memos, journal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:00:00

A coder connected as their own database role can write only their own rows
(see codage.store.row_security). Nothing changes on SQLite.
"""

from __future__ import annotations

from alembic import op

from codage.store import row_security

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    row_security.enable(op.get_bind())


def downgrade() -> None:
    row_security.disable(op.get_bind())

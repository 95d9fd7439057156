"""units read by place: a covering index for the exports' reads (issue 20)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:50:00

An export reads, per document, the units that number places or name a speaker or a
time, ordered by (start, end descending, position). Through ``ix_units_document_start``
each row was a lookup in the table; this index holds every column that read needs, so
the read walks the index alone (15 to 25 % less processor time for the unit reads at 2M
words, a few megabytes more on disk). Its columns are plain, ascending: Alembic's
comparison of the models with the migrated schema cannot see an ``"end" DESC``
expression, which would also spare the sort of equal starts (measured: 0.21 s against
0.31 s with this index and 0.37 s without, for every document's units at 2M words).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_units_document_places",
        "units",
        [
            "document_id",
            "start",
            "end",
            "position",
            "kind",
            "speaker",
            "timestamp",
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_units_document_places", table_name="units")

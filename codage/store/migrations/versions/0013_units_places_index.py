"""units read by place: a covering index for the exports' reads (issue 20)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:50:00

An export reads, per document, the units that number places or name a speaker or a
time, ordered by (start, end descending, position). Through ``ix_units_document_start``
each row was a lookup in the table and the order a sort; this index holds every column
that read needs, in its order, so the read walks the index alone (about 40 % less
processor time for the unit reads at 2M words, a few megabytes more on disk).
"""

from __future__ import annotations

import sqlalchemy as sa
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
            sa.text('"end" DESC'),
            "position",
            "kind",
            "speaker",
            "timestamp",
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_units_document_places", table_name="units")

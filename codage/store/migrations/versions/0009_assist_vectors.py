"""assistance (issue 18): stored unit vectors, the TF-IDF vocabulary, the runs, and
codings accepted from a suggestion

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 18:45:00

``unit_vectors`` holds one compact vector per unit and method (float16 for the
model's vectors, int32 lemma ids for TF-IDF); a unit's vectors go with it
(ON DELETE CASCADE), so that a corrected or deleted document leaves none behind.
``assist_terms`` numbers the lemmas TF-IDF has met, for good: the idf is
recomputed from the stored ids at every load, so nothing depends on the order of
imports. ``assist_runs`` records what produced every similarity or suggestion
run. ``codings.suggested`` marks codings a person accepted from a suggestion;
existing codings were all made otherwise: the column is added false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "codings",
        sa.Column("suggested", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "unit_vectors",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_unit_vectors_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_unit_vectors_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", "method", name=op.f("pk_unit_vectors")),
    )
    op.create_index("ix_unit_vectors_method_document", "unit_vectors", ["method", "document_id"])
    op.create_table(
        "assist_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_terms")),
        sa.UniqueConstraint("term", name="uq_assist_terms_term"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "assist_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.Column("command", sa.String(length=30), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_runs")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("assist_runs")
    op.drop_table("assist_terms")
    op.drop_index("ix_unit_vectors_method_document", table_name="unit_vectors")
    op.drop_table("unit_vectors")
    with op.batch_alter_table("codings") as batch:
        batch.drop_column("suggested")

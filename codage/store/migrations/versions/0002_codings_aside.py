"""codings kept aside by a merge

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_codings_aside_code_id_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_codings_aside_coder_id_coders")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_codings_aside_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codings_aside")),
    )
    with op.batch_alter_table("codings_aside", schema=None) as batch_op:
        batch_op.create_index("ix_codings_aside_document_id", ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("codings_aside", schema=None) as batch_op:
        batch_op.drop_index("ix_codings_aside_document_id")
    op.drop_table("codings_aside")

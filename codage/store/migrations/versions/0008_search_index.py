"""the stored search index (issue 16)

Creates the tables only: a project's documents are indexed by the store when a text is
written (import, replacement, undo and redo of one), and those of an older project on
its first search, which persists what it built (see codage.store.search_index).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_texts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("back", sa.LargeBinary(), nullable=True),
        sa.Column("sentences", sa.LargeBinary(), nullable=False),
        sa.Column("containers", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_search_texts_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_search_texts")),
    )
    op.create_table(
        "search_lemmas",
        sa.Column("lemma", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("postings", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_search_lemmas_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lemma", "document_id", name=op.f("pk_search_lemmas")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_forms",
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("lemma", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_search_forms_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("form", "lemma", "document_id", name=op.f("pk_search_forms")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("search_forms")
    op.drop_table("search_lemmas")
    op.drop_table("search_texts")

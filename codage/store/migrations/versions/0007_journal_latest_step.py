"""a coder's latest step found at once: the journal's (actor, state) index ends with id

Undo asks for a coder's latest entry in force (``ORDER BY id DESC LIMIT 1``).
With the index on (actor_id, state) alone the server read every entry of the
coder in that state and sorted them: a cost that grew with each coder's history
(0.5 ms at a few hundred entries). With id last, it is one step of an index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:00:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_journal_actor_state", table_name="journal")
    op.create_index("ix_journal_actor_state", "journal", ["actor_id", "state", "id"])


def downgrade() -> None:
    op.drop_index("ix_journal_actor_state", table_name="journal")
    op.create_index("ix_journal_actor_state", "journal", ["actor_id", "state"])

"""idea_voices: voice messages given instead of a typed idea text (audio bytes in the row, transcript for later)

Revision ID: 0010_voice
Revises: 0009_routing_mail
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0010_voice"
down_revision: str | None = "0009_routing_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea_voices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("mime_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_idea_voices_person_id"), "idea_voices", ["person_id"], unique=False)
    op.create_index(op.f("ix_idea_voices_idea_id"), "idea_voices", ["idea_id"], unique=False)
    op.create_index(op.f("ix_idea_voices_created_at"), "idea_voices", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_idea_voices_created_at"), table_name="idea_voices")
    op.drop_index(op.f("ix_idea_voices_idea_id"), table_name="idea_voices")
    op.drop_index(op.f("ix_idea_voices_person_id"), table_name="idea_voices")
    op.drop_table("idea_voices")

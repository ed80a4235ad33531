"""idea_similar (pairs of alike ideas flagged for the project manager) and ideas.merged_into_id

Revision ID: 0008_similar
Revises: 0008_workshops
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0008_similar"
down_revision: str | None = "0008_workshops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea_similar",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("flagged_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("idea_id", "other_id"),
    )
    op.create_index(op.f("ix_idea_similar_other_id"), "idea_similar", ["other_id"], unique=False)
    # the reference inline (REFERENCES …): SQLite cannot add a constraint to an existing table otherwise, and a
    # batch rebuild of `ideas` is ruled out (analyst views depend on it); SQLite does not reflect an inline
    # ON DELETE rule, so there is none (ideas are never deleted)
    op.add_column(
        "ideas",
        sa.Column("merged_into_id", sa.Integer(), sa.ForeignKey("ideas.id"), nullable=True),
        inline_references=True,
    )


def downgrade() -> None:
    op.drop_column("ideas", "merged_into_id")
    op.drop_index(op.f("ix_idea_similar_other_id"), table_name="idea_similar")
    op.drop_table("idea_similar")

"""idea_routes (ideas forwarded to a town's administration and its answer), idea_answers.towns

Revision ID: 0008_routing
Revises: 0008_similar
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0008_routing"
down_revision: str | None = "0008_similar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("town", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("forwarded_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("asked_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["idea_answers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answered_by"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id", "town", name="uq_idea_routes_idea_town"),
    )
    op.create_index(op.f("ix_idea_routes_deadline_at"), "idea_routes", ["deadline_at"], unique=False)
    op.create_index(op.f("ix_idea_routes_idea_id"), "idea_routes", ["idea_id"], unique=False)
    op.add_column("idea_answers", sa.Column("towns", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("idea_answers", "towns")
    op.drop_index(op.f("ix_idea_routes_idea_id"), table_name="idea_routes")
    op.drop_index(op.f("ix_idea_routes_deadline_at"), table_name="idea_routes")
    op.drop_table("idea_routes")

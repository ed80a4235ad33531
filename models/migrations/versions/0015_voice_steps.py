"""idea_voices for four steps: `kind`, the survey answer, route or meeting a voice belongs to, `summarised_at`

Revision ID: 0015_voice_steps
Revises: 0014_away_answers
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0015_voice_steps"
down_revision: str | None = "0014_away_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TARGETS = (("survey_answer_id", "survey_answers"), ("route_id", "idea_routes"), ("meeting_id", "meetings"))


def upgrade() -> None:
    # batch mode: SQLite rebuilds the table (no view reads it) and so keeps the foreign keys with ON DELETE CASCADE;
    # every earlier row was an idea's voice
    with op.batch_alter_table("idea_voices") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="idea", nullable=False))
        for column, table in TARGETS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_idea_voices_{column}", table, [column], ["id"], ondelete="CASCADE")
            batch.create_index(op.f(f"ix_idea_voices_{column}"), [column], unique=False)
        batch.add_column(sa.Column("summarised_at", models.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idea_voices") as batch:
        batch.drop_column("summarised_at")
        for column, _ in reversed(TARGETS):
            batch.drop_index(op.f(f"ix_idea_voices_{column}"))
            batch.drop_constraint(f"fk_idea_voices_{column}", type_="foreignkey")
            batch.drop_column(column)
        batch.drop_column("kind")

"""idea_events (an idea's path and status durations), idea_codes (factors and obstacles ticked on ideas),
survey_answers (the short survey after a meeting), people.survey_opt_out and people.digest_opt_out

Revision ID: 0007_evaluation
Revises: 0006_consent_history
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0007_evaluation"
down_revision: str | None = "0006_consent_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("town", sa.String(length=32), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_idea_events_at"), "idea_events", ["at"], unique=False)
    op.create_index(op.f("ix_idea_events_idea_id"), "idea_events", ["idea_id"], unique=False)
    op.create_table(
        "idea_codes",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("idea_id", "kind", "code"),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("person_group", sa.String(length=32), nullable=True),
        sa.Column("person_town", sa.String(length=32), nullable=True),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_survey_answers_meeting_person"),
    )
    op.create_index(op.f("ix_survey_answers_meeting_id"), "survey_answers", ["meeting_id"], unique=False)
    op.create_index(op.f("ix_survey_answers_person_id"), "survey_answers", ["person_id"], unique=False)
    # plain ADD COLUMNs: batch mode would rebuild `people`, which the analysts' views forbid
    op.add_column("people", sa.Column("survey_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("people", sa.Column("digest_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
    empty = sa.bindparam("empty", {}, type_=sa.JSON())
    # the path so far: every idea was submitted at its creation; every published answer changed its status
    op.execute(
        sa.text(
            "INSERT INTO idea_events (idea_id, kind, at, actor_id, status, details)"
            " SELECT id, 'submitted', created_at, author_id, 'submitted', :empty FROM ideas"
        ).bindparams(empty)
    )
    op.execute(
        sa.text(
            "INSERT INTO idea_events (idea_id, kind, at, actor_id, status, details)"
            " SELECT idea_id, 'status', published_at, actor_id, status, :empty FROM idea_answers"
            " WHERE published_at IS NOT NULL"
        ).bindparams(empty)
    )
    op.execute(
        sa.text(
            "INSERT INTO idea_events (idea_id, kind, at, meeting_id, details)"
            " SELECT ideas.id, 'discussed', meetings.starts_at, meetings.id, :empty FROM ideas"
            " JOIN meetings ON meetings.id = ideas.meeting_id"
        ).bindparams(empty)
    )


def downgrade() -> None:
    op.drop_column("people", "digest_opt_out")
    op.drop_column("people", "survey_opt_out")
    op.drop_index(op.f("ix_survey_answers_person_id"), table_name="survey_answers")
    op.drop_index(op.f("ix_survey_answers_meeting_id"), table_name="survey_answers")
    op.drop_table("survey_answers")
    op.drop_table("idea_codes")
    op.drop_index(op.f("ix_idea_events_idea_id"), table_name="idea_events")
    op.drop_index(op.f("ix_idea_events_at"), table_name="idea_events")
    op.drop_table("idea_events")

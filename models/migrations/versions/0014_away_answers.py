"""away_answers: the one question to members who stopped coming and their reasons; people.away_opt_out; the
views v_survey_sent (surveys sent, for the response) and v_away_codes (reasons for staying away)

Revision ID: 0014_away_answers
Revises: 0013_sentence_review
Create Date: 2026-12-07 23:30:00
"""

# ruff: noqa: S608 (the views are built from the constants below only, no value from outside)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0014_away_answers"
down_revision: str | None = "0013_sentence_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTH = {"sqlite": "substr({0}, 1, 7)", "postgresql": "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM')"}
CODES = {  # as in 0008_views: a JSON null instead of a list counts as no code
    "sqlite": "JOIN json_each(CASE WHEN json_type(a.obstacles) = 'array' THEN a.obstacles ELSE '[]' END) j",
    "postgresql": "CROSS JOIN LATERAL json_array_elements_text("
    "CASE WHEN json_typeof(a.obstacles) = 'array' THEN a.obstacles ELSE '[]'::json END) AS j(value)",
}


def views(dialect: str) -> dict[str, str]:
    month = MONTH[dialect]
    return {
        "v_survey_sent": f"""CREATE VIEW v_survey_sent AS
SELECT DISTINCT o.meeting_id, t.slug AS team, t.field, {month.format("m.starts_at")} AS month, m.starts_at,
       p.pseudonym AS person
FROM outbox o JOIN meetings m ON m.id = o.meeting_id JOIN teams t ON t.id = m.team_id
JOIN people p ON p.id = o.person_id
WHERE o.kind = 'survey' AND o.status IN ('sending', 'sent') AND p.evaluation_consent = TRUE""",
        "v_away_codes": f"""CREATE VIEW v_away_codes AS
SELECT a.id AS answer_id, t.slug AS team, t.field, {month.format("a.asked_at")} AS month, p.pseudonym AS person,
       j.value AS code
FROM away_answers a {CODES[dialect]}
JOIN teams t ON t.id = a.team_id LEFT JOIN people p ON p.id = a.person_id
WHERE a.answered_at IS NOT NULL AND (a.person_id IS NULL OR p.evaluation_consent = TRUE)""",
        "v_away": f"""CREATE VIEW v_away AS
SELECT a.id AS answer_id, t.slug AS team, t.field, {month.format("a.asked_at")} AS month, p.pseudonym AS person
FROM away_answers a JOIN teams t ON t.id = a.team_id LEFT JOIN people p ON p.id = a.person_id
WHERE a.answered_at IS NOT NULL AND (a.person_id IS NULL OR p.evaluation_consent = TRUE)""",
    }


def upgrade() -> None:
    op.add_column("people", sa.Column("away_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "away_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_group", sa.String(length=32), nullable=True),
        sa.Column("person_town", sa.String(length=32), nullable=True),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("asked_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "team_id", name="uq_away_answers_person_team"),
    )
    op.create_index(op.f("ix_away_answers_person_id"), "away_answers", ["person_id"], unique=False)
    op.create_index(op.f("ix_away_answers_team_id"), "away_answers", ["team_id"], unique=False)
    for statement in views(op.get_bind().dialect.name).values():
        op.execute(statement)


def downgrade() -> None:
    for name in reversed(list(views(op.get_bind().dialect.name))):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index(op.f("ix_away_answers_team_id"), table_name="away_answers")
    op.drop_index(op.f("ix_away_answers_person_id"), table_name="away_answers")
    op.drop_table("away_answers")
    op.drop_column("people", "away_opt_out")

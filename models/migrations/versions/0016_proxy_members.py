"""proxy members: people.telegram_id nullable, proxy_members (consent on paper or by phone), link_codes; a survey
answer entered by proxy counts as asked in v_survey_sent

Revision ID: 0016_proxy_members
Revises: 0015_voice_steps
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0016_proxy_members"
down_revision: str | None = "0015_voice_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ruff: noqa: S608 (the view is built from the constants below only, no value from outside)
MONTH = {"sqlite": "substr({0}, 1, 7)", "postgresql": "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM')"}
SENT = """SELECT DISTINCT o.meeting_id, t.slug AS team, t.field, {month} AS month, m.starts_at, p.pseudonym AS person
FROM outbox o JOIN meetings m ON m.id = o.meeting_id JOIN teams t ON t.id = m.team_id
JOIN people p ON p.id = o.person_id
WHERE o.kind = 'survey' AND o.status IN ('sending', 'sent') AND p.evaluation_consent = TRUE"""
# the lead asked her in person: her answer entered by proxy stands for a survey sent
BY_PROXY = """
UNION
SELECT a.meeting_id, t.slug AS team, t.field, {month} AS month, m.starts_at, p.pseudonym AS person
FROM survey_answers a JOIN meetings m ON m.id = a.meeting_id JOIN teams t ON t.id = m.team_id
JOIN people p ON p.id = a.person_id
WHERE a.entered_by_proxy = TRUE AND p.evaluation_consent = TRUE"""


def _survey_sent(by_proxy: bool) -> None:
    month = MONTH[op.get_bind().dialect.name].format("m.starts_at")
    op.execute("DROP VIEW IF EXISTS v_survey_sent")
    op.execute("CREATE VIEW v_survey_sent AS " + (SENT + (BY_PROXY if by_proxy else "")).format(month=month))


_NOT_NULL = "telegram_id BIGINT NOT NULL"
_NULLABLE = "telegram_id BIGINT"


def _sqlite_telegram_id(before: str, after: str) -> None:
    """Drop (or restore) the NOT NULL of people.telegram_id on SQLite without rebuilding the table.

    A batch rebuild drops `people`, and with foreign keys on (always, see models/db.py) that DROP deletes every
    row pointing at a person (ON DELETE CASCADE). Removing a NOT NULL does not change a stored byte, so SQLite's
    documented way applies: edit the table's CREATE statement in the schema and bump the schema version.
    """
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name='people'").scalar_one()
    if before not in sql:
        raise RuntimeError(f"people.telegram_id is not declared as {before!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql=? WHERE type='table' AND name='people'", (sql.replace(before, after, 1),)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_telegram_id(_NOT_NULL, _NULLABLE)
    else:
        op.alter_column("people", "telegram_id", existing_type=sa.BigInteger(), nullable=True)
    op.create_table(
        "proxy_members",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("consent_form", sa.String(length=8), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("notice_version", sa.String(length=32), nullable=True),
        sa.Column("evaluation", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=16), nullable=True),
        sa.Column("recorded_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_codes_person_id"), ["person_id"], unique=False)
    # a plain ADD COLUMN (no batch rebuild: the evaluation views read survey_answers)
    op.add_column(
        "survey_answers", sa.Column("entered_by_proxy", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    _survey_sent(by_proxy=True)


def downgrade() -> None:
    _survey_sent(by_proxy=False)
    op.drop_column("survey_answers", "entered_by_proxy")
    op.drop_table("link_codes")
    op.drop_table("proxy_members")
    op.execute("DELETE FROM people WHERE telegram_id IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_telegram_id(_NULLABLE, _NOT_NULL)
    else:
        op.alter_column("people", "telegram_id", existing_type=sa.BigInteger(), nullable=False)

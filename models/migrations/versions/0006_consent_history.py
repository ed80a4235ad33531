"""consent history (`consents`) and `people.last_seen_at` for retention

Revision ID: 0006_consent_history
Revises: 0005_backups
Create Date: 2026-11-30 03:30:00

Note: written in parallel with 0005_backups; at merge this revision is re-chained after 0005.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0006_consent_history"
down_revision: str | None = "0005_backups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("agreed_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consents_person_id"), "consents", ["person_id"], unique=False)
    # a plain ADD COLUMN: batch mode would rebuild `people`, which the analysts' views forbid
    op.add_column("people", sa.Column("last_seen_at", models.db.UTCDateTime(timezone=True), nullable=True))
    # No activity was recorded before: count from the upgrade, so nobody is erased for inactivity at once.
    now = sa.bindparam("now", datetime.now(UTC), type_=models.db.UTCDateTime())
    op.execute(sa.text("UPDATE people SET last_seen_at = :now").bindparams(now))
    # the history starts with what `people` holds: the notice version agreed to and an evaluation consent given
    op.execute(
        "INSERT INTO consents (person_id, version, purpose, agreed_at)"
        " SELECT id, consent_version, 'privacy', consent_at FROM people"
    )
    op.execute(
        "INSERT INTO consents (person_id, version, purpose, agreed_at)"
        " SELECT id, consent_version, 'evaluation', COALESCE(evaluation_consent_at, consent_at) FROM people"
        " WHERE evaluation_consent = TRUE"
    )


def downgrade() -> None:
    op.drop_column("people", "last_seen_at")
    op.drop_index(op.f("ix_consents_person_id"), table_name="consents")
    op.drop_table("consents")

"""people.evaluation_consent_at: since when the evaluation answer holds (shown in /privacy)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_consent_at", models.db.UTCDateTime(timezone=True), nullable=True))
    # people who answered before this column existed did so during registration, right after consenting
    op.execute("UPDATE people SET evaluation_consent_at = consent_at WHERE evaluation_consent IS NOT NULL")


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild `people`, which the analysts' views forbid
    op.drop_column("people", "evaluation_consent_at")

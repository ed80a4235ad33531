"""backup_runs: the outcome of every backup, so the daily job and /healthz survive restarts

Revision ID: 0005_backups
Revises: 0004
Create Date: 2026-11-30 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0005_backups"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_backup_runs_started_at"), "backup_runs", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_backup_runs_started_at"), table_name="backup_runs")
    op.drop_table("backup_runs")

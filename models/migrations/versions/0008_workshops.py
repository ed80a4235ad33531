"""workshops (the Demografie-Werkstätten whose results are imported) and ideas.workshop_id

Revision ID: 0008_workshops
Revises: 0007_evaluation
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0008_workshops"
down_revision: str | None = "0007_evaluation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("town", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    # a plain ADD COLUMN (no batch mode: the analysts' views forbid rebuilding `ideas`); SQLite takes the
    # REFERENCES clause inline (without ON DELETE, which its reflection would not read back), PostgreSQL gets a
    # named constraint. Workshops are never deleted.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE ideas ADD COLUMN workshop_id INTEGER REFERENCES workshops (id)")
    else:
        op.add_column("ideas", sa.Column("workshop_id", sa.Integer(), nullable=True))
        op.create_foreign_key("ideas_workshop_id_fkey", "ideas", "workshops", ["workshop_id"], ["id"])
    op.create_index(op.f("ix_ideas_workshop_id"), "ideas", ["workshop_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ideas_workshop_id"), table_name="ideas")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ideas_workshop_id_fkey", "ideas", type_="foreignkey")
    op.drop_column("ideas", "workshop_id")
    op.drop_table("workshops")

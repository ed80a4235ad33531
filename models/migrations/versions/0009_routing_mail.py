"""route_notes (a town's question and the project's reply), idea_routes.reply/replied_at, outbox.message_id

Revision ID: 0009_routing_mail
Revises: 0008_views
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0009_routing_mail"
down_revision: str | None = "0008_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idea_routes", sa.Column("reply", sa.Text(), nullable=True))
    op.add_column("idea_routes", sa.Column("replied_at", models.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("idea_routes", sa.Column("answered_contact", sa.String(length=254), nullable=True))
    op.add_column("outbox", sa.Column("message_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "route_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["route_id"], ["idea_routes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_route_notes_route_id"), "route_notes", ["route_id"], unique=False)
    op.create_index(op.f("ix_route_notes_person_id"), "route_notes", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_route_notes_person_id"), table_name="route_notes")
    op.drop_index(op.f("ix_route_notes_route_id"), table_name="route_notes")
    op.drop_table("route_notes")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("message_id")
    with op.batch_alter_table("idea_routes") as batch:
        batch.drop_column("answered_contact")
        batch.drop_column("replied_at")
        batch.drop_column("reply")

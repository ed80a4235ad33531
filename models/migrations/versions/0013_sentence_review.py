"""sentence review: the project manager releases or leaves out each survey sentence before it leaves the project

Revision ID: 0013_sentence_review
Revises: 0012_member_contacts
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db

revision: str = "0013_sentence_review"
down_revision: str | None = "0012_member_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_answers") as batch:
        batch.add_column(sa.Column("comment_review", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("comment_reviewed_at", models.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_answers") as batch:
        batch.drop_column("comment_reviewed_at")
        batch.drop_column("comment_review")

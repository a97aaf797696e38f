"""Segments: saved condition groups.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:06:26.998504
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "condition_group",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("priority", sa.Double(), nullable=False),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_segments_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "segment_id", name=op.f("pk_segments")),
    )
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.create_index("uq_segments_name", ["account_id", "entity_id", "name"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_index("uq_segments_name")

    op.drop_table("segments")

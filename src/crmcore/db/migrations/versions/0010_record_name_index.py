"""An index for the full-text search's exact-name tier: lower(name) per entity, newest first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_records_entity_name",
        "records",
        [
            "account_id",
            "entity_id",
            "is_deleted",
            sa.text("lower(name)"),
            "date_created",
            "record_id",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_records_entity_name", table_name="records")

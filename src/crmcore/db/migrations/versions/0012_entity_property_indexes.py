"""``entities.properties_indexed``: whether an entity's properties have PostgreSQL indexes of
their own. New entities start without (their records are few and the entity index serves them);
servers index an entity once it reaches ``CRMCORE_PROPERTY_INDEXES_MIN_RECORDS`` records.

Existing entities are marked indexed: an upgrade keeps every index it finds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("properties_indexed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(sa.text("UPDATE entities SET properties_indexed = true"))


def downgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("properties_indexed")

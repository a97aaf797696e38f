"""``entities.properties_indexed``: whether an entity's properties have PostgreSQL indexes of
their own. New entities start without (their records are few and the entity index serves them);
servers index an entity once it reaches ``CRMCORE_PROPERTY_INDEXES_MIN_RECORDS`` records.

Existing entities holding at least 10,000 live records (the setting's default) are marked
indexed and keep their indexes; servers drop the property indexes of the others, whose records
the entity index finds quickly, and index them again once they grow.

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

#: The default of CRMCORE_PROPERTY_INDEXES_MIN_RECORDS when this was written (a migration does
#: not read settings); a server set lower indexes more entities at its first check.
_LARGE = 10_000


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("properties_indexed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        sa.text(
            "UPDATE entities SET properties_indexed = true WHERE EXISTS (SELECT 1 FROM ("
            "SELECT account_id, entity_id FROM records WHERE is_deleted = false "
            "GROUP BY account_id, entity_id HAVING count(*) >= :least) AS large "
            "WHERE large.account_id = entities.account_id "
            "AND large.entity_id = entities.entity_id)"
        ).bindparams(least=_LARGE)
    )


def downgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("properties_indexed")

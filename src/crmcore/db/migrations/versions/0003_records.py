"""Record logs, the records list index, and (PostgreSQL) a GIN index over record values.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:38:32.578381
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_logs",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("log_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=14), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "log_id", name=op.f("pk_record_logs")),
    )
    with op.batch_alter_table("record_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_logs_account_id_record_id_log_id"),
            ["account_id", "record_id", "log_id"],
            unique=False,
        )

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_entity_created",
            ["account_id", "entity_id", "is_deleted", "date_created", "record_id"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_records_data_gin",
            "records",
            ["data"],
            postgresql_using="gin",
            postgresql_ops={"data": "jsonb_path_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_records_data_gin", table_name="records")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_entity_created")

    with op.batch_alter_table("record_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_logs_account_id_record_id_log_id"))

    op.drop_table("record_logs")

"""Properties, property groups and the records table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:22:09.212174
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "properties",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("property_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=63), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("field_type", sa.String(length=20), nullable=False),
        sa.Column("property_group_id", sa.String(length=32), nullable=True),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_masked", sa.Boolean(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_properties_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "property_id", name=op.f("pk_properties")),
    )
    with op.batch_alter_table("properties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_properties_account_id_entity_id_date_created"),
            ["account_id", "entity_id", "date_created"],
            unique=False,
        )
        batch_op.create_index(
            "uq_properties_live_key",
            ["account_id", "entity_id", "key"],
            unique=True,
            postgresql_where=sa.text("is_deleted = false AND key IS NOT NULL"),
            sqlite_where=sa.text("is_deleted = false AND key IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_properties_live_name",
            ["account_id", "entity_id", "name"],
            unique=True,
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )

    op.create_table(
        "property_groups",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("property_group_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.Double(), nullable=False),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_property_groups_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "property_group_id", name=op.f("pk_property_groups")),
    )
    with op.batch_alter_table("property_groups", schema=None) as batch_op:
        batch_op.create_index(
            "uq_property_groups_name", ["account_id", "entity_id", "name"], unique=True
        )

    op.create_table(
        "records",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.String(length=14), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(length=14), nullable=True),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_records_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "record_id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_records_account_id_entity_id_is_deleted_record_id"),
            ["account_id", "entity_id", "is_deleted", "record_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_account_id_entity_id_is_deleted_record_id"))

    op.drop_table("records")
    with op.batch_alter_table("property_groups", schema=None) as batch_op:
        batch_op.drop_index("uq_property_groups_name")

    op.drop_table("property_groups")
    with op.batch_alter_table("properties", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_properties_live_name",
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )
        batch_op.drop_index(
            "uq_properties_live_key",
            postgresql_where=sa.text("is_deleted = false AND key IS NOT NULL"),
            sqlite_where=sa.text("is_deleted = false AND key IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_properties_account_id_entity_id_date_created"))

    op.drop_table("properties")

"""Relationship types and relationships.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:52:17.915212
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "relationship_types",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("relationship_type_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_entity_id", sa.String(length=32), nullable=False),
        sa.Column("target_entity_id", sa.String(length=32), nullable=False),
        sa.Column("source_label", sa.String(length=100), nullable=True),
        sa.Column("target_label", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "source_entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_relationship_types_account_id_source_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "target_entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_relationship_types_account_id_target_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "relationship_type_id", name=op.f("pk_relationship_types")
        ),
    )
    with op.batch_alter_table("relationship_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relationship_types_account_id_source_entity_id"),
            ["account_id", "source_entity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_relationship_types_account_id_target_entity_id"),
            ["account_id", "target_entity_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_relationship_types_name",
            ["account_id", "workspace_id", "name", "source_entity_id", "target_entity_id"],
            unique=True,
        )

    op.create_table(
        "relationships",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("relationship_id", sa.String(length=32), nullable=False),
        sa.Column("relationship_type_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("source_entity_id", sa.String(length=32), nullable=False),
        sa.Column("source_record_id", sa.String(length=32), nullable=False),
        sa.Column("target_entity_id", sa.String(length=32), nullable=False),
        sa.Column("target_record_id", sa.String(length=32), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "relationship_type_id"],
            ["relationship_types.account_id", "relationship_types.relationship_type_id"],
            name="fk_relationships_type",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "source_record_id"],
            ["records.account_id", "records.record_id"],
            name=op.f("fk_relationships_account_id_source_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "target_record_id"],
            ["records.account_id", "records.record_id"],
            name=op.f("fk_relationships_account_id_target_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "relationship_id", name=op.f("pk_relationships")),
    )
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_relationships_created",
            ["account_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_relationships_source_entity",
            ["account_id", "source_entity_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_relationships_source_record",
            ["account_id", "source_record_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_relationships_target_entity",
            ["account_id", "target_entity_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_relationships_target_record",
            ["account_id", "target_record_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_relationships_type",
            ["account_id", "relationship_type_id", "date_created", "relationship_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_relationships_pair",
            ["account_id", "relationship_type_id", "source_record_id", "target_record_id"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index("uq_relationships_pair")
        batch_op.drop_index("ix_relationships_type")
        batch_op.drop_index("ix_relationships_target_record")
        batch_op.drop_index("ix_relationships_target_entity")
        batch_op.drop_index("ix_relationships_source_record")
        batch_op.drop_index("ix_relationships_source_entity")
        batch_op.drop_index("ix_relationships_created")

    op.drop_table("relationships")
    with op.batch_alter_table("relationship_types", schema=None) as batch_op:
        batch_op.drop_index("uq_relationship_types_name")
        batch_op.drop_index(batch_op.f("ix_relationship_types_account_id_target_entity_id"))
        batch_op.drop_index(batch_op.f("ix_relationship_types_account_id_source_entity_id"))

    op.drop_table("relationship_types")

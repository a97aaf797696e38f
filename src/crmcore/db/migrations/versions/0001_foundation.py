"""Foundation: accounts, members, API keys, the replay store and entities.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:07:27.601606
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "limit_overrides",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("plan_started_at", UtcDateTime(), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "used_signatures",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "signature", name=op.f("pk_used_signatures")),
    )
    with op.batch_alter_table("used_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_signatures_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "entities",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "property_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "view_settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "insight_widgets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("record_access", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=14), nullable=False),
        sa.Column("priority", sa.Double(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(length=14), nullable=True),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_entities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "entity_id", name=op.f("pk_entities")),
        sa.UniqueConstraint(
            "account_id",
            "workspace_id",
            "slug",
            name=op.f("uq_entities_account_id_workspace_id_slug"),
        ),
    )
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entities_account_id_workspace_id_is_deleted_priority"),
            ["account_id", "workspace_id", "is_deleted", "priority"],
            unique=False,
        )

    op.create_table(
        "members",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=14), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "member_id", name=op.f("pk_members")),
    )
    op.create_table(
        "api_keys",
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=14), nullable=False),
        sa.Column("secret_encrypted", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_revoked", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id", "member_id"],
            ["members.account_id", "members.member_id"],
            name=op.f("fk_api_keys_account_id_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_account_id_member_id"),
            ["account_id", "member_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_account_id_member_id"))

    op.drop_table("api_keys")
    op.drop_table("members")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entities_account_id_workspace_id_is_deleted_priority"))

    op.drop_table("entities")
    with op.batch_alter_table("used_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_signatures_expires_at"))

    op.drop_table("used_signatures")
    op.drop_table("accounts")

"""PostgreSQL: a trigram index over lower(records.name) for the full-text name search.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:45:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    # pg_trgm ships with PostgreSQL but creating it may need rights the role lacks: then the
    # search still works, only without this index.
    savepoint = connection.begin_nested()
    try:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except DBAPIError:
        savepoint.rollback()
        return
    connection.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_records_name_trgm "
            "ON records USING gin (lower(name) gin_trgm_ops)"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_records_name_trgm")

"""PostgreSQL: the GIN indexes over record values and name trigrams become per entity, built by
the servers for large entities only (like the property indexes, ``properties/indexing.py``).

The GINs over all records cost every imported or created row about 22 µs of index work
(docs/decisions.md). Where no entity is large yet they are dropped here. Elsewhere they stay
until the servers have built the large entities' own GINs (their filters and searches need one
of the two), and the servers drop them then.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:10:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHARED_GINS = ("ix_records_data_gin", "ix_records_name_trgm")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    if connection.scalar(text("SELECT 1 FROM entities WHERE properties_indexed LIMIT 1")):
        return
    for name in _SHARED_GINS:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    # The servers of the earlier version neither use nor drop the per-entity GINs.
    names = connection.scalars(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'records'::regclass AND c.relname ~ '^ix_r[vt]_[0-9a-f]{24}$'"
        )
    ).all()
    for name in names:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_records_data_gin ON records USING gin (data jsonb_path_ops)"
    )
    if connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_records_name_trgm "
            "ON records USING gin (lower(name) gin_trgm_ops)"
        )

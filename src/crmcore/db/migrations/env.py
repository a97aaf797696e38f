"""Alembic environment: one chain for SQLite and PostgreSQL."""

from typing import Any

from alembic import context
from sqlalchemy import Connection

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.models import Base

config = context.config
UNMANAGED_INDEXES = ("ix_rp_", "ix_records_name_trgm")
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    dialect = connection.dialect.name

    def include_object(
        item: Any, name: str | None, kind: str, reflected: bool, _compare_to: Any
    ) -> bool:
        # Indexes made outside the metadata: one per sortable property (properties/indexing.py)
        # and the optional trigram index of migration 0005.
        if kind == "index" and reflected and name and name.startswith(UNMANAGED_INDEXES):
            return False
        # Objects that exist on one database only (e.g. PostgreSQL's GIN index) say so in info.
        dialects = getattr(item, "info", {}).get("dialects")
        return dialects is None or dialect in dialects

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    settings = Settings(database_url=url) if url else Settings()
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


run_migrations_online()

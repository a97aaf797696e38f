"""Alembic environment: one chain for SQLite and PostgreSQL."""

from typing import Any

from alembic import context
from sqlalchemy import Connection

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.models import Base

config = context.config
UNMANAGED_INDEXES = ("ix_rp_", "ix_rv_", "ix_rt_", "ix_records_data_gin", "ix_records_name_trgm")
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    dialect = connection.dialect.name

    def include_object(
        item: Any, name: str | None, kind: str, reflected: bool, _compare_to: Any
    ) -> bool:
        # Indexes made outside the metadata: those of large entities (properties/indexing.py),
        # and the GINs over all records that migration 0013 leaves to the servers to drop.
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
    if dialect != "sqlite":
        with context.begin_transaction():
            context.run_migrations()
        return
    # Batch mode rebuilds a SQLite table by copy, drop and rename: with foreign keys on, dropping
    # a parent table (entities) would cascade-delete the rows of its children (records). The
    # pragma is a no-op inside a transaction, so it is set on the driver's connection before the
    # migrations begin (SQLAlchemy would open one: crmcore's engine begins IMMEDIATE).
    driver = connection.connection.driver_connection
    assert driver is not None
    assert not connection.in_transaction()
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migrations left rows without their parent: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


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

"""Run the migration chain on a fresh SQLite file and a fresh PostgreSQL database, then check that
the models and the migrations agree (``alembic check``). Used by scripts/test.sh."""

import os
import tempfile
import uuid
import warnings
from pathlib import Path

import psycopg
from alembic import command

from crmcore.config import Settings
from crmcore.db.migrate import alembic_config, upgrade


def _check(settings: Settings) -> None:
    upgrade(settings)
    # Expression indexes (lower(name)) are created by the migrations; Alembic cannot compare them.
    warnings.filterwarnings("ignore", message=".*expression-based index")
    command.check(alembic_config(settings))


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        sqlite = Settings(database_url=f"sqlite:///{Path(directory) / 'check.db'}", secret_key="x")
        _check(sqlite)
        print(  # noqa: T201 - a script's report
            "sqlite: upgrade head + check ok"
        )
    admin = os.environ.get("CRMCORE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"crmcore_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        _check(Settings(database_url=admin.rsplit("/", 1)[0] + "/" + name, secret_key="x"))
        print(  # noqa: T201 - a script's report
            "postgresql: upgrade head + check ok"
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

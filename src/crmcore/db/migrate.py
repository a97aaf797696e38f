"""Running the migration chain from code (the CLI, the server start, the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from crmcore.config import Settings
from crmcore.db.dialect import migration_lock
from crmcore.db.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings) -> None:
    config = alembic_config(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection, migration_lock(connection):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()

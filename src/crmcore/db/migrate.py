"""Running the migration chain from code (the CLI, the server start, the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from crmcore.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings) -> None:
    command.upgrade(alembic_config(settings), "head")

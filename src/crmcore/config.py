"""Settings, read from ``CRMCORE_*`` environment variables. The only reader of the environment."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_FILE = "crmcore.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRMCORE_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_FILE}",
        description="sqlite:///path/to/file.db (default: crmcore.db here) or postgresql://...",
    )
    secret_key: str | None = Field(
        default=None,
        description="Encrypts API secrets at rest. Generated into a file beside the database "
        "(or the working directory) when unset.",
    )
    redis_url: str | None = Field(default=None, description="Optional: replay store in Redis.")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    signature_skew_seconds: int = Field(default=15 * 60, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    purge_interval_seconds: int = Field(
        default=3600, ge=0, description="How often each server sweeps expired trash; 0 = never"
    )
    log_level: str = "INFO"
    log_json: bool = False

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with an explicit driver: psycopg 3 for PostgreSQL."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def secret_key_file(self) -> Path:
        """Where a generated key lives: beside the SQLite file, else the working directory."""
        if self.is_sqlite:
            path = self.sqlalchemy_url.split("///", 1)[-1]
            if path and path != ":memory:":
                db_file = Path(path)
                return db_file.with_name(db_file.name + ".secret")
        return Path("crmcore.secret")

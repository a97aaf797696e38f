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
    files_dir: Path | None = Field(
        default=None,
        description="Where uploaded files, import uploads and export results are stored. "
        "Default: a 'crmcore-files' directory beside the SQLite file (or the working directory).",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL put in signed download links (e.g. https://crm.example.com). "
        "Default: the URL the request came in on.",
    )
    file_url_ttl_seconds: int = Field(default=3600, ge=1, description="Lifetime of a file link")
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="Per record file")
    import_max_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1, description="Largest import file (CSV or XLSX)"
    )
    import_max_rows: int = Field(default=1_000_000, ge=1, description="Most data rows per import")
    import_batch_rows: int = Field(
        default=2000,
        ge=1,
        le=100_000,
        description="Rows an import commits at once (a crash loses no more than one batch's work)",
    )
    import_writers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="PostgreSQL: batches of one import written side by side, each on its own "
        "connection (they still commit in file order)",
    )
    property_indexes_min_records: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL: an entity's properties get indexes of their own once it holds "
        "this many records (0: from its first property). Below it, the entity index serves "
        "its queries, and no write pays for indexes nobody needs",
    )
    property_index_check_seconds: int = Field(
        default=60,
        ge=0,
        description="PostgreSQL: how often each server looks for entities that reached "
        "property_indexes_min_records (0: only at start-up and after imports)",
    )
    export_sync_max: int = Field(
        default=10_000, ge=0, description="Exports up to this many records answer at once"
    )
    job_workers: int = Field(
        default=1, ge=0, description="Import/export job threads per server process (0 = none)"
    )
    job_lease_seconds: int = Field(
        default=60,
        ge=1,
        description="A job whose worker stops reporting for this long (e.g. a killed server) "
        "is taken over by another worker",
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
    def files_root(self) -> Path:
        if self.files_dir is not None:
            return self.files_dir
        return self._beside_database("crmcore-files")

    @property
    def secret_key_file(self) -> Path:
        """Where a generated key lives: beside the SQLite file, else the working directory."""
        return self._beside_database(".secret", suffix=True)

    def _beside_database(self, name: str, *, suffix: bool = False) -> Path:
        """``name`` next to the SQLite file (``crmcore.db`` + ``name`` when ``suffix``), else in
        the working directory (``crmcore`` + ``name`` when ``suffix``)."""
        if self.is_sqlite:
            path = self.sqlalchemy_url.split("///", 1)[-1]
            if path and path != ":memory:":
                db_file = Path(path)
                return db_file.with_name(db_file.name + name if suffix else name)
        return Path("crmcore" + name if suffix else name)

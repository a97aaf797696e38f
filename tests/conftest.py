"""Fixtures: every test runs against SQLite and PostgreSQL, each on a database of its own."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.migrate import upgrade
from crmcore.db.session import make_session_factory
from tests.builders import Tenant, TenantFactory

PG_ADMIN_URL = os.environ.get(
    "CRMCORE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET_KEY = "test-secret-key-for-encrypting-api-secrets"
BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _pg_admin(statement: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(Settings(database_url=f"sqlite:///{path}", secret_key=TEST_SECRET_KEY))
    return path


@pytest.fixture(scope="session")
def postgresql_template() -> Iterator[str]:
    name = f"crmcore_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    upgrade(Settings(database_url=_pg_url(name), secret_key=TEST_SECRET_KEY))
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A freshly migrated, empty database of the requested kind, for this test alone."""
    files = tmp_path / "files"
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "crmcore.db"
        shutil.copyfile(template, path)
        yield Settings(
            database_url=f"sqlite:///{path}", secret_key=TEST_SECRET_KEY, files_dir=files
        )
        return
    template_name: str = request.getfixturevalue("postgresql_template")
    name = f"crmcore_t_{uuid.uuid4().hex[:16]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield Settings(database_url=_pg_url(name), secret_key=TEST_SECRET_KEY, files_dir=files)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's database, beside the app (to set up or inspect what it cannot)."""
    engine = make_engine(settings)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenants(settings: Settings, client: TestClient) -> Iterator[TenantFactory]:
    factory = TenantFactory(settings, client)
    yield factory
    factory.close()


@pytest.fixture
def owner(tenants: TenantFactory) -> Tenant:
    """An ENTERPRISE account's OWNER."""
    return tenants.account()

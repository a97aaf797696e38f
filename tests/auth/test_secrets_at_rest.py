"""API secrets are stored encrypted: the plain secret is nowhere in the database."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from crmcore.config import Settings
from crmcore.kernel.secrets import SecretBox
from tests.builders import Tenant, TenantFactory
from tests.conftest import TEST_SECRET_KEY


@pytest.fixture
def raw_engine(settings: Settings) -> Iterator[Engine]:
    """A plain SQLAlchemy engine: none of crmcore's session machinery."""
    engine = create_engine(settings.sqlalchemy_url)
    try:
        yield engine
    finally:
        engine.dispose()


def api_key_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM api_keys"))
        return [dict(row._mapping) for row in result]


def every_value(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, text of value) for every non-null value of every table."""
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            for row in result:
                for column, value in row._mapping.items():
                    if value is not None:
                        found.append((table, str(column), str(value)))
    return found


def test_plain_secret_is_not_stored_in_api_keys(owner: Tenant, raw_engine: Engine) -> None:
    rows = api_key_rows(raw_engine)
    assert [row["api_key"] for row in rows] == [owner.api_key]
    for row in rows:
        for column, value in row.items():
            assert owner.api_secret not in str(value), column
            assert owner.api_secret.lower() not in str(value).lower(), column


def test_stored_secret_decrypts_with_the_server_key(owner: Tenant, raw_engine: Engine) -> None:
    (row,) = api_key_rows(raw_engine)
    stored = row["secret_encrypted"]
    assert isinstance(stored, str)
    assert stored != owner.api_secret
    assert SecretBox(TEST_SECRET_KEY).decrypt(stored) == owner.api_secret
    assert SecretBox("some-other-server-key").decrypt(stored) is None


def test_no_plain_secret_anywhere_in_the_database(
    owner: Tenant, tenants: TenantFactory, raw_engine: Engine
) -> None:
    colleague = owner.member()
    other = tenants.account()
    # Signed requests write replay records and, here, an entity: still no secret at rest.
    assert owner.post("/entities", json={"name": "Deals", "slug": "deals"}).status_code == 200
    assert colleague.get("/entities").status_code == 200
    assert other.get("/entities").status_code == 200
    values = every_value(raw_engine)
    assert {table for table, _, _ in values} >= {"accounts", "members", "api_keys"}
    for tenant in (owner, colleague, other):
        leaks = [(table, column) for table, column, value in values if tenant.api_secret in value]
        assert leaks == []


def test_each_key_is_encrypted_separately(owner: Tenant, raw_engine: Engine) -> None:
    colleague = owner.member()
    rows = {row["api_key"]: row["secret_encrypted"] for row in api_key_rows(raw_engine)}
    assert set(rows) == {owner.api_key, colleague.api_key}
    assert rows[owner.api_key] != rows[colleague.api_key]
    box = SecretBox(TEST_SECRET_KEY)
    assert box.decrypt(rows[owner.api_key]) == owner.api_secret
    assert box.decrypt(rows[colleague.api_key]) == colleague.api_secret


def test_same_secret_encrypts_differently_each_time() -> None:
    box = SecretBox(TEST_SECRET_KEY)
    first, second = box.encrypt("S" * 32), box.encrypt("S" * 32)
    assert first != second
    assert "S" * 32 not in first
    assert box.decrypt(first) == box.decrypt(second) == "S" * 32


def test_tampered_ciphertext_does_not_decrypt() -> None:
    box = SecretBox(TEST_SECRET_KEY)
    token = box.encrypt("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert box.decrypt(flipped) is None

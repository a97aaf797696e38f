"""PostgreSQL: every sortable property gets a partial expression index that the record queries
actually use (checked with EXPLAIN), built after commit without blocking writes."""

import time

import pytest
from sqlalchemy import text

from crmcore.config import Settings
from crmcore.db.dialect import property_index_name
from crmcore.db.engine import make_engine
from tests.builders import Tenant
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add

pytestmark = pytest.mark.parametrize("settings", ["postgresql"], indirect=True)


def _indexes(settings: Settings) -> set[str]:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            names = connection.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'records'")
            )
            return set(names)
    finally:
        engine.dispose()


def _wait_for(settings: Settings, name: str, present: bool) -> None:
    deadline = time.monotonic() + 20
    while (name in _indexes(settings)) is not present:
        assert time.monotonic() < deadline, f"index {name} present={not present} after 20 s"
        time.sleep(0.1)


def test_property_indexes_follow_the_property_lifecycle(owner: Tenant, settings: Settings) -> None:
    entity_id = create(owner, "deals")["entityId"]
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    tags = add(owner, entity_id, "Labels", "MULTI_CHECKBOX")["propertyId"]
    name = property_index_name(owner.account_id, amount)
    _wait_for(settings, name, present=True)
    assert property_index_name(owner.account_id, tags) not in _indexes(settings)
    owner.delete(f"/properties/{amount}").raise_for_status()
    _wait_for(settings, name, present=False)


def test_sorted_search_uses_the_property_index(owner: Tenant, settings: Settings) -> None:
    entity_id = create(owner, "deals")["entityId"]
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    _wait_for(settings, property_index_name(owner.account_id, amount), present=True)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                connection.scalars(
                    text(
                        "EXPLAIN SELECT record_id FROM records WHERE account_id = :a "
                        "AND workspace_id = '' AND entity_id = :e AND is_deleted = false "
                        "AND (data -> :p) > to_jsonb(10) ORDER BY (data -> :p), record_id LIMIT 50"
                    ),
                    {"a": owner.account_id, "e": entity_id, "p": amount},
                )
            )
    finally:
        engine.dispose()
    assert property_index_name(owner.account_id, amount) in plan

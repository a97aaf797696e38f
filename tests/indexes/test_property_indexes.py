"""PostgreSQL: every sortable property of an indexed entity gets a partial expression index that
the record queries actually use (checked with EXPLAIN of the SQL the server sends), built after
commit without blocking writes; so do the entity's GINs (equality filters, the full-text search's
contains tier); the full-text search's exact tier walks the name index.

These tests index every entity at once (``property_indexes_min_records=0``); when an entity
becomes indexed is tested in ``test_indexed_entities.py``."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.dialect import (
    TRIGRAM_INDEX,
    VALUES_INDEX,
    entity_index_name,
    property_index_name,
)
from crmcore.db.engine import make_engine
from tests.builders import Tenant, TenantFactory, new_record
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add

pytestmark = pytest.mark.parametrize("settings", ["postgresql"], indirect=True)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    indexed_at_once = settings.model_copy(update={"property_indexes_min_records": 0})
    with TestClient(create_app(indexed_at_once), raise_server_exceptions=False) as test_client:
        yield test_client


def indexes_of_records(settings: Settings) -> set[str]:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            names = connection.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'records'")
            )
            return set(names)
    finally:
        engine.dispose()


def wait_for(settings: Settings, name: str, present: bool) -> None:
    deadline = time.monotonic() + 20
    while (name in indexes_of_records(settings)) is not present:
        assert time.monotonic() < deadline, f"index {name} present={not present} after 20 s"
        time.sleep(0.1)


def test_property_indexes_follow_the_property_lifecycle(owner: Tenant, settings: Settings) -> None:
    entity_id = create(owner, "deals")["entityId"]
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    tags = add(owner, entity_id, "Labels", "MULTI_CHECKBOX")["propertyId"]
    name = property_index_name(owner.account_id, amount)
    wait_for(settings, name, present=True)
    assert property_index_name(owner.account_id, tags) not in indexes_of_records(settings)
    owner.delete(f"/properties/{amount}").raise_for_status()
    wait_for(settings, name, present=False)


def index_valid(settings: Settings, name: str) -> bool | None:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            valid: bool | None = connection.scalar(
                text(
                    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE c.relname = :name"
                ),
                {"name": name},
            )
            return valid
    finally:
        engine.dispose()


def test_an_index_left_invalid_by_a_failed_build_is_rebuilt(
    owner: Tenant, settings: Settings
) -> None:
    """CREATE INDEX CONCURRENTLY that fails half-way leaves an INVALID index of that name, which
    IF NOT EXISTS would keep forever; the reconciliation at start-up replaces it."""
    entity_id = create(owner, "deals")["entityId"]
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    name = property_index_name(owner.account_id, amount)
    wait_for(settings, name, present=True)
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:  # what a failed build leaves behind
            connection.execute(
                text(
                    "UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                    "(SELECT oid FROM pg_class WHERE relname = :name)"
                ),
                {"name": name},
            )
    finally:
        engine.dispose()
    assert index_valid(settings, name) is False
    owner.client.app.state.indexes.reconcile()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 20
    while index_valid(settings, name) is not True:
        assert time.monotonic() < deadline, f"index {name} still invalid after 20 s"
        time.sleep(0.1)


def _statements_of(tenant: Tenant, method: str, path: str, **request: Any) -> list[tuple[str, Any]]:
    """The record queries the server sends for one request (the app runs in this process)."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM records" in statement and "ORDER BY" in statement:
            sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        response = tenant.request(method, path, **request)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    return sent


@pytest.mark.parametrize("field_type", ["NUMBER", "DATE", "TEXT"])
def test_sorted_search_uses_the_property_index(
    owner: Tenant, settings: Settings, field_type: str
) -> None:
    """The exact SQL of a range condition + sort on a property walks that property's index."""
    entity_id = create(owner, "deals")["entityId"]
    prop = add(owner, entity_id, "Value", field_type)["propertyId"]
    wait_for(settings, property_index_name(owner.account_id, prop), present=True)
    body: dict[str, Any] = {"entityId": entity_id, "sortFields": [f"-data.{prop}"]}
    low = {"NUMBER": 10, "DATE": "2026-01-01"}.get(field_type)
    if low is not None:
        body["conditionGroup"] = {
            "operator": "AND",
            "conditions": [{"field": f"data.{prop}", "operator": "gt", "value": low}],
        }
    sent = _statements_of(owner, "POST", "/records/search/advanced", json=body)
    assert sent, "no sorted record query was sent"
    for plan in _plans(settings, sent):
        assert property_index_name(owner.account_id, prop) in plan, plan
        # The index gives the order: no sort of the matches (the whole entity at scale).
        assert "Sort" not in plan, plan


def test_exact_name_tier_of_the_fulltext_search_walks_the_name_index(
    owner: Tenant, settings: Settings
) -> None:
    """Not the trigram index: it would fetch every record whose name shares q's trigrams."""
    entity_id = create(owner, "deals")["entityId"]
    path = f"/records/search/fulltext/{entity_id}"
    sent = _statements_of(owner, "GET", path, params={"q": "Alpha"})
    exact = [(sql, params) for sql, params in sent if "lower(records.name) = " in sql]
    assert len(exact) == 1, sent
    [plan] = _plans(settings, exact)
    assert "ix_records_entity_name" in plan, plan
    assert "Sort" not in plan, plan


def test_an_equality_filter_uses_the_entitys_values_index(
    owner: Tenant, tenants: TenantFactory, settings: Settings
) -> None:
    entity_id = create(owner, "deals")["entityId"]
    stage = add(owner, entity_id, "Stage", "TEXT")["propertyId"]
    values_index = entity_index_name(VALUES_INDEX, owner.account_id, entity_id)
    wait_for(settings, values_index, present=True)
    # Enough records that reading the few matches beats reading the whole entity.
    tenants.insert_blank_records(owner, entity_id, 2000)
    for _ in range(3):
        tenants.insert_record(owner, entity_id, {stage: "Won"})
    _analyze(settings)
    condition = {"field": f"data.{stage}", "operator": "eq", "value": "Won"}
    body = {"entityId": entity_id, "conditionGroup": {"operator": "AND", "conditions": [condition]}}
    sent = _statements_of(owner, "POST", "/records/search/advanced", json=body)
    [plan] = _plans(settings, sent, bitmaps_only=True)
    assert values_index in plan, plan


def test_the_contains_tier_of_the_fulltext_search_uses_the_entitys_trigram_index(
    owner: Tenant, tenants: TenantFactory, settings: Settings
) -> None:
    entity_id = create(owner, "deals")["entityId"]
    add(owner, entity_id, "Stage", "TEXT")  # the worker looks at an entity when it changes
    trigram_index = entity_index_name(TRIGRAM_INDEX, owner.account_id, entity_id)
    wait_for(settings, trigram_index, present=True)
    tenants.insert_blank_records(owner, entity_id, 2000)
    new_record(owner, entity_id, name="Alphabet")
    _analyze(settings)
    path = f"/records/search/fulltext/{entity_id}"
    sent = _statements_of(owner, "GET", path, params={"q": "lphab"})
    contains = [(sql, params) for sql, params in sent if "lower(records.name) NOT LIKE" in sql]
    assert len(contains) == 1, sent
    [plan] = _plans(settings, contains, bitmaps_only=True)
    assert trigram_index in plan, plan


def _analyze(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE records"))
    finally:
        engine.dispose()


def _plans(
    settings: Settings, sent: list[tuple[str, Any]], *, bitmaps_only: bool = False
) -> list[str]:
    """EXPLAIN of each statement with its parameters, sequential scans priced out (the tables
    of a test are tiny); ``bitmaps_only``: index scans too, so that a GIN (which only bitmap
    scans read) is not outpriced by walking a B-tree over a handful of rows."""
    plans = []
    engine = make_engine(settings)
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SET enable_seqscan = off")
            if bitmaps_only:
                cursor.execute("SET enable_indexscan = off")
            for statement, parameters in sent:
                cursor.execute("EXPLAIN " + statement, parameters)
                plans.append("\n".join(str(row[0]) for row in cursor.fetchall()))
        finally:
            connection.close()
    finally:
        engine.dispose()
    return plans

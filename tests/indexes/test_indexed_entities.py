"""Which entities get per-property indexes: those that hold ``property_indexes_min_records``
records. A small entity's writes pay for no index of its own; once it grows, its properties get
their indexes (at the periodic check, at once for a property added later, after an import),
and an entity being imported into is left alone until its import ends."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.dialect import (
    TRIGRAM_INDEX,
    VALUES_INDEX,
    entity_index_name,
    property_index_name,
)
from crmcore.db.engine import make_engine
from crmcore.db.migrate import alembic_config
from crmcore.properties.indexing import IndexMaintainer
from tests.builders import Tenant, TenantFactory, body_of, new_record
from tests.entities.test_entities_create_get import create
from tests.imports.helpers import csv_bytes, upload
from tests.imports.helpers import wait_for as wait_for_job
from tests.indexes.test_property_indexes import index_valid, indexes_of_records, wait_for
from tests.properties.test_properties_api import add

on_postgresql = pytest.mark.parametrize("settings", ["postgresql"], indirect=True)


@contextmanager
def serving(settings: Settings, **changes: Any) -> Iterator[tuple[Tenant, IndexMaintainer]]:
    """An account on a server started with these settings, and that server's index worker."""
    changed = settings.model_copy(update=changes)
    with TestClient(create_app(changed), raise_server_exceptions=False) as client:
        factory = TenantFactory(changed, client)
        try:
            yield factory.account(), client.app.state.indexes  # type: ignore[attr-defined]
        finally:
            factory.close()


def _gins_of(account_id: str, entity_id: str) -> list[str]:
    return [entity_index_name(p, account_id, entity_id) for p in (VALUES_INDEX, TRIGRAM_INDEX)]


def _indexed(settings: Settings, account_id: str, entity_id: str) -> bool:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT properties_indexed FROM entities "
                        "WHERE account_id = :account AND entity_id = :entity"
                    ),
                    {"account": account_id, "entity": entity_id},
                )
            )
    finally:
        engine.dispose()


@on_postgresql
def test_an_entity_gets_its_property_indexes_once_it_holds_enough_records(
    settings: Settings,
) -> None:
    with serving(settings, property_indexes_min_records=3, property_index_check_seconds=0) as (
        owner,
        indexes,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        for value in (1, 2):
            new_record(owner, entity_id, data={amount: value})
        indexes.reconcile()  # what the periodic check does
        assert indexes.settled(20)
        own_indexes = {
            property_index_name(owner.account_id, amount),
            *_gins_of(owner.account_id, entity_id),
        }
        assert not own_indexes & indexes_of_records(settings)
        assert not _indexed(settings, owner.account_id, entity_id)

        new_record(owner, entity_id, data={amount: 3})
        indexes.reconcile()
        assert indexes.settled(60)
        assert own_indexes <= indexes_of_records(settings)
        assert _indexed(settings, owner.account_id, entity_id)

        # Indexed for good: a property added later gets its index at once, no check needed.
        closing = add(owner, entity_id, "Closing", "DATE")["propertyId"]
        wait_for(settings, property_index_name(owner.account_id, closing), present=True)
        # The account's other, small entity stays without.
        other = str(create(owner, "notes")["entityId"])
        note = add(owner, other, "Words", "TEXT")["propertyId"]
        assert indexes.settled(20)
        found = indexes_of_records(settings)
        assert property_index_name(owner.account_id, note) not in found
        assert not set(_gins_of(owner.account_id, other)) & found


@on_postgresql
def test_the_periodic_check_finds_an_entity_that_grew(settings: Settings) -> None:
    with serving(settings, property_indexes_min_records=2, property_index_check_seconds=1) as (
        owner,
        _,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        new_record(owner, entity_id, data={amount: 1})
        new_record(owner, entity_id, data={amount: 2})
        wait_for(settings, property_index_name(owner.account_id, amount), present=True)


@on_postgresql
def test_trashed_records_do_not_count(settings: Settings) -> None:
    with serving(settings, property_indexes_min_records=2, property_index_check_seconds=0) as (
        owner,
        indexes,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        new_record(owner, entity_id)
        trashed = new_record(owner, entity_id)
        body_of(owner.delete(f"/records/{trashed}"))
        indexes.reconcile()
        assert indexes.settled(20)
        assert property_index_name(owner.account_id, amount) not in indexes_of_records(settings)


@on_postgresql
def test_an_import_indexes_its_entity_when_it_ends_and_not_before(settings: Settings) -> None:
    rows = [["Name", "Amount"], *([f"Deal {i}", str(i)] for i in range(5))]
    with serving(settings, property_indexes_min_records=3, property_index_check_seconds=0) as (
        owner,
        indexes,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        job = body_of(upload(owner, "", csv_bytes(rows), entityId=entity_id))["jobId"]
        assert wait_for_job(owner, job)["created"] == 5
        wait_for(settings, property_index_name(owner.account_id, amount), present=True)

    # While an import into an entity has not ended, the checks leave that entity alone.
    with serving(
        settings,
        property_indexes_min_records=3,
        property_index_check_seconds=0,
        job_workers=0,  # the import stays pending
    ) as (owner, indexes):
        entity_id = str(create(owner, "deals")["entityId"])
        amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        for value in (1, 2, 3):
            new_record(owner, entity_id, data={amount: value})
        body_of(upload(owner, "", csv_bytes(rows), entityId=entity_id))
        indexes.reconcile()
        assert indexes.settled(20)
        assert property_index_name(owner.account_id, amount) not in indexes_of_records(settings)
        assert not _indexed(settings, owner.account_id, entity_id)


def test_migration_0012_marks_the_large_entities_it_finds_indexed(settings: Settings) -> None:
    """Large entities keep their indexes through the upgrade; small ones (trashed records do
    not count) and those created later start unindexed."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        factory = TenantFactory(settings, client)
        owner = factory.account()
        large = str(create(owner, "deals")["entityId"])
        small = str(create(owner, "notes")["entityId"])
        factory.insert_blank_records(owner, large, 10_000)
        factory.insert_blank_records(owner, small, 9_999)
        factory.insert_record(owner, small, {}, trashed=True)
        factory.close()
    config = alembic_config(settings)
    command.downgrade(config, "0011")
    command.upgrade(config, "head")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        factory = TenantFactory(settings, client)
        later = str(create(factory.account(), "deals")["entityId"])
        factory.close()
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            flags: dict[str, Any] = dict(
                connection.execute(text("SELECT entity_id, properties_indexed FROM entities")).all()
            )
    finally:
        engine.dispose()
    assert flags == {large: True, small: False, later: False}


def _unmark_every_entity(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE entities SET properties_indexed = false"))
    finally:
        engine.dispose()


@on_postgresql
def test_a_small_entitys_property_indexes_are_dropped(settings: Settings) -> None:
    """As after the upgrade: indexes of an entity that is not indexed go, so that its writes
    and everybody's planning stop paying for them."""
    with serving(settings, property_indexes_min_records=0, property_index_check_seconds=0) as (
        owner,
        indexes,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        name = property_index_name(
            owner.account_id, add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
        )
        wait_for(settings, name, present=True)
        _unmark_every_entity(settings)
        indexes.reconcile()  # min_records=0 marks it again, and keeps the index
        assert indexes.settled(30)
        assert name in indexes_of_records(settings)

    with serving(settings, property_indexes_min_records=5, property_index_check_seconds=0) as (
        _,
        indexes,
    ):
        _unmark_every_entity(settings)
        indexes.reconcile()
        assert indexes.settled(30)
        assert name not in indexes_of_records(settings)


@on_postgresql
def test_two_servers_reconciling_at_once_build_without_deadlocks(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Every server process reconciles at start-up and periodically, so two often find the same
    indexes missing at the same moment; the builds must queue, not deadlock and retry."""
    with serving(settings, property_indexes_min_records=0, property_index_check_seconds=0) as (
        owner,
        first,
    ):
        entity_id = str(create(owner, "deals")["entityId"])
        names = [
            property_index_name(
                owner.account_id, add(owner, entity_id, f"V{i}", "NUMBER")["propertyId"]
            )
            for i in range(4)
        ]
        assert first.settled(60)
        engine = make_engine(settings)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in names:  # as after an upgrade that dropped them
                connection.execute(text(f"DROP INDEX {name}"))
        second = IndexMaintainer(engine, min_records=0)
        try:
            with caplog.at_level(logging.WARNING, logger="crmcore.properties.indexing"):
                first.reconcile()
                second.reconcile()
                assert first.settled(120)
                assert second.settled(120)
            assert [record.getMessage() for record in caplog.records] == []
        finally:
            second.close()
            engine.dispose()
        for name in names:
            assert index_valid(settings, name) is True


@on_postgresql
def test_the_indexes_of_an_entity_deleted_for_good_are_dropped(settings: Settings) -> None:
    """Left behind, each would cost every insert into records a predicate check forever."""
    with serving(settings, property_indexes_min_records=0, property_index_check_seconds=0) as (
        owner,
        indexes,
    ):
        gone = str(create(owner, "deals")["entityId"])
        kept = str(create(owner, "notes")["entityId"])
        gone_index = property_index_name(
            owner.account_id, add(owner, gone, "A", "NUMBER")["propertyId"]
        )
        kept_index = property_index_name(
            owner.account_id, add(owner, kept, "B", "NUMBER")["propertyId"]
        )
        wait_for(settings, gone_index, present=True)
        wait_for(settings, kept_index, present=True)
        body_of(owner.delete(f"/entities/{gone}", params={"permanent": "true"}))
        indexes.reconcile()
        assert indexes.settled(30)
        found = indexes_of_records(settings)
        assert gone_index not in found
        assert not set(_gins_of(owner.account_id, gone)) & found
        assert kept_index in found
        assert set(_gins_of(owner.account_id, kept)) <= found
        assert "ix_records_entity_created" in found  # only large entities' indexes are dropped


_SHARED_GINS = {"ix_records_data_gin", "ix_records_name_trgm"}


@on_postgresql
def test_migration_0013_replaces_the_gins_over_all_records_with_the_entities_own(
    settings: Settings,
) -> None:
    """Where no entity is large the migration drops the shared GINs at once; elsewhere the large
    entities' filters and searches need them until the servers have built their own."""
    with serving(settings, property_indexes_min_records=3, property_index_check_seconds=0) as (
        owner,
        _,
    ):
        large = str(create(owner, "deals")["entityId"])
    config = alembic_config(settings)
    command.downgrade(config, "0012")
    assert indexes_of_records(settings) >= _SHARED_GINS
    command.upgrade(config, "head")
    assert not _SHARED_GINS & indexes_of_records(settings)

    command.downgrade(config, "0012")
    _set_indexed(settings, large)
    command.upgrade(config, "head")
    assert indexes_of_records(settings) >= _SHARED_GINS
    with serving(settings, property_indexes_min_records=3, property_index_check_seconds=0) as (
        _,
        indexes,
    ):
        indexes.reconcile()  # what each server does at start-up
        assert indexes.settled(60)
    found = indexes_of_records(settings)
    assert set(_gins_of(owner.account_id, large)) <= found
    assert not _SHARED_GINS & found


def _set_indexed(settings: Settings, entity_id: str) -> None:
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE entities SET properties_indexed = true WHERE entity_id = :entity"),
                {"entity": entity_id},
            )
    finally:
        engine.dispose()

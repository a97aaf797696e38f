"""Values are stored under short per-property data keys: never reused, and migrated both ways."""

import dataclasses
import json
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.migrate import alembic_config
from tests.builders import Tenant, TenantFactory, body_of, new_record
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import STAGES, add


def test_a_new_property_never_sees_a_deleted_propertys_values(
    owner: Tenant, tenants: TenantFactory
) -> None:
    entity_id = str(create(owner, "deals")["entityId"])
    gone = add(owner, entity_id, "Note")["propertyId"]
    record = new_record(owner, entity_id, data={gone: "kept hidden"})
    assert body_of(owner.delete(f"/properties/{gone}"))["propertyId"] == gone
    fresh = add(owner, entity_id, "Note")["propertyId"]

    assert body_of(owner.get(f"/records/{record}"))["data"] == {}
    filters = json.dumps({f"data.{fresh}": {"op": "isNotEmpty"}})
    listed = owner.get("/records", params={"entityId": entity_id, "filters": filters})
    assert body_of(listed)["data"] == []
    assert tenants.record_data(owner.account_id, record) == {gone: "kept hidden"}
    updated = owner.patch(f"/records/{record}", json={"data": {fresh: "new"}})
    assert body_of(updated)["data"] == {fresh: "new"}
    assert tenants.record_data(owner.account_id, record) == {gone: "kept hidden", fresh: "new"}


def _stored(settings: Settings, record_id: str) -> dict[str, Any]:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            data = connection.scalar(
                text("SELECT data FROM records WHERE record_id = :r"), {"r": record_id}
            )
    finally:
        engine.dispose()
    return data if isinstance(data, dict) else json.loads(data)


def test_migration_0011_moves_values_to_data_keys_and_back(settings: Settings) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as first:
        factory = TenantFactory(settings, first)
        owner = factory.account()
        entity_id = str(create(owner, "deals")["entityId"])
        ids = {
            kind: add(owner, entity_id, kind.title(), kind, **extra)["propertyId"]
            for kind, extra in [
                ("TEXT", {}),
                ("NUMBER", {}),
                ("CHECKBOX", {}),
                ("DROPDOWN", {"options": STAGES}),
                ("MULTI_CHECKBOX", {"options": STAGES}),
            ]
        }
        values = {
            ids["TEXT"]: "Acme",
            ids["NUMBER"]: 12.5,
            ids["CHECKBOX"]: True,
            ids["DROPDOWN"]: "LEAD",
            ids["MULTI_CHECKBOX"]: ["LEAD", "CLOSED_WON"],
        }
        full = new_record(owner, entity_id, name="full", data=values)
        empty = new_record(owner, entity_id, name="empty")
        body_of(owner.delete(f"/properties/{ids['TEXT']}"))
        shown = body_of(owner.get(f"/records/{full}"))["data"]
        factory.close()

    config = alembic_config(settings)
    command.downgrade(config, "0010")
    assert _stored(settings, full) == values  # property IDs again, types intact
    assert _stored(settings, empty) == {}
    command.upgrade(config, "head")
    assert set(_stored(settings, full)) == {"1", "2", "3", "4", "5"}

    with TestClient(create_app(settings), raise_server_exceptions=False) as second:
        factory = TenantFactory(settings, second)
        again = dataclasses.replace(owner, client=second, factory=factory)
        assert body_of(again.get(f"/records/{full}"))["data"] == shown
        assert factory.record_data(owner.account_id, full) == values
        number = json.dumps({f"data.{ids['NUMBER']}": {"op": "gte", "value": 12}})
        found = again.get("/records", params={"entityId": entity_id, "filters": number})
        assert [item["recordId"] for item in body_of(found)["data"]] == [full]
        later = add(again, entity_id, "Later")["propertyId"]
        record = new_record(again, entity_id, data={later: "x"})
        assert set(_stored(settings, record)) == {"6"}  # after every key issued before
        factory.close()

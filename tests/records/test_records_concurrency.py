"""Many concurrent clients on two real server processes: records quotas, merges, trash moves
and their logs hold exactly (PostgreSQL only: SQLite serialises every write transaction)."""

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.models import RecordLog
from crmcore.models.account import PlanTier
from tests.builders import Tenant, TenantFactory, body_of
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.racing import Answer, Call, flat, race, statuses, two_servers
from tests.records.test_records_crud import new_record, set_records_max
from tests.relationships.helpers import insert_records

CLIENTS = 16
pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.parametrize(
        "settings", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
    ),
]


def _all_ids(tenant: Tenant, path: str, **params: Any) -> list[str]:
    """Every record ID of a paginated list (``/records`` or ``/records/trash``), in order."""
    found: list[str] = []
    params = {"limit": 200, **params}
    while True:
        page = body_of(tenant.get(path, params=params))
        found += [item["recordId"] for item in page["data"]]
        if "nextKey" not in page:
            return found
        params = {**params, "startKey": page["nextKey"]}


def _stored_logs(settings: Settings, account_id: str) -> Counter[tuple[str, str]]:
    """How many log entries each (recordId, action) has, straight from the table."""
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            rows = session.execute(
                select(RecordLog.record_id, RecordLog.action, func.count())
                .where(RecordLog.account_id == account_id)
                .group_by(RecordLog.record_id, RecordLog.action)
            ).all()
    finally:
        engine.dispose()
    return Counter({(str(record_id), str(action)): int(n) for record_id, action, n in rows})


def _logs(tenant: Tenant, record_id: str) -> list[dict[str, Any]]:
    params = {"includeDeleted": "true", "limit": 200}
    entries: list[dict[str, Any]] = body_of(
        tenant.get(f"/records/{record_id}/logs", params=params)
    )["data"]
    return entries


def _trashed(tenant: Tenant, record_id: str) -> dict[str, Any]:
    record: dict[str, Any] = body_of(
        tenant.get(f"/records/{record_id}", params={"includeDeleted": "true"})
    )
    return record


def test_concurrent_creates_fill_the_free_slots_exactly(
    settings: Settings, tenants: TenantFactory
) -> None:
    free = tenants.account(PlanTier.FREE)
    limit, existing = 8, 3
    set_records_max(settings, free.account_id, limit)
    entity = str(create(free, "deals")["entityId"])
    before = [new_record(free, entity, name=f"pre{i}")["recordId"] for i in range(existing)]
    scripts = [
        [Call("POST", "/records", {"entityId": entity, "name": f"race{i}"})] for i in range(CLIENTS)
    ]
    with two_servers(settings) as urls:
        answers = flat(race(urls, free, scripts))

    free_slots = limit - existing
    assert statuses(answers) == Counter({200: free_slots, 403: CLIENTS - free_slots})
    full = {
        "errorCode": "PlanQuotaExceeded",
        "errorMessage": f"Maximum records per account: {limit}/{limit}",
    }
    assert [a.body for a in answers if a.status == 403] == [full] * (CLIENTS - free_slots)
    created = {a.body["recordId"] for a in answers if a.status == 200}
    assert len(created) == free_slots
    assert tenants.count_records(free.account_id) == limit
    assert set(_all_ids(free, "/records", entityId=entity)) == set(before) | created
    assert body_of(free.get("/plans/me"))["usage"]["records.max"] == limit
    logs = _stored_logs(settings, free.account_id)
    assert Counter(action for _record, action in logs.elements()) == Counter({"CREATE": limit})


def test_concurrent_partial_updates_of_different_keys_lose_nothing(
    settings: Settings, owner: Tenant
) -> None:
    entity = str(create(owner, "deals")["entityId"])
    keep = str(add(owner, entity, "Kept")["propertyId"])
    props = [str(add(owner, entity, f"P{i}")["propertyId"]) for i in range(CLIENTS)]
    record = new_record(owner, entity, name="shared", data={keep: "untouched"})
    record_id = record["recordId"]
    scripts = [
        [Call("PATCH", f"/records/{record_id}", {"data": {prop: f"v{i}"}})]
        for i, prop in enumerate(props)
    ]
    with two_servers(settings) as urls:
        answers = flat(race(urls, owner, scripts))

    final = body_of(owner.get(f"/records/{record_id}"))
    entries = _logs(owner, record_id)
    lost = [f"v{i}" for i, prop in enumerate(props) if final["data"].get(prop) != f"v{i}"]
    # Every invariant at once first, so that a failure shows all the evidence.
    assert {
        "statuses": statuses(answers),
        "lost updates": lost,
        "log actions": Counter(e["action"] for e in entries),
    } == {
        "statuses": Counter({200: CLIENTS}),
        "lost updates": [],
        "log actions": Counter({"UPDATE": CLIENTS, "CREATE": 1}),
    }
    for i, (prop, answer) in enumerate(zip(props, answers, strict=True)):
        assert answer.body["data"][prop] == f"v{i}"
        assert answer.body["data"][keep] == "untouched"
    expected = {keep: "untouched", **{prop: f"v{i}" for i, prop in enumerate(props)}}
    assert final["data"] == expected
    assert final["name"] == "shared"
    updates = sorted(
        (change["field"], change["before"], change["after"])
        for entry in entries
        if entry["action"] == "UPDATE"
        for change in entry["changes"]
    )
    assert updates == sorted((f"data.{prop}", None, f"v{i}") for i, prop in enumerate(props))


def test_overlapping_bulk_deletes_then_restores_move_each_record_once(
    settings: Settings, owner: Tenant
) -> None:
    entity = str(create(owner, "deals")["entityId"])
    ids = insert_records(settings, owner, entity, [f"r{i:03d}" for i in range(100)])
    # Eight windows of 30 records, each overlapping the next by 20: their union is all 100.
    size = 30
    windows = [ids[10 * i : 10 * i + size] for i in range(8)]
    assert set().union(*windows) == set(ids)
    deletes = [[Call("POST", "/records/bulk/delete", {"recordIds": w})] for w in windows]
    restores = [[Call("POST", "/records/bulk/restore", {"recordIds": w})] for w in windows]
    with two_servers(settings) as urls:
        deleted = flat(race(urls, owner, deletes))
        trash_after_delete = _all_ids(owner, "/records/trash", entityId=entity)
        live_after_delete = _all_ids(owner, "/records", entityId=entity)
        logs_after_delete = _stored_logs(settings, owner.account_id)
        restored = flat(race(urls, owner, restores))
    trash_after_restore = _all_ids(owner, "/records/trash")
    live_after_restore = _all_ids(owner, "/records", entityId=entity)
    logs = _stored_logs(settings, owner.account_id)

    def entries_per_record(found: Counter[tuple[str, str]], action: str) -> Counter[int]:
        """How many records have 0, 1, 2... log entries of ``action``."""
        return Counter(found[(record_id, action)] for record_id in ids)

    def total(answers: list[Answer], key: str) -> int:
        return sum(int(a.body.get(key, 0)) for a in answers)

    # Every invariant at once first, so that a failure shows all the evidence: each record is
    # trashed by exactly one request, then restored by exactly one request.
    assert {
        "delete statuses": statuses(deleted),
        "deleted, all requests": total(deleted, "deleted"),
        "skipped, all requests": total(deleted, "skipped"),
        "in the trash after the deletes": len(trash_after_delete),
        "listed after the deletes": len(live_after_delete),
        "records by their number of DELETE entries": entries_per_record(logs, "DELETE"),
        "restore statuses": statuses(restored),
        "restored, all requests": total(restored, "restored"),
        "skipped by restores, all requests": total(restored, "skipped"),
        "in the trash after the restores": len(trash_after_restore),
        "listed after the restores": len(live_after_restore),
        "records by their number of RESTORE entries": entries_per_record(logs, "RESTORE"),
    } == {
        "delete statuses": Counter({200: len(windows)}),
        "deleted, all requests": len(ids),
        "skipped, all requests": size * len(windows) - len(ids),
        "in the trash after the deletes": len(ids),
        "listed after the deletes": 0,
        "records by their number of DELETE entries": Counter({1: len(ids)}),
        "restore statuses": Counter({200: len(windows)}),
        "restored, all requests": len(ids),
        "skipped by restores, all requests": size * len(windows) - len(ids),
        "in the trash after the restores": 0,
        "listed after the restores": len(ids),
        "records by their number of RESTORE entries": Counter({1: len(ids)}),
    }, (
        f"deleted per request {[a.body.get('deleted') for a in deleted]}, "
        f"restored per request {[a.body.get('restored') for a in restored]}"
    )
    for answer in deleted:
        count = answer.body["deleted"]
        assert answer.body == {"deleted": count, "skipped": size - count, "permanent": False}
    for answer in restored:
        count = answer.body["restored"]
        assert answer.body == {"restored": count, "skipped": size - count}
    assert sorted(trash_after_delete) == sorted(ids)
    assert logs_after_delete == Counter({(r, "DELETE"): 1 for r in ids})
    assert sorted(live_after_restore) == sorted(ids)
    assert logs == Counter({(r, a): 1 for r in ids for a in ("DELETE", "RESTORE")})
    for record_id in ids[::33]:
        assert [e["action"] for e in _logs(owner, record_id)] == ["RESTORE", "DELETE"]
        assert body_of(owner.get(f"/records/{record_id}"))["isDeleted"] is False


def test_concurrent_deletes_and_updates_of_the_same_records_stay_consistent(
    settings: Settings, owner: Tenant
) -> None:
    entity = str(create(owner, "deals")["entityId"])
    prop = str(add(owner, entity, "City")["propertyId"])
    ids = insert_records(settings, owner, entity, [f"r{i:02d}" for i in range(32)])
    doomed, spared = ids[::2], ids[1::2]  # the even ones are trashed, all of them updated
    value = {record_id: f"u{j}" for j, record_id in enumerate(ids)}
    half = CLIENTS // 2

    def update_of(record_id: str) -> Call:
        return Call("PATCH", f"/records/{record_id}", {"data": {prop: value[record_id]}})

    # Eight deleters and eight updaters: each doomed record is trashed by one deleter, every
    # record is updated by one updater. Deleter i trashes doomed[2i] first and doomed[2i+1]
    # second (in a bulk delete); updater i updates doomed[2i+1] first and doomed[2i] third:
    # both orders race.
    deleters = [
        [
            Call("DELETE", f"/records/{doomed[2 * i]}"),
            Call("POST", "/records/bulk/delete", {"recordIds": [doomed[2 * i + 1]]}),
        ]
        for i in range(half)
    ]
    updaters = [
        [
            update_of(doomed[2 * i + 1]),
            update_of(spared[2 * i]),
            update_of(doomed[2 * i]),
            update_of(spared[2 * i + 1]),
        ]
        for i in range(half)
    ]
    # Each server gets four deleters and four updaters.
    scripts = [
        script
        for i in range(half)
        for script in ((deleters[i], updaters[i]) if i % 2 else (updaters[i], deleters[i]))
    ]
    with two_servers(settings) as urls:
        answers = flat(race(urls, owner, scripts))

    # Never a 5xx; every refusal is a 4xx with the SOLAPI error body.
    assert not [a for a in answers if a.status >= 500], [
        (a.call.method, a.status, a.body) for a in answers if a.status >= 500
    ]
    for answer in answers:
        if answer.status != 200:
            assert 400 <= answer.status < 500
            assert set(answer.body) == {"errorCode", "errorMessage"}, answer.body
    # Nobody else deletes a doomed record: each delete succeeds, and counts it once.
    single = [a for a in answers if a.call.method == "DELETE"]
    bulk = [a for a in answers if a.call.path == "/records/bulk/delete"]
    assert statuses(single) == Counter({200: half})
    assert statuses(bulk) == Counter({200: half})
    assert sum(a.body["deleted"] for a in bulk) == half
    assert sum(a.body["skipped"] for a in bulk) == 0
    # An update answers 200 (it ran first) or 404 (the record was already in the trash).
    patches = {a.call.path.rsplit("/", 1)[1]: a for a in answers if a.call.method == "PATCH"}
    for record_id in spared:
        assert patches[record_id].status == 200, patches[record_id].body
    for record_id in doomed:
        patch = patches[record_id]
        assert patch.status in (200, 404), patch.body
        if patch.status == 404:
            assert patch.body["errorCode"] == "ResourceNotFound"

    live = _all_ids(owner, "/records", entityId=entity)
    assert sorted(live) == sorted(spared)
    assert sorted(_all_ids(owner, "/records/trash", entityId=entity)) == sorted(doomed)
    listed = {
        item["recordId"]: item
        for item in body_of(owner.get("/records", params={"entityId": entity, "limit": 200}))[
            "data"
        ]
    }
    logs = _stored_logs(settings, owner.account_id)
    for record_id in ids:
        updated = patches[record_id].status == 200
        if record_id in spared:
            assert listed[record_id]["data"] == {prop: value[record_id]}
            assert listed[record_id]["isDeleted"] is False
        else:
            trashed = _trashed(owner, record_id)
            assert trashed["isDeleted"] is True
            # An update answered 200 happened before the delete: the trash keeps its value.
            assert trashed["data"] == ({prop: value[record_id]} if updated else {})
            assert logs[(record_id, "DELETE")] == 1
        assert logs[(record_id, "UPDATE")] == (1 if updated else 0)
    assert sum(n for (_r, action), n in logs.items() if action == "DELETE") == len(doomed)

"""Read-modify-write races outside records: many concurrent clients on two real server processes
change the same rows, and no change is lost, nothing succeeds twice, nothing answers a 500.

PostgreSQL only (SQLite serialises every write transaction). The two servers and their database
are shared by the tests of this module; each test works in an account of its own.
"""

import random
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crmcore.app import create_app
from crmcore.config import Settings
from tests.builders import Tenant, TenantFactory, body_of
from tests.conftest import TEST_SECRET_KEY, _pg_admin, _pg_url
from tests.racing import Answer, Call, client, flat, race, send, statuses, two_servers
from tests.relationships.helpers import insert_records

pytestmark = [pytest.mark.concurrency, pytest.mark.postgresql]

CLIENTS = 16


# --- two servers on one database, shared by the module ----------------------------------------


@dataclass(frozen=True)
class Stage:
    settings: Settings
    tenants: TenantFactory
    urls: list[str]

    def owner(self) -> Tenant:
        """The OWNER of a new ENTERPRISE account (each test works in one of its own)."""
        return self.tenants.account()


@pytest.fixture(scope="module")
def stage(postgresql_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    name = f"crmcore_lu_{uuid.uuid4().hex[:16]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgresql_template}"')
    files: Path = tmp_path_factory.mktemp("lost-updates") / "files"
    settings = Settings(database_url=_pg_url(name), secret_key=TEST_SECRET_KEY, files_dir=files)
    try:
        with (
            TestClient(create_app(settings), raise_server_exceptions=False) as client,
            two_servers(settings) as urls,
        ):
            tenants = TenantFactory(settings, client)
            try:
                yield Stage(settings, tenants, urls)
            finally:
                tenants.close()
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _failures(answers: Sequence[Answer]) -> list[tuple[str, str, int, Any]]:
    return [(a.call.method, a.call.path, a.status, a.body) for a in answers if a.status != 200]


def _on_each_server(stage: Stage, tenant: Tenant, call: Call) -> list[Answer]:
    """The same call sent to each server process in turn."""
    answers = []
    for url in stage.urls:
        with client(url) as http:
            answers.append(send(http, tenant, call))
    return answers


# --- builders ----------------------------------------------------------------------------------


def _entity(tenant: Tenant, slug: str) -> str:
    body = body_of(tenant.post("/entities", json={"name": slug.title(), "slug": slug}))
    return str(body["entityId"])


def _property(tenant: Tenant, entity_id: str, name: str, field_type: str = "TEXT") -> str:
    body: dict[str, Any] = {"entityId": entity_id, "name": name, "fieldType": field_type}
    if field_type == "DROPDOWN":
        body["options"] = [
            {"label": value.title(), "value": value, "priority": index}
            for index, value in enumerate(["open", "won", "lost"])
        ]
    return str(body_of(tenant.post("/properties", json=body))["propertyId"])


def _entity_of(tenant: Tenant, entity_id: str) -> dict[str, Any]:
    found: dict[str, Any] = body_of(tenant.get(f"/entities/{entity_id}"))
    return found


def _records(tenant: Tenant, entity_id: str) -> dict[str, dict[str, Any]]:
    """Every live record of the entity, by ID."""
    found: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"entityId": entity_id, "limit": 200}
    while True:
        page = body_of(tenant.get("/records", params=params))
        found.update((item["recordId"], item) for item in page["data"])
        if "nextKey" not in page:
            return found
        params = {**params, "startKey": page["nextKey"]}


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        body = {key: body}
    return body


def _at(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path``; ``None`` when it is absent (unset optional keys are omitted)."""
    value: Any = document
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


# --- entities: viewSettings is deep-merged (entities-properties §3.2) --------------------------


def test_concurrent_view_settings_patches_of_different_keys_lose_nothing(stage: Stage) -> None:
    owner = stage.owner()
    entity = _entity(owner, "deals")
    n1, n2 = (_property(owner, entity, f"N{i}", "NUMBER") for i in (1, 2))
    d1, d2 = (_property(owner, entity, f"D{i}", "DATE") for i in (1, 2))
    c1, c2 = (_property(owner, entity, f"C{i}", "DROPDOWN") for i in (1, 2))
    t1 = _property(owner, entity, "T1")
    rounds = 4
    # One key per client; consecutive values differ, so that every PATCH changes something.
    keys: list[tuple[tuple[str, ...], list[Any]]] = [
        (("mode",), ["BOARD", "CALENDAR", "TABLE", "BOARD"]),
        (("table", "pageSize"), [10, 20, 30, 40]),
        (("board", "aggregationType"), ["AVG", "MIN", "MAX", "COUNT"]),
        (("board", "sortOrder"), ["DESC", "ASC", "DESC", "ASC"]),
        (("board", "dealRotting", "enabled"), [False, True, False, True]),
        (("board", "dealRotting", "days"), [1, 2, 3, 4]),
        (("board", "sumPropertyId"), [n1, n2, n1, n2]),
        (("board", "weightPropertyId"), [n2, n1, n2, n1]),
        (("board", "sortByPropertyId"), [t1, n1, d1, c1]),
        (("board", "groupByPropertyId"), [c1, c2, c1, c2]),
        (("calendar", "datePropertyId"), [d1, d2, d1, d2]),
        (("calendar", "titlePropertyId"), [t1, n2, d2, c2]),
        (("calendar", "colorPropertyId"), [c1, c2, c1, c2]),
    ]
    # The other clients change other fields of the same entity.
    others: list[tuple[str, list[Any]]] = [
        ("name", [f"Deals {i}" for i in range(rounds)]),
        ("description", [f"About deals, take {i}" for i in range(rounds)]),
        ("insightWidgets", [[{"widgetId": f"w{i}", "type": "METRIC"}] for i in range(rounds)]),
    ]
    assert len(keys) + len(others) == CLIENTS
    path = f"/entities/{entity}"
    scripts = [
        [Call("PATCH", path, {"viewSettings": _nested(key, value)}) for value in values]
        for key, values in keys
    ] + [[Call("PATCH", path, {field: value}) for value in values] for field, values in others]
    answers = race(stage.urls, owner, scripts)

    final = _entity_of(owner, entity)
    lost = {
        ".".join(key): {"sent last": values[-1], "stored": _at(final["viewSettings"], key)}
        for key, values in keys
        if _at(final["viewSettings"], key) != values[-1]
    }
    assert {"failures": _failures(flat(answers)), "lost viewSettings keys": lost} == {
        "failures": [],
        "lost viewSettings keys": {},
    }
    for (key, values), script in zip(keys, answers[: len(keys)], strict=True):
        for value, answer in zip(values, script, strict=True):
            assert _at(answer.body["viewSettings"], key) == value
    assert final["name"] == others[0][1][-1]
    assert final["description"] == others[1][1][-1]
    assert final["insightWidgets"] == others[2][1][-1]
    assert final["viewSettings"]["board"]["closedWonValues"] == []
    assert final["viewSettings"]["board"]["closedLostValues"] == []


# --- properties: propertyIds and the schema every process caches (§3.8, §6.3, §6.6) -----------


def _created(answers: Sequence[Answer]) -> list[str]:
    """The IDs of the properties that single and bulk creates answered."""
    return [
        item["propertyId"]
        for answer in answers
        if answer.status == 200 and answer.call.method == "POST"
        for item in (answer.body if isinstance(answer.body, list) else [answer.body])
    ]


def _creates(entity: str, names: Sequence[str], bulk: Sequence[Sequence[str]]) -> list[list[Call]]:
    """One client per single create (P3) and per bulk create (P4) of TEXT properties."""

    def item(name: str) -> dict[str, Any]:
        return {"entityId": entity, "name": name, "fieldType": "TEXT"}

    return [[Call("POST", "/properties", item(name))] for name in names] + [
        [Call("POST", "/properties/bulk", {"properties": [item(name) for name in batch]})]
        for batch in bulk
    ]


def test_concurrent_property_changes_keep_property_ids_and_every_schema_whole(
    stage: Stage,
) -> None:
    owner = stage.owner()
    entity = _entity(owner, "deals")
    kept = [_property(owner, entity, f"Kept{i}") for i in range(4)]
    doomed = [_property(owner, entity, f"Doomed{i}") for i in range(6)]
    # Readers fill the schema cache of each process while the schema changes.
    readers = [[Call("GET", f"/records?entityId={entity}&limit=1")] * 12 for _ in range(4)]
    reorder = Call("PATCH", f"/entities/{entity}", {"propertyIds": kept[::-1]})
    # First creates only (each appends to propertyIds), with two column reorders...
    first = _creates(
        entity, [f"New{i}" for i in range(8)], [["BulkA0", "BulkA1"], ["BulkB0", "BulkB1"]]
    )
    first += [[reorder]] * 2 + readers
    # ... then deletes (each removes its ID) racing more creates.
    second = [[Call("DELETE", f"/properties/{p}")] for p in doomed]
    second += _creates(entity, [f"Late{i}" for i in range(6)], []) + readers
    assert len(first) == len(second) == CLIENTS
    answers_first = flat(race(stage.urls, owner, first))
    after_first = _entity_of(owner, entity)["propertyIds"]
    every_first = dict.fromkeys(kept + doomed + _created(answers_first), "x")
    writes_first = _on_each_server(
        stage, owner, Call("POST", "/records", {"entityId": entity, "data": every_first})
    )
    answers_second = flat(race(stage.urls, owner, second))

    created_first, created = _created(answers_first), _created(answers_first + answers_second)
    live = [p["propertyId"] for p in body_of(owner.get("/properties", params={"entityId": entity}))]
    column_order = _entity_of(owner, entity)["propertyIds"]
    # Every process must know every live property, and no deleted one, once the races are over.
    everything = dict.fromkeys(live, "x")
    writes = _on_each_server(
        stage, owner, Call("POST", "/records", {"entityId": entity, "data": everything})
    )
    stale = {doomed[0]: "x"}
    stale_writes = _on_each_server(
        stage, owner, Call("POST", "/records", {"entityId": entity, "data": stale})
    )
    assert {
        "failures, creates and reorders": _failures(answers_first),
        "created but missing from propertyIds after them": sorted(
            set(kept + doomed + created_first) - set(after_first)
        ),
        "a write of every property after them, per server": [w.status for w in writes_first],
        "failures, deletes and creates": _failures(answers_second),
        "live but missing from propertyIds at the end": sorted(set(live) - set(column_order)),
        "deleted but in propertyIds at the end": sorted(set(column_order) - set(live)),
        "a write of every live property, per server": [w.status for w in writes],
        "a write of a deleted property, per server": [w.status for w in stale_writes],
    } == {
        "failures, creates and reorders": [],
        "created but missing from propertyIds after them": [],
        "a write of every property after them, per server": [200, 200],
        "failures, deletes and creates": [],
        "live but missing from propertyIds at the end": [],
        "deleted but in propertyIds at the end": [],
        "a write of every live property, per server": [200, 200],
        "a write of a deleted property, per server": [400, 400],
    }, [w.body for w in writes_first + writes]
    assert len(created) == 18
    assert sorted(live) == sorted(kept + created)
    assert column_order[: len(kept)] == kept[::-1]
    assert len(column_order) == len(live)
    for write in writes:
        assert write.body["data"] == everything


# --- properties: a fieldType change converts stored values (§8.3) -----------------------------


def test_a_field_type_change_loses_no_concurrent_record_update(stage: Stage) -> None:
    owner = stage.owner()
    entity = _entity(owner, "deals")
    amount = _property(owner, entity, "Amount", "NUMBER")
    note = _property(owner, entity, "Note")
    count = 1200
    ids = insert_records(
        stage.settings,
        owner,
        entity,
        [f"r{i:04d}" for i in range(count)],
        [{amount: i} for i in range(count)],
    )
    amounts = dict(zip(ids, range(count), strict=True))
    updaters = CLIENTS - 1
    per_updater = 20
    # Each updater writes the note of records spread over the whole entity.
    chosen = [ids[i::updaters][:per_updater] for i in range(updaters)]
    scripts = [[Call("PATCH", f"/properties/{amount}", {"fieldType": "TEXT"})]] + [
        [Call("PATCH", f"/records/{r}", {"data": {note: f"note of {r}"}}) for r in mine]
        for mine in chosen
    ]
    answers = flat(race(stage.urls, owner, scripts))

    records = _records(owner, entity)
    noted = [a.call.path.rsplit("/", 1)[1] for a in answers if a.call.path.startswith("/records")]
    lost = [r for r in noted if records[r]["data"].get(note) != f"note of {r}"]
    unconverted = [r for r in ids if records[r]["data"].get(amount) != str(amounts[r])]
    assert {
        "failures": _failures(answers),
        "record updates lost": len(lost),
        "values not converted": len(unconverted),
    } == {"failures": [], "record updates lost": 0, "values not converted": 0}, lost[:5]
    assert body_of(owner.get(f"/properties/{amount}"))["fieldType"] == "TEXT"
    assert len(noted) == updaters * per_updater


# --- entities: reorder renumbers the sidebar in one transaction (§4.9) ------------------------


def test_concurrent_reorders_leave_one_of_the_requested_orders(stage: Stage) -> None:
    owner = stage.owner()
    entities = [_entity(owner, f"e{i}") for i in range(8)]
    shuffler = random.Random(20260423)
    rounds = 3
    orders = [
        [shuffler.sample(entities, len(entities)) for _ in range(rounds)] for _ in range(CLIENTS)
    ]
    scripts = [
        [Call("POST", "/entities/reorder", {"entityIds": order}) for order in mine]
        for mine in orders
    ]
    answers = flat(race(stage.urls, owner, scripts))

    final = body_of(owner.get("/entities"))
    requested = {tuple(order) for mine in orders for order in mine}
    mixed = [
        [e["entityId"] for e in a.body]
        for a in answers
        if a.status == 200
        and tuple(e["entityId"] for e in a.body) != tuple(a.call.body["entityIds"])
    ]
    assert {
        "failures": _failures(answers),
        "answers not in their own order": len(mixed),
        "final order requested": tuple(e["entityId"] for e in final) in requested,
        "final priorities": [e["priority"] for e in final],
    } == {
        "failures": [],
        "answers not in their own order": 0,
        "final order requested": True,
        "final priorities": list(range(len(entities))),
    }


# --- "is it already X": trash, restore, property delete (§4.5, §4.7, §6.6) -------------------


def test_concurrent_trash_restore_and_property_delete_succeed_exactly_once(stage: Stage) -> None:
    owner = stage.owner()
    entities = [_entity(owner, f"t{i}") for i in range(2)]
    outcomes: dict[str, Counter[int]] = {}
    for entity in entities:
        trash = flat(race(stage.urls, owner, [[Call("DELETE", f"/entities/{entity}")]] * CLIENTS))
        outcomes[f"trash {entity}"] = statuses(trash)
        restore = flat(
            race(stage.urls, owner, [[Call("POST", f"/entities/{entity}/restore")]] * CLIENTS)
        )
        outcomes[f"restore {entity}"] = statuses(restore)
    props = [_property(owner, entities[0], f"P{i}") for i in range(2)]
    for prop in props:
        deleted = flat(race(stage.urls, owner, [[Call("DELETE", f"/properties/{prop}")]] * CLIENTS))
        outcomes[f"delete property {prop}"] = statuses(deleted)
    expected = {
        **{f"trash {e}": Counter({200: 1, 410: CLIENTS - 1}) for e in entities},
        **{f"restore {e}": Counter({200: 1, 400: CLIENTS - 1}) for e in entities},
        **{f"delete property {p}": Counter({200: 1, 410: CLIENTS - 1}) for p in props},
    }
    assert outcomes == expected


# --- an update racing a delete of the same object: 200 or 404, never a 500 --------------------


def test_updates_racing_deletes_answer_200_or_404(stage: Stage) -> None:
    owner = stage.owner()
    people, firms = _entity(owner, "people"), _entity(owner, "firms")
    pairs = CLIENTS // 2
    persons = insert_records(stage.settings, owner, people, [f"p{i}" for i in range(pairs)])
    firm = insert_records(stage.settings, owner, firms, ["acme"])[0]
    employment = body_of(
        owner.post(
            "/relationships/types",
            json={"name": "employment", "sourceEntityId": people, "targetEntityId": firms},
        )
    )["relationshipTypeId"]

    def activity(i: int) -> str:
        body = {"recordId": persons[i], "activityType": "NOTE", "subject": f"s{i}"}
        return str(body_of(owner.post("/activities", json=body))["activityId"])

    def link(i: int) -> str:
        body = {
            "relationshipTypeId": employment,
            "sourceEntityId": people,
            "sourceRecordId": persons[i],
            "targetEntityId": firms,
            "targetRecordId": firm,
        }
        return str(body_of(owner.post("/relationships", json=body))["relationshipId"])

    def group(i: int) -> str:
        body = {"entityId": people, "name": f"Group {i}"}
        return str(body_of(owner.post("/property-groups", json=body))["propertyGroupId"])

    def rtype(i: int) -> str:
        body = {"name": f"type {i}", "sourceEntityId": firms, "targetEntityId": people}
        return str(body_of(owner.post("/relationships/types", json=body))["relationshipTypeId"])

    def segment(i: int) -> str:
        body = {
            "entityId": people,
            "name": f"Segment {i}",
            "conditionGroup": {"operator": "AND", "conditions": []},
        }
        return str(body_of(owner.post("/segments", json=body))["segmentId"])

    kinds = {
        "activity": ("/activities/{}", activity, {"subject": "changed"}),
        "relationship": ("/relationships/{}", link, {"metadata": {"changed": True}}),
        "property group": ("/property-groups/{}", group, {"description": "changed"}),
        "relationship type": ("/relationships/types/{}", rtype, {"description": "changed"}),
        "segment": ("/segments/{}", segment, {"description": "changed"}),
    }
    problems: dict[str, list[tuple[str, str, int, Any]]] = {}
    for kind, (template, make, change) in kinds.items():
        paths = [template.format(make(i)) for i in range(pairs)]
        scripts = [
            [Call("PATCH", path, change)] if turn == 0 else [Call("DELETE", path)]
            for path in paths
            for turn in (0, 1)
        ]
        answers = flat(race(stage.urls, owner, scripts))
        problems[kind] = [
            (a.call.method, a.call.path, a.status, a.body)
            for a in answers
            if not (a.status == 200 or (a.call.method == "PATCH" and a.status == 404))
        ]
        problems[kind] += [
            ("GET after", path, 200, None) for path in paths if owner.get(path).status_code != 404
        ]
    # How many answers went wrong per kind first (the details follow in the message).
    assert {kind: len(found) for kind, found in problems.items()} == dict.fromkeys(kinds, 0), (
        problems
    )


# --- property groups: a property never joins a group that is being deleted (§7.2 G5) ---------


def test_properties_created_into_a_group_being_deleted_end_up_ungrouped(stage: Stage) -> None:
    owner = stage.owner()
    entity = _entity(owner, "deals")
    groups = [
        str(
            body_of(owner.post("/property-groups", json={"entityId": entity, "name": f"G{i}"}))[
                "propertyGroupId"
            ]
        )
        for i in range(4)
    ]
    scripts: list[list[Call]] = []
    for index, group in enumerate(groups):
        scripts.append([Call("DELETE", f"/property-groups/{group}")])
        scripts += [
            [
                Call(
                    "POST",
                    "/properties",
                    {
                        "entityId": entity,
                        "name": f"P{index}-{j}",
                        "fieldType": "TEXT",
                        "propertyGroupId": group,
                    },
                )
            ]
            for j in range(3)
        ]
    answers = flat(race(stage.urls, owner, scripts))

    created = [a.body["propertyId"] for a in answers if a.call.method == "POST" and a.status == 200]
    dangling = {
        property_id: group
        for property_id in created
        if (group := body_of(owner.get(f"/properties/{property_id}")).get("propertyGroupId"))
    }
    assert {
        "unexpected answers": [
            (a.call.method, a.status, a.body)
            for a in answers
            if not (a.status == 200 or (a.call.method == "POST" and a.status == 404))
        ],
        "properties in a deleted group": dangling,
    } == {"unexpected answers": [], "properties in a deleted group": {}}
    assert body_of(owner.get("/property-groups", params={"entityId": entity})) == []


# --- activities, events and files of a record being deleted for good: 200 or 404, never 500 --


def test_activities_events_and_files_racing_a_permanent_delete_answer_200_or_404(
    stage: Stage,
) -> None:
    owner = stage.owner()
    entity = _entity(owner, "people")
    pairs, rounds = CLIENTS // 2, 2

    def add(kind: str, record_id: str) -> Call:
        if kind == "activity":
            body = {"recordId": record_id, "activityType": "NOTE", "subject": "hello"}
            return Call("POST", "/activities", body)
        if kind == "event":
            body = {"entityId": entity, "recordId": record_id, "eventType": "VISIT"}
            return Call("POST", "/events", body)
        return Call("POST", f"/records/{record_id}/attachments", file=("notes.txt", b"hello"))

    problems: dict[str, list[tuple[str, int, Any]]] = {}
    for kind in ("activity", "event", "attachment"):
        problems[kind] = []
        for turn in range(rounds):
            names = [f"{kind}{turn}-{i}" for i in range(pairs)]
            ids = insert_records(stage.settings, owner, entity, names)
            purges = [{"recordIds": [record_id], "permanent": True} for record_id in ids]
            scripts = [
                [call]
                for record_id, purge in zip(ids, purges, strict=True)
                for call in (add(kind, record_id), Call("POST", "/records/bulk/delete", purge))
            ]
            answers = flat(race(stage.urls, owner, scripts))
            problems[kind] += [
                (a.call.path, a.status, a.body)
                for a in answers
                if not (
                    a.status == 200 or (a.call.path != "/records/bulk/delete" and a.status == 404)
                )
            ]
    assert {kind: len(found) for kind, found in problems.items()} == dict.fromkeys(
        ("activity", "event", "attachment"), 0
    ), problems


# --- activities: outcome COMPLETED fills completedAt only when it is empty (§15.3, §15.6) -----


def test_an_outcome_change_never_overwrites_a_concurrent_completed_at(stage: Stage) -> None:
    owner = stage.owner()
    entity = _entity(owner, "people")
    pairs, per_pair = CLIENTS // 2, 3
    records = insert_records(stage.settings, owner, entity, [f"p{i}" for i in range(pairs)])
    activities = [
        [
            str(
                body_of(
                    owner.post(
                        "/activities",
                        json={"recordId": record_id, "activityType": "CALL", "subject": f"c{j}"},
                    )
                )["activityId"]
            )
            for j in range(per_pair)
        ]
        for record_id in records
    ]
    done = "2026-04-23T09:15:30.000Z"
    # Two clients per record walk its activities in step: one sets completedAt, the other
    # sets outcome COMPLETED (which alone would fill completedAt with the time of the change).
    scripts = [
        [Call("PATCH", f"/activities/{activity}", change) for activity in activities[i]]
        for i in range(pairs)
        for change in ({"completedAt": done}, {"outcome": "COMPLETED"})
    ]
    answers = flat(race(stage.urls, owner, scripts))

    final = {
        activity: body_of(owner.get(f"/activities/{activity}"))
        for mine in activities
        for activity in mine
    }
    overwritten = {
        activity: found.get("completedAt")
        for activity, found in final.items()
        if found.get("completedAt") != done
    }
    assert {"failures": _failures(answers), "completedAt overwritten": overwritten} == {
        "failures": [],
        "completedAt overwritten": {},
    }
    assert {found["outcome"] for found in final.values()} == {"COMPLETED"}

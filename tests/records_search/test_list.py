"""R2 GET /records: sort, keyset pagination, keyword, filters and scoping (records-activities §5).

This module also builds the fixture dataset the other modules of the package search: an entity
with one property of each searchable type and 16 records (one of them in the trash) created
through the API, with duplicate values, missing values, tags and mixed-case names.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add

Json = dict[str, Any]

STAGES = ["LEAD", "QUALIFIED", "CLOSED_WON", "CLOSED_LOST"]
CHANNELS = ["EMAIL", "SMS", "KAKAO", "PHONE"]
#: The dataset's property per role, and its fieldType.
KINDS: dict[str, str] = {
    "company": "TEXT",
    "score": "NUMBER",
    "birthday": "DATE",
    "contacted": "DATETIME",
    "subscribed": "CHECKBOX",
    "stage": "DROPDOWN",
    "channels": "MULTI_CHECKBOX",
    "email": "EMAIL",
}
#: Records in creation order. A missing role = no value; owner: absent = the caller.
ROWS: list[Json] = [
    {"name": "Alice Kim", "company": "Acme Corp", "score": 50, "birthday": "1990-05-01",
     "contacted": "2024-03-01T09:00:00Z", "subscribed": True, "stage": "LEAD",
     "channels": ["EMAIL", "SMS"], "email": "alice@acme.com", "tags": ["vip"]},
    {"name": "alice park", "company": "acme labs", "score": 75, "birthday": "1985-12-24",
     "contacted": "2024-02-15T12:30:00+09:00", "subscribed": False, "stage": "QUALIFIED",
     "channels": ["KAKAO"], "email": "alice.park@Example.COM", "owner": "colleague"},
    {"name": "ALICE", "score": 50, "birthday": "1990-05-01", "subscribed": True,
     "stage": "CLOSED_WON", "tags": ["vip", "partner"]},
    {"name": "Bob Lee", "company": "Beta Inc", "score": 10.5,
     "contacted": "2023-12-31T23:59:59.999Z", "stage": "LEAD", "channels": ["SMS", "PHONE"],
     "email": "bob@beta.io", "tags": ["lead"], "owner": None},
    {"name": "bobby tables", "company": "' OR 1=1 --", "score": -3, "birthday": "2000-02-29",
     "subscribed": False},
    {"name": "Carol", "company": "Acme Corp", "score": 75, "birthday": "1975-07-04",
     "contacted": "2024-03-01T09:00:00Z", "subscribed": True, "stage": "CLOSED_LOST",
     "channels": ["EMAIL"], "email": "carol@acme.com", "tags": ["vip"], "owner": "colleague"},
    {"name": "carol", "company": "Gamma 100%", "score": 0, "stage": "QUALIFIED",
     "channels": ["EMAIL", "KAKAO", "PHONE"], "tags": ["partner"]},
    {"name": "Dave_Underscore", "company": "snake_case Ltd", "score": 1000,
     "birthday": "1999-01-01", "contacted": "2024-06-30T00:00:00Z", "subscribed": True,
     "email": "dave@snake.dev"},
    {"name": "50% Discount"},
    {"name": "Eve", "company": "acme corp", "score": 50, "birthday": "1985-12-24",
     "contacted": "2024-01-10T08:00:00Z", "subscribed": False, "stage": "LEAD",
     "channels": ["SMS"], "email": "eve@EVE.org", "tags": ["lead", "vip"], "owner": None},
    {"name": "eve online", "company": "Zeta", "score": 99.9, "birthday": "2001-11-11",
     "contacted": "2024-04-01T00:00:00-05:00", "subscribed": True, "stage": "CLOSED_WON",
     "channels": ["PHONE"]},
    {"name": "Frank", "company": "Beta Inc", "birthday": "1990-05-01", "stage": "CLOSED_WON",
     "email": "frank@beta.io", "tags": ["partner"], "owner": "colleague"},
    {"name": "Grace Hopper", "score": 10.5, "birthday": "1906-12-09",
     "contacted": "2024-03-01T09:00:00.500Z", "subscribed": False,
     "channels": ["EMAIL", "SMS", "KAKAO", "PHONE"], "email": "grace@navy.mil", "tags": ["vip"]},
    {"name": "henry", "company": "acme corp", "score": 200, "birthday": "1990-05-02",
     "subscribed": True, "stage": "LEAD"},
    {"name": "Ivy", "company": "Ivy League", "score": -3, "contacted": "2022-01-01T00:00:00Z",
     "channels": ["KAKAO"], "email": "ivy@league.edu", "tags": ["lead"]},
    {"name": "Zed Trashed", "company": "Acme Corp", "score": 50, "birthday": "1990-05-01",
     "contacted": "2024-03-01T09:00:00Z", "subscribed": True, "stage": "LEAD",
     "channels": ["EMAIL"], "email": "zed@acme.com", "tags": ["vip"]},
]  # fmt: skip
#: Tags changed after creation, in this order, so that dateUpdated differs from dateCreated.
PATCHED_TAGS: list[tuple[str, list[str]]] = [
    ("bobby tables", ["lead"]),
    ("alice park", ["partner"]),
]
TRASHED = "Zed Trashed"
UNKNOWN_ENTITY = "CRMET1260423081530123XYZ11122233"
UNKNOWN_PROPERTY = "CRMPP1260423081530123PPP11122233"
#: Creates are spaced so that every record has its own millisecond, at least 2 ms apart.
GAP_SECONDS = 0.003


def options(values: Sequence[str]) -> list[Json]:
    return [{"label": v.title(), "value": v, "priority": i + 1} for i, v in enumerate(values)]


@dataclass(frozen=True)
class Props:
    """Property IDs of the dataset entity, one per role of ``KINDS``."""

    company: str
    score: str
    birthday: str
    contacted: str
    subscribed: str
    stage: str
    channels: str
    email: str

    def of(self, role: str) -> str:
        value: str = getattr(self, role)
        return value

    def role_of(self, property_id: str) -> str:
        for item in fields(self):
            if getattr(self, item.name) == property_id:
                return item.name
        raise KeyError(property_id)


@dataclass
class Dataset:
    owner: Tenant
    colleague: str
    entity_id: str
    props: Props
    #: Live records in creation order, as the API returned them last (create or patch).
    records: list[Json]
    trashed: Json

    def by_name(self, name: str) -> Json:
        return next(record for record in self.records if record["name"] == name)

    def field(self, role: str) -> str:
        """A condition field: a role of ``KINDS`` becomes ``data.<propertyId>``."""
        return f"data.{self.props.of(role)}" if role in KINDS else role

    def names(self, record_ids: Sequence[str]) -> list[str]:
        by_id = {record["recordId"]: record["name"] for record in [*self.records, self.trashed]}
        return [by_id[record_id] for record_id in record_ids]


def wire_instant(text: str) -> str:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def shift_ms(wire: str, milliseconds: int) -> str:
    """A wire timestamp moved by some milliseconds (boundaries strictly between records)."""
    moment = datetime.fromisoformat(wire) + timedelta(milliseconds=milliseconds)
    return wire_instant(moment.isoformat())


def stored_value(role: str, value: Any) -> Any:
    """The value as the API stores and returns it (records-activities §3.2)."""
    if KINDS[role] == "DATETIME":
        return wire_instant(value)
    if KINDS[role] == "EMAIL":
        local, _, domain = str(value).partition("@")
        return f"{local}@{domain.lower()}"
    return value


def add_properties(owner: Tenant, entity_id: str) -> Props:
    def one(role: str, name: str, **extra: Any) -> str:
        return str(add(owner, entity_id, name, KINDS[role], **extra)["propertyId"])

    return Props(
        company=one("company", "Company"),
        score=one("score", "Score"),
        birthday=one("birthday", "Birthday"),
        contacted=one("contacted", "Last contact"),
        subscribed=one("subscribed", "Subscribed"),
        stage=one("stage", "Stage", options=options(STAGES)),
        channels=one("channels", "Channels", options=options(CHANNELS)),
        email=one("email", "Email"),
    )


def post_record(tenant: Tenant, body: Json) -> Json:
    time.sleep(GAP_SECONDS)
    response = tenant.post("/records", json=body)
    assert response.status_code == 200, response.text
    record: Json = response.json()
    return record


def build_dataset(owner: Tenant) -> Dataset:
    colleague = owner.member(Role.MEMBER).member_id
    entity_id = str(create(owner, "contacts")["entityId"])
    props = add_properties(owner, entity_id)
    owners = {"colleague": colleague, None: None}
    records: list[Json] = []
    for row in ROWS:
        data = {props.of(role): row[role] for role in KINDS if role in row}
        body: Json = {"entityId": entity_id, "name": row["name"], "data": data}
        body["tags"] = row.get("tags", [])
        if "owner" in row:
            body["ownerId"] = owners[row["owner"]]
        record = post_record(owner, body)
        expected = {props.of(role): stored_value(role, row[role]) for role in KINDS if role in row}
        assert record["data"] == expected
        assert record["ownerId"] == body.get("ownerId", owner.member_id)
        records.append(record)
    created = [record["dateCreated"] for record in records]
    assert created == sorted(set(created)), "every record needs its own millisecond"
    for name, tags in PATCHED_TAGS:
        time.sleep(GAP_SECONDS)
        index = next(i for i, record in enumerate(records) if record["name"] == name)
        response = owner.patch(f"/records/{records[index]['recordId']}", json={"tags": tags})
        assert response.status_code == 200, response.text
        records[index] = response.json()
        assert records[index]["tags"] == tags
        assert records[index]["dateUpdated"] > created[-1]
    trashed = next(record for record in records if record["name"] == TRASHED)
    response = owner.delete(f"/records/{trashed['recordId']}")
    assert response.status_code == 200, response.text
    live = [record for record in records if record is not trashed]
    return Dataset(owner, colleague, entity_id, props, live, trashed)


def ids(records: Sequence[Json]) -> list[str]:
    return [str(record["recordId"]) for record in records]


def newest_first(records: Sequence[Json]) -> list[str]:
    return ids(sorted(records, key=lambda record: record["dateCreated"], reverse=True))


def sort_value(ds: Dataset, record: Json, field: str) -> Any:
    """What a sort key compares: names and texts case-insensitively, None = no value."""
    if field == "name":
        return str(record["name"]).lower()
    if field in ("dateCreated", "dateUpdated"):
        return record[field]
    property_id = field.removeprefix("data.")
    value = record["data"].get(property_id)
    if isinstance(value, str) and KINDS[ds.props.role_of(property_id)] != "DATETIME":
        return value.lower()
    return value


def expected_order(ds: Dataset, records: Sequence[Json], sort: Sequence[str]) -> list[str]:
    """§5 order: each key in its direction, empty values last, then recordId in the direction
    of the first key."""
    keys = [(spec.removeprefix("-"), spec.startswith("-")) for spec in sort]
    ordered = sorted(records, key=lambda record: record["recordId"], reverse=keys[0][1])
    for field, descending in reversed(keys):
        present = [r for r in ordered if sort_value(ds, r, field) is not None]
        missing = [r for r in ordered if sort_value(ds, r, field) is None]
        present.sort(key=lambda record: sort_value(ds, record, field), reverse=descending)
        ordered = present + missing
    return ids(ordered)


def list_page(tenant: Tenant, **params: Any) -> Json:
    response = tenant.get("/records", params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert set(body) <= {"data", "nextKey"}
    return body


def list_all(tenant: Tenant, limit: int = 4, **params: Any) -> list[str]:
    """Every record of a query, page by page; checks page sizes and where nextKey appears."""
    collected: list[str] = []
    start: dict[str, str] = {}
    for _ in range(100):
        body = list_page(tenant, limit=limit, **params, **start)
        collected += ids(body["data"])
        if "nextKey" not in body:
            assert len(body["data"]) <= limit
            return collected
        assert len(body["data"]) == limit
        start = {"startKey": body["nextKey"]}
    raise AssertionError("pagination did not end")


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json().get("errorCode", "")


BAD_REQUEST = (400, "ValidationError")
NOT_FOUND = (404, "ResourceNotFound")


@pytest.fixture
def ds(owner: Tenant) -> Dataset:
    return build_dataset(owner)


# --- sort and pagination ---------------------------------------------------------------------


def test_default_sort_is_date_created_descending_with_full_records(ds: Dataset) -> None:
    body = list_page(ds.owner, entityId=ds.entity_id, limit=200)
    by_id = {record["recordId"]: record for record in ds.records}
    assert body == {"data": [by_id[record_id] for record_id in newest_first(ds.records)]}
    assert [record["name"] for record in body["data"]][:3] == ["Ivy", "henry", "Grace Hopper"]
    assert list_page(ds.owner, entityId=ds.entity_id, limit=200, sortDirection="desc") == body


def test_every_sort_field_pages_through_every_record_once_in_order(ds: Dataset) -> None:
    sort_fields = {
        "name": "name",
        "dateCreated": "dateCreated",
        "dateUpdated": "dateUpdated",
        **{role: ds.props.of(role) for role in KINDS if role != "channels"},
    }
    got: dict[str, list[str]] = {}
    expected: dict[str, list[str]] = {}
    for label, field in sort_fields.items():
        for direction in ("asc", "desc"):
            key = f"{label} {direction}"
            params: Json = {"entityId": ds.entity_id, "sortField": field}
            params["sortDirection"] = direction
            got[key] = ds.names(list_all(ds.owner, **params))
            sort = [("-" if direction == "desc" else "") + field]
            expected[key] = ds.names(expected_order(ds, ds.records, sort))
    assert got == expected


def test_number_sort_with_duplicates_and_empty_values_last(ds: Dataset) -> None:
    params: Json = {"entityId": ds.entity_id, "sortField": ds.props.score}
    ascending = ds.names(list_all(ds.owner, sortDirection="asc", **params))
    descending = ds.names(list_all(ds.owner, sortDirection="desc", **params))
    # Ties (-3, 10.5, 50, 75) are broken by recordId, which grows with creation time.
    assert ascending == [
        "bobby tables", "Ivy", "carol", "Bob Lee", "Grace Hopper", "Alice Kim", "ALICE", "Eve",
        "alice park", "Carol", "eve online", "henry", "Dave_Underscore", "50% Discount", "Frank",
    ]  # fmt: skip
    assert descending == [
        "Dave_Underscore", "henry", "eve online", "Carol", "alice park", "Eve", "ALICE",
        "Alice Kim", "Grace Hopper", "Bob Lee", "carol", "Ivy", "bobby tables", "Frank",
        "50% Discount",
    ]  # fmt: skip


def test_date_and_text_sorts_put_records_without_a_value_last(ds: Dataset) -> None:
    for role, missing in (
        ("birthday", ["Bob Lee", "carol", "50% Discount", "Ivy"]),
        ("company", ["ALICE", "50% Discount", "Grace Hopper"]),
        ("contacted", ["ALICE", "bobby tables", "carol", "50% Discount", "Frank", "henry"]),
    ):
        params: Json = {"entityId": ds.entity_id, "sortField": ds.props.of(role)}
        ascending = ds.names(list_all(ds.owner, sortDirection="asc", **params))
        descending = ds.names(list_all(ds.owner, sortDirection="desc", **params))
        assert ascending[-len(missing) :] == missing, role
        assert descending[-len(missing) :] == missing[::-1], role
    order: Json = {"entityId": ds.entity_id, "sortField": ds.props.company, "sortDirection": "asc"}
    assert ds.names(list_all(ds.owner, **order)) == [
        "bobby tables", "Alice Kim", "Carol", "Eve", "henry", "alice park", "Bob Lee", "Frank",
        "carol", "Ivy", "Dave_Underscore", "eve online", "ALICE", "50% Discount", "Grace Hopper",
    ]  # fmt: skip


def test_name_sort_ignores_case_and_breaks_ties_by_record_id(ds: Dataset) -> None:
    params: Json = {"entityId": ds.entity_id, "sortField": "name"}
    assert ds.names(list_all(ds.owner, sortDirection="asc", **params)) == [
        "50% Discount", "ALICE", "Alice Kim", "alice park", "Bob Lee", "bobby tables", "Carol",
        "carol", "Dave_Underscore", "Eve", "eve online", "Frank", "Grace Hopper", "henry", "Ivy",
    ]  # fmt: skip
    descending = ds.names(list_all(ds.owner, sortDirection="desc", **params))
    assert descending[6:10] == ["Dave_Underscore", "carol", "Carol", "bobby tables"]


def test_date_updated_sort_follows_the_latest_change(ds: Dataset) -> None:
    params: Json = {"entityId": ds.entity_id, "sortField": "dateUpdated", "sortDirection": "desc"}
    assert ds.names(list_all(ds.owner, **params))[:3] == ["alice park", "bobby tables", "Ivy"]


def test_last_page_has_no_next_key_even_when_it_is_full(ds: Dataset) -> None:
    first = list_page(ds.owner, entityId=ds.entity_id, limit=5)
    second = list_page(ds.owner, entityId=ds.entity_id, limit=5, startKey=first["nextKey"])
    third = list_page(ds.owner, entityId=ds.entity_id, limit=5, startKey=second["nextKey"])
    assert [len(page["data"]) for page in (first, second, third)] == [5, 5, 5]
    assert "nextKey" in first
    assert "nextKey" in second
    assert "nextKey" not in third
    pages = [*first["data"], *second["data"], *third["data"]]
    assert ids(pages) == newest_first(ds.records)
    everything = list_page(ds.owner, entityId=ds.entity_id, limit=15)
    assert "nextKey" not in everything
    assert len(everything["data"]) == 15


def test_limit_defaults_to_20_and_is_clamped_to_200(owner: Tenant) -> None:
    entity_id = create(owner, "bulk")["entityId"]
    made = [
        owner.post("/records", json={"entityId": entity_id, "name": f"r{i:03d}"})
        for i in range(201)
    ]
    assert {response.status_code for response in made} == {200}
    records = [response.json() for response in made]
    # -dateCreated; records of the same millisecond by recordId, in the same direction.
    newest = ids(sorted(records, key=lambda r: (r["dateCreated"], r["recordId"]), reverse=True))
    default = list_page(owner, entityId=entity_id)
    assert len(default["data"]) == 20
    assert "nextKey" in default
    clamped = list_page(owner, entityId=entity_id, limit=500)
    assert len(clamped["data"]) == 200
    rest = list_page(owner, entityId=entity_id, limit=500, startKey=clamped["nextKey"])
    assert "nextKey" not in rest
    assert len(rest["data"]) == 1
    assert ids([*clamped["data"], *rest["data"]]) == newest
    assert ids(clamped["data"])[:20] == ids(default["data"])


def test_limit_below_one_or_not_an_integer_is_400(ds: Dataset) -> None:
    got = {
        value: error_of(ds.owner.get("/records", params={"entityId": ds.entity_id, "limit": value}))
        for value in ("0", "-1", "abc", "1.5", "")
    }
    assert got == dict.fromkeys(("0", "-1", "abc", "1.5", ""), BAD_REQUEST)


def test_bad_sort_field_or_direction_is_400(ds: Dataset, owner: Tenant) -> None:
    other_entity = create(owner, "other")["entityId"]
    foreign_property = add(owner, other_entity, "Foreign")["propertyId"]
    attempts: dict[str, Json] = {
        "unknown field": {"sortField": "color"},
        "tags": {"sortField": "tags"},
        "multi checkbox": {"sortField": ds.props.channels},
        "other entity's property": {"sortField": foreign_property},
        "unknown property": {"sortField": UNKNOWN_PROPERTY},
        "direction up": {"sortDirection": "up"},
        "direction DESC": {"sortDirection": "DESC"},
    }
    got = {
        label: error_of(ds.owner.get("/records", params={"entityId": ds.entity_id, **params}))
        for label, params in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)


# --- keyword -----------------------------------------------------------------------------------


def test_keyword_is_a_case_insensitive_contains_on_name(ds: Dataset) -> None:
    def search(keyword: str, **params: Any) -> list[str]:
        return ds.names(list_all(ds.owner, entityId=ds.entity_id, keyword=keyword, **params))

    assert search("ALICE") == ["ALICE", "alice park", "Alice Kim"]
    assert search("alice") == ["ALICE", "alice park", "Alice Kim"]
    assert search("Ol") == ["carol", "Carol"]
    assert search("e O", sortField="name") == ["eve online"]
    assert search("acme") == []  # the company property is not searched
    assert search("zed") == []  # trashed


def test_keyword_wildcards_and_quotes_match_literally(ds: Dataset) -> None:
    def search(keyword: str) -> list[str]:
        return ds.names(list_all(ds.owner, entityId=ds.entity_id, keyword=keyword))

    assert search("%") == ["50% Discount"]
    assert search("_") == ["Dave_Underscore"]
    assert search("0%") == ["50% Discount"]
    assert search("e_u") == ["Dave_Underscore"]
    assert search("a%e") == []
    assert search("b_b") == []
    assert search("\\") == []
    assert search("' OR 1=1 --") == []
    assert search("'") == []


# --- filters -----------------------------------------------------------------------------------


def filtered(ds: Dataset, filters: Any, **params: Any) -> list[str]:
    text = filters if isinstance(filters, str) else json.dumps(filters)
    return ds.names(list_all(ds.owner, entityId=ds.entity_id, filters=text, **params))


def names_where(ds: Dataset, predicate: Any) -> list[str]:
    matching = [record for record in ds.records if predicate(record)]
    return ds.names(newest_first(matching))


def test_filters_with_operator_objects(ds: Dataset) -> None:
    p = ds.props
    assert filtered(ds, {p.stage: {"op": "eq", "value": "LEAD"}}) == [
        "henry", "Eve", "Bob Lee", "Alice Kim",
    ]  # fmt: skip
    assert filtered(ds, {p.stage: {"value": "QUALIFIED"}}) == ["carol", "alice park"]
    assert filtered(ds, {p.score: {"op": "gte", "value": 75}}) == [
        "henry", "eve online", "Dave_Underscore", "Carol", "alice park",
    ]  # fmt: skip
    assert filtered(ds, {p.company: {"op": "in", "value": ["Beta Inc", "Zeta"]}}) == [
        "Frank", "eve online", "Bob Lee",
    ]  # fmt: skip
    assert filtered(ds, {p.email: {"op": "isEmpty"}}) == names_where(
        ds, lambda r: p.email not in r["data"]
    )
    both = {p.stage: {"op": "eq", "value": "LEAD"}, "tags": {"op": "contains", "value": "vip"}}
    assert filtered(ds, both) == ["Eve", "Alice Kim"]


def test_filters_shorthand_means_eq(ds: Dataset) -> None:
    p = ds.props
    assert filtered(ds, {p.stage: "CLOSED_WON"}) == ["Frank", "eve online", "ALICE"]
    assert filtered(ds, {p.score: 50}) == ["Eve", "ALICE", "Alice Kim"]
    assert filtered(ds, {p.subscribed: False}) == [
        "Grace Hopper", "Eve", "bobby tables", "alice park",
    ]  # fmt: skip
    assert filtered(ds, {p.birthday: "1990-05-01", p.stage: "CLOSED_WON"}) == ["Frank", "ALICE"]
    assert filtered(ds, {p.channels: "KAKAO"}) == [
        "Ivy", "Grace Hopper", "carol", "alice park",
    ]  # fmt: skip


def test_filters_on_system_fields(ds: Dataset) -> None:
    assert filtered(ds, {"name": "Carol"}) == ["Carol"]
    assert filtered(ds, {"name": {"op": "contains", "value": "CAROL"}}) == ["carol", "Carol"]
    assert filtered(ds, {"tags": "partner"}) == ["Frank", "carol", "ALICE", "alice park"]
    assert filtered(ds, {"ownerId": ds.colleague}) == ["Frank", "Carol", "alice park"]
    assert filtered(ds, {"ownerId": {"op": "isEmpty"}}) == ["Eve", "Bob Lee"]
    boundary = shift_ms(ds.by_name("Frank")["dateCreated"], 1)
    assert filtered(ds, {"dateCreated": {"op": "gt", "value": boundary}}) == [
        "Ivy", "henry", "Grace Hopper",
    ]  # fmt: skip
    assert filtered(ds, {"tags": "vip"}, sortField="name", sortDirection="asc") == [
        "ALICE", "Alice Kim", "Carol", "Eve", "Grace Hopper",
    ]  # fmt: skip


def test_invalid_filters_are_400(ds: Dataset) -> None:
    p = ds.props
    attempts: dict[str, str] = {
        "invalid JSON": "{",
        "not JSON at all": "stage=LEAD",
        "array": json.dumps([{"op": "eq"}]),
        "string": json.dumps("LEAD"),
        "number": "5",
        "null": "null",
        "unknown property": json.dumps({UNKNOWN_PROPERTY: "x"}),
        "unknown field": json.dumps({"color": "red"}),
        "unknown op": json.dumps({p.stage: {"op": "like", "value": "LEAD"}}),
        "op of wrong case": json.dumps({p.stage: {"op": "EQ", "value": "LEAD"}}),
        "op not a string": json.dumps({p.stage: {"op": 1, "value": "LEAD"}}),
        "op not applicable": json.dumps({p.company: {"op": "gt", "value": "a"}}),
        "number with text": json.dumps({p.score: "abc"}),
        "checkbox with text": json.dumps({p.subscribed: "yes"}),
        "date with text": json.dumps({p.birthday: "yesterday"}),
        "in with a scalar": json.dumps({p.stage: {"op": "in", "value": "LEAD"}}),
        "51 keys": json.dumps({**{f"k{i}": "x" for i in range(50)}, "name": "x"}),
    }
    got = {
        label: error_of(ds.owner.get("/records", params={"entityId": ds.entity_id, "filters": f}))
        for label, f in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)


def test_filters_with_out_of_range_keys_or_ops_are_400_not_500(ds: Dataset) -> None:
    """Field names and operators are length-checked when the filter is parsed (§5.1: unknown
    property / unknown op -> 400)."""
    attempts: dict[str, str] = {
        "empty key": json.dumps({"": "x"}),
        "81-character key": json.dumps({"x" * 81: "x"}),
        "empty op": json.dumps({"name": {"op": "", "value": "x"}}),
        "41-character op": json.dumps({"name": {"op": "x" * 41, "value": "x"}}),
    }
    got = {
        label: error_of(ds.owner.get("/records", params={"entityId": ds.entity_id, "filters": f}))
        for label, f in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)


# --- scoping -----------------------------------------------------------------------------------


def test_unknown_segment_or_foreign_entity_is_404(ds: Dataset, tenants: TenantFactory) -> None:
    intruder = tenants.account()
    own_entity = create(intruder, "contacts")["entityId"]
    attempts = {
        "unknown segment": ds.owner.get(
            "/records", params={"entityId": ds.entity_id, "segmentId": "CRMSG1260423081530123"}
        ),
        "unknown entity": ds.owner.get("/records", params={"entityId": UNKNOWN_ENTITY}),
        "other tenant's entity": intruder.get("/records", params={"entityId": ds.entity_id}),
        "other tenant, segment": intruder.get(
            "/records", params={"entityId": own_entity, "segmentId": "CRMSG1260423081530123"}
        ),
    }
    assert {label: error_of(r) for label, r in attempts.items()} == dict.fromkeys(
        attempts, NOT_FOUND
    )
    assert list_page(intruder, limit=200) == {"data": []}


def test_without_entity_id_every_accessible_entity_is_listed(
    ds: Dataset, tenants: TenantFactory
) -> None:
    owner = ds.owner
    deals = create(owner, "deals")["entityId"]
    deal = post_record(owner, {"entityId": deals, "name": "Big deal"})
    secret = create(owner, "secrets", recordAccess="ADMIN_ONLY")["entityId"]
    hidden = post_record(owner, {"entityId": secret, "name": "Secret"})
    binned = create(owner, "binned")["entityId"]
    post_record(owner, {"entityId": binned, "name": "In a trashed entity"})
    assert owner.delete(f"/entities/{binned}").status_code == 200
    stranger = tenants.account()
    post_record(stranger, {"entityId": create(stranger, "contacts")["entityId"], "name": "X"})

    everything = [*ds.records, deal, hidden]
    assert list_all(owner) == newest_first(everything)
    assert list_all(owner, limit=200) == newest_first(everything)
    member = owner.member(Role.MEMBER)
    assert list_all(member) == newest_first([*ds.records, deal])
    by_name = list_all(owner, sortField="name", sortDirection="desc")
    assert by_name == expected_order(ds, everything, ["-name"])
    assert list_all(owner, keyword="deal") == [deal["recordId"]]
    assert list_all(owner, filters=json.dumps({"name": "Secret"})) == [hidden["recordId"]]


def test_property_sort_or_filter_without_entity_id_is_400(ds: Dataset) -> None:
    attempts = {
        "sort": {"sortField": ds.props.score},
        "filter": {"filters": json.dumps({ds.props.stage: "LEAD"})},
        "data. filter": {"filters": json.dumps({f"data.{ds.props.stage}": "LEAD"})},
    }
    got = {label: error_of(ds.owner.get("/records", params=p)) for label, p in attempts.items()}
    assert got == dict.fromkeys(attempts, BAD_REQUEST)


def test_trashed_records_are_never_listed(ds: Dataset) -> None:
    trashed_id = ds.trashed["recordId"]
    assert trashed_id not in list_all(ds.owner, entityId=ds.entity_id)
    assert trashed_id not in list_all(ds.owner)
    assert filtered(ds, {"name": TRASHED}) == []
    assert filtered(ds, {ds.props.email: "zed@acme.com"}) == []
    assert trashed_id not in list_all(ds.owner, entityId=ds.entity_id, sortField="name")
    eve = ds.by_name("Eve")
    assert ds.owner.delete(f"/records/{eve['recordId']}").status_code == 200
    remaining = [record for record in ds.records if record is not eve]
    assert list_all(ds.owner, entityId=ds.entity_id) == newest_first(remaining)
    assert ds.owner.post(f"/records/{trashed_id}/restore").status_code == 200
    listed = list_all(ds.owner, entityId=ds.entity_id, filters=json.dumps({"name": TRASHED}))
    assert listed == [trashed_id]

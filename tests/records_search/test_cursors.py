"""Cursors (records-activities §5, §7, §18): opaque, bound to one tenant and one query, tamper-
evident, and keyset-stable while records are written between pages."""

import json
import string
from typing import Any

import pytest

from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.records_search.test_list import (
    BAD_REQUEST,
    Dataset,
    Json,
    build_dataset,
    error_of,
    expected_order,
    ids,
    list_all,
    list_page,
    newest_first,
    post_record,
)

B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@pytest.fixture
def ds(owner: Tenant) -> Dataset:
    return build_dataset(owner)


def advanced(tenant: Tenant, body: Json) -> Any:
    return tenant.post("/records/search/advanced", json=body)


def advanced_page(tenant: Tenant, body: Json) -> Json:
    response = advanced(tenant, body)
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


def advanced_all(tenant: Tenant, body: Json, limit: int = 4) -> list[str]:
    collected: list[str] = []
    start: Json = {}
    for _ in range(100):
        page = advanced_page(tenant, {**body, "limit": limit, **start})
        collected += ids(page["data"])
        if "nextKey" not in page:
            return collected
        assert len(page["data"]) == limit
        start = {"startKey": page["nextKey"]}
    raise AssertionError("pagination did not end")


def flip(cursor: str, index: int) -> str:
    """The cursor with one character changed so that its decoded bits change too."""
    char = cursor[index]
    # Flipping the sextet's highest bit changes the bytes even in a cursor's last character.
    replacement = B64URL[B64URL.index(char) ^ 32] if char in B64URL else "A"
    return cursor[:index] + replacement + cursor[index + 1 :]


# --- bound to the query ------------------------------------------------------------------------


def test_list_cursor_is_valid_only_for_the_query_it_was_issued_for(
    ds: Dataset, owner: Tenant
) -> None:
    other_entity = create(owner, "other")["entityId"]
    query = {"entityId": ds.entity_id, "sortField": "name", "sortDirection": "asc"}
    first = list_page(ds.owner, limit=4, **query)
    key = first["nextKey"]
    changed: dict[str, Json] = {
        "direction": {**query, "sortDirection": "desc"},
        "sort field": {**query, "sortField": "dateCreated"},
        "property sort": {**query, "sortField": ds.props.score},
        "keyword": {**query, "keyword": "a"},
        "filters": {**query, "filters": json.dumps({"tags": "vip"})},
        "other entity": {**query, "entityId": other_entity},
        "no entity": {"sortField": "name", "sortDirection": "asc"},
    }
    got = {
        label: error_of(ds.owner.get("/records", params={**params, "startKey": key}))
        for label, params in changed.items()
    }
    assert got == dict.fromkeys(changed, BAD_REQUEST)
    # The page size is not part of the query: the cursor goes on with another limit.
    rest = list_page(ds.owner, limit=50, startKey=key, **query)
    expected = expected_order(ds, ds.records, ["name"])
    assert ids(first["data"]) + ids(rest["data"]) == expected
    assert "nextKey" not in rest


def test_filtered_list_cursor_needs_the_same_filters(ds: Dataset) -> None:
    filters = json.dumps({ds.props.score: {"op": "gte", "value": 0}})
    query = {"entityId": ds.entity_id, "filters": filters, "keyword": "e"}
    first = list_page(ds.owner, limit=2, **query)
    key = first["nextKey"]
    other = json.dumps({ds.props.score: {"op": "gte", "value": 1}})
    attempts = {
        "other filter value": {**query, "filters": other},
        "no filters": {"entityId": ds.entity_id, "keyword": "e"},
        "other keyword": {**query, "keyword": "a"},
        "no keyword": {"entityId": ds.entity_id, "filters": filters},
    }
    got = {
        label: error_of(ds.owner.get("/records", params={**params, "startKey": key}))
        for label, params in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)
    assert list_all(ds.owner, limit=2, **query) == newest_first(
        [
            r
            for r in ds.records
            if "e" in r["name"].lower() and r["data"].get(ds.props.score, -1) >= 0
        ]
    )


def test_advanced_cursor_is_valid_only_for_its_conditions_and_sort(ds: Dataset) -> None:
    group = {"operator": "AND", "conditions": [{"field": "tags", "operator": "isNotEmpty"}]}
    body = {"entityId": ds.entity_id, "conditionGroup": group, "sortFields": ["name"]}
    first = advanced_page(ds.owner, {**body, "limit": 3})
    key = first["nextKey"]
    other_group = {"operator": "OR", "conditions": group["conditions"]}
    changed: dict[str, Json] = {
        "conditions": {**body, "conditionGroup": other_group},
        "no conditions": {"entityId": ds.entity_id, "sortFields": ["name"]},
        "sort direction": {**body, "sortFields": ["-name"]},
        "sort field": {**body, "sortFields": ["dateCreated"]},
        "extra sort key": {**body, "sortFields": ["name", "dateCreated"]},
    }
    got = {
        label: error_of(advanced(ds.owner, {**changed_body, "startKey": key}))
        for label, changed_body in changed.items()
    }
    assert got == dict.fromkeys(changed, BAD_REQUEST)
    # The list endpoint does not accept it either, nor the advanced search a list cursor.
    list_query = {"entityId": ds.entity_id, "sortField": "name", "sortDirection": "asc"}
    assert error_of(ds.owner.get("/records", params={**list_query, "startKey": key})) == (
        BAD_REQUEST
    )
    list_key = list_page(ds.owner, limit=3, **list_query)["nextKey"]
    plain = {"entityId": ds.entity_id, "sortFields": ["name"], "startKey": list_key}
    assert error_of(advanced(ds.owner, plain)) == BAD_REQUEST
    # Unchanged, it works, with any limit.
    rest = advanced_page(ds.owner, {**body, "startKey": key, "limit": 200})
    tagged = [record for record in ds.records if record["tags"]]
    assert ids(first["data"]) + ids(rest["data"]) == expected_order(ds, tagged, ["name"])


# --- tamper-evident ----------------------------------------------------------------------------


def test_any_changed_character_makes_the_cursor_invalid(ds: Dataset) -> None:
    query = {"entityId": ds.entity_id, "limit": 4}
    key = list_page(ds.owner, **query)["nextKey"]
    got = {
        index: error_of(ds.owner.get("/records", params={**query, "startKey": flip(key, index)}))
        for index in range(len(key))
    }
    assert got == dict.fromkeys(range(len(key)), BAD_REQUEST)
    body = {"entityId": ds.entity_id, "limit": 4}
    advanced_key = advanced_page(ds.owner, body)["nextKey"]
    for index in (0, len(advanced_key) // 2, len(advanced_key) - 1):
        tampered = {**body, "startKey": flip(advanced_key, index)}
        assert error_of(advanced(ds.owner, tampered)) == BAD_REQUEST, index


def test_other_spellings_of_the_same_cursor_are_rejected(ds: Dataset) -> None:
    """A base64 text whose length is not a multiple of 4 ends in a character with unused low
    bits; changing those bits is still a changed character and must not be accepted."""
    query = {"entityId": ds.entity_id, "sortField": "name", "sortDirection": "asc", "limit": 1}
    keys: list[str] = []
    page = list_page(ds.owner, **query)
    while "nextKey" in page:
        keys.append(page["nextKey"])
        page = list_page(ds.owner, startKey=page["nextKey"], **query)
    variants: dict[str, str] = {}
    for key in keys:
        if len(key) % 4 in (2, 3):
            low_bit = B64URL[B64URL.index(key[-1]) ^ 1]
            variants[key] = f"{key[:-1]}{low_bit}"
    assert len(variants) >= 3  # names of varied lengths give payloads of varied lengths
    got = {
        key: error_of(ds.owner.get("/records", params={**query, "startKey": variant}))
        for key, variant in variants.items()
    }
    assert got == dict.fromkeys(variants, BAD_REQUEST)


def test_malformed_cursors_are_400(ds: Dataset) -> None:
    query = {"entityId": ds.entity_id, "limit": 4}
    key = list_page(ds.owner, **query)["nextKey"]
    attempts = {
        "empty": "",
        "garbage": "not-a-cursor",
        "dots": "...",
        "truncated": key[:-1],
        "first half": key[: len(key) // 2],
        "with a dot": "." + key,
        "extended": key + "A",
        "reversed": key[::-1],
        "not base64": "!!!!" + key,
        "too long": "A" * 4097,
        "json": json.dumps({"p": ["x"]}),
    }
    got = {
        label: error_of(ds.owner.get("/records", params={**query, "startKey": cursor}))
        for label, cursor in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)
    advanced_attempts = {
        label: error_of(advanced(ds.owner, {**query, "startKey": cursor}))
        for label, cursor in attempts.items()
    }
    assert advanced_attempts == dict.fromkeys(attempts, BAD_REQUEST)
    wrong_type = advanced(ds.owner, {**query, "startKey": 5})
    assert error_of(wrong_type) == BAD_REQUEST


def test_another_tenant_cannot_use_a_cursor(ds: Dataset, tenants: TenantFactory) -> None:
    intruder = tenants.account()
    intruder_entity = create(intruder, "contacts")["entityId"]
    for i in range(6):
        post_record(intruder, {"entityId": intruder_entity, "name": f"mine {i}"})
    key_all = list_page(ds.owner, limit=4)["nextKey"]
    key_entity = list_page(ds.owner, entityId=ds.entity_id, limit=4)["nextKey"]
    key_advanced = advanced_page(ds.owner, {"entityId": ds.entity_id, "limit": 4})["nextKey"]
    attempts = {
        "all records": intruder.get("/records", params={"limit": 4, "startKey": key_all}),
        "own entity": intruder.get(
            "/records", params={"entityId": intruder_entity, "limit": 4, "startKey": key_entity}
        ),
        "own entity, all-records cursor": intruder.get(
            "/records", params={"entityId": intruder_entity, "limit": 4, "startKey": key_all}
        ),
        "advanced, own entity": advanced(
            intruder, {"entityId": intruder_entity, "limit": 4, "startKey": key_advanced}
        ),
    }
    got = {label: error_of(response) for label, response in attempts.items()}
    assert got == dict.fromkeys(attempts, BAD_REQUEST)
    # The first tenant's cursor still works for the first tenant.
    assert len(list_page(ds.owner, limit=4, startKey=key_all)["data"]) == 4


# --- keyset stability --------------------------------------------------------------------------


def test_records_created_between_pages_neither_repeat_nor_skip(ds: Dataset) -> None:
    query = {"entityId": ds.entity_id, "limit": 4}
    first = list_page(ds.owner, **query)
    new = [post_record(ds.owner, {"entityId": ds.entity_id, "name": f"New {i}"}) for i in range(5)]
    collected = ids(first["data"])
    key = first["nextKey"]
    while True:
        page = list_page(ds.owner, startKey=key, **query)
        collected += ids(page["data"])
        if "nextKey" not in page:
            break
        key = page["nextKey"]
    # -dateCreated: the new records are newer than the cursor, so they never show up later.
    assert collected == newest_first(ds.records)
    assert list_all(ds.owner, entityId=ds.entity_id) == newest_first([*ds.records, *new])


def test_records_deleted_between_pages_do_not_shift_later_pages(ds: Dataset) -> None:
    query = {"entityId": ds.entity_id, "limit": 4}
    order = newest_first(ds.records)
    first = list_page(ds.owner, **query)
    assert ids(first["data"]) == order[:4]
    for record_id in order[:4]:
        assert ds.owner.delete(f"/records/{record_id}").status_code == 200
    second = list_page(ds.owner, startKey=first["nextKey"], **query)
    assert ids(second["data"]) == order[4:8]


def test_name_sort_picks_up_new_records_only_after_the_cursor(ds: Dataset) -> None:
    query = {"entityId": ds.entity_id, "sortField": "name", "sortDirection": "asc", "limit": 4}
    before = expected_order(ds, ds.records, ["name"])
    first = list_page(ds.owner, **query)
    assert ids(first["data"]) == before[:4]
    early = post_record(ds.owner, {"entityId": ds.entity_id, "name": "Aaron"})  # before cursor
    late = post_record(ds.owner, {"entityId": ds.entity_id, "name": "Zoe"})  # after it
    tie = post_record(ds.owner, {"entityId": ds.entity_id, "name": "alice park"})
    collected = ids(first["data"])
    key = first["nextKey"]
    while key is not None:
        page = list_page(ds.owner, startKey=key, **query)
        collected += ids(page["data"])
        key = page.get("nextKey")
    # The cursor sits on "alice park"; a new record of the same name has a larger recordId.
    assert collected == [*before[:4], tie["recordId"], *before[4:], late["recordId"]]
    assert early["recordId"] not in collected


def test_multi_key_advanced_sort_pages_like_one_big_page(ds: Dataset) -> None:
    p = ds.props
    sorts = [
        [f"data.{p.stage}", f"-data.{p.score}", "name"],
        [f"-{p.subscribed}", p.birthday, "-dateCreated"],
        [f"-data.{p.contacted}", f"data.{p.company}", "-name"],
        [f"{p.email}", "-dateUpdated"],
    ]
    got: dict[str, list[str]] = {}
    want: dict[str, list[str]] = {}
    for sort in sorts:
        for limit in (1, 4):
            body = {"entityId": ds.entity_id, "sortFields": sort}
            got[f"{sort} by {limit}"] = ds.names(advanced_all(ds.owner, body, limit))
            want[f"{sort} by {limit}"] = ds.names(expected_order(ds, ds.records, sort))
    assert got == want


def test_cursor_over_a_filtered_advanced_search(ds: Dataset) -> None:
    group = {
        "operator": "OR",
        "conditions": [
            {"field": f"data.{ds.props.score}", "operator": "gte", "value": 50},
            {"field": f"data.{ds.props.score}", "operator": "isEmpty"},
        ],
    }
    sort = [f"-data.{ds.props.score}", "name"]
    body = {"entityId": ds.entity_id, "conditionGroup": group, "sortFields": sort}
    matching = [r for r in ds.records if r["data"].get(ds.props.score, 50) >= 50]
    assert advanced_all(ds.owner, body, 3) == expected_order(ds, matching, sort)

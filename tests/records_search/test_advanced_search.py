"""R10 POST /records/search/advanced: operators, groups, sorting, limits (records-activities §7).

Expected results are computed in Python from the dataset of ``test_list`` with the semantics of
§7.2, and compared, in order, with what the API returns.
"""

import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.records_search.test_list import (
    BAD_REQUEST,
    KINDS,
    NOT_FOUND,
    UNKNOWN_ENTITY,
    UNKNOWN_PROPERTY,
    Dataset,
    Json,
    build_dataset,
    error_of,
    expected_order,
    ids,
    newest_first,
    shift_ms,
)

ALIASES = {"equals": "eq", "neq": "ne", "notEquals": "ne", "nin": "notIn"}
NEGATIONS = {"ne": "eq", "notContains": "contains", "notIn": "in"}
#: Kinds of the system fields (the dataset's properties use their fieldType, see ``KINDS``).
SYSTEM_KINDS = {
    "name": "TEXT",
    "tags": "TAGS",
    "ownerId": "OWNER",
    "dateCreated": "INSTANT",
    "dateUpdated": "INSTANT",
}
COLLEAGUE = "<colleague>"
#: (field or dataset role, operator, value); value ``COLLEAGUE`` is the colleague's member ID.
Case = tuple[str, str, Any]


@pytest.fixture
def ds(owner: Tenant) -> Dataset:
    return build_dataset(owner)


# --- the model: §7.2 in Python -----------------------------------------------------------------


def kind_of(ds: Dataset, field: str) -> str:
    if field in SYSTEM_KINDS:
        return SYSTEM_KINDS[field]
    return KINDS[ds.props.role_of(field.removeprefix("data."))]


def value_of(record: Json, field: str) -> Any:
    """The record's value of a field, None when it has none ("" and [] are no value)."""
    if field in ("name", "tags"):
        return record[field] or None
    if field in SYSTEM_KINDS:
        return record[field]
    return record["data"].get(field.removeprefix("data."))


def comparable(kind: str, value: Any) -> Any:
    if kind in ("DATETIME", "INSTANT"):
        return datetime.fromisoformat(value)
    if kind == "NUMBER":
        return float(value)
    return value


def matches(ds: Dataset, record: Json, node: Json) -> bool:
    if "conditions" in node:
        results = [matches(ds, record, child) for child in node["conditions"]]
        return all(results) if node["operator"] == "AND" else any(results)
    field: str = node["field"]
    target: Any = node.get("value")
    name: str = node["operator"]
    operator = ALIASES.get(name, name)
    value = value_of(record, field)
    if operator in NEGATIONS:
        return not matches(ds, record, {**node, "operator": NEGATIONS[operator]})
    if operator in ("isEmpty", "isNotEmpty"):
        return (value is None) == (operator == "isEmpty")
    if value is None:
        return False
    kind = kind_of(ds, field)
    if kind in ("MULTI_CHECKBOX", "TAGS"):
        wanted: list[Any] = target if operator == "in" else [target]
        assert operator in ("eq", "contains", "in"), operator
        return any(item in value for item in wanted)
    if operator in ("contains", "startsWith", "endsWith"):
        text, needle = str(value).lower(), str(target).lower()
        if operator == "contains":
            return needle in text
        return text.startswith(needle) if operator == "startsWith" else text.endswith(needle)
    left = comparable(kind, value)
    if operator == "in":
        return any(left == comparable(kind, item) for item in target)
    if operator == "between":
        return bool(comparable(kind, target[0]) <= left <= comparable(kind, target[1]))
    right = comparable(kind, target)
    comparisons = {
        "eq": left == right,
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }
    return bool(comparisons[operator])


# --- helpers -----------------------------------------------------------------------------------


def condition(ds: Dataset, case: Case) -> Json:
    field, operator, value = case
    if value == COLLEAGUE:
        value = ds.colleague
    node: Json = {"field": ds.field(field), "operator": operator}
    if operator not in ("isEmpty", "isNotEmpty"):
        node["value"] = value
    return node


def search(tenant: Tenant, body: Json) -> Json:
    response = tenant.post("/records/search/advanced", json=body)
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


def found(ds: Dataset, group: Json | None, sort: Sequence[str] | None = None) -> list[str]:
    """Names of every match (one page of 200)."""
    body: Json = {"entityId": ds.entity_id, "limit": 200}
    if group is not None:
        body["conditionGroup"] = group
    if sort is not None:
        body["sortFields"] = list(sort)
    result = search(ds.owner, body)
    assert "nextKey" not in result
    return ds.names(ids(result["data"]))


def expected(ds: Dataset, group: Json) -> list[str]:
    return ds.names(newest_first([r for r in ds.records if matches(ds, r, group)]))


def label(case: Case) -> str:
    field, operator, value = case
    return f"{field} {operator} {value!r}"


def check_cases(ds: Dataset, cases: Sequence[Case]) -> None:
    got: dict[str, list[str]] = {}
    want: dict[str, list[str]] = {}
    for case in cases:
        group = {"operator": "AND", "conditions": [condition(ds, case)]}
        got[label(case)] = found(ds, group)
        want[label(case)] = expected(ds, group)
    assert got == want


def all_names(ds: Dataset) -> list[str]:
    return ds.names(newest_first(ds.records))


# --- operators ---------------------------------------------------------------------------------


def test_the_model_agrees_with_hand_computed_results(ds: Dataset) -> None:
    """Guards the Python model itself with a few results worked out by hand."""

    def model(case: Case) -> list[str]:
        return expected(ds, {"operator": "AND", "conditions": [condition(ds, case)]})

    assert model(("company", "eq", "Acme Corp")) == ["Carol", "Alice Kim"]
    assert model(("score", "lt", 10.5)) == ["Ivy", "carol", "bobby tables"]
    assert model(("subscribed", "ne", True)) == [
        "Ivy", "Grace Hopper", "Frank", "Eve", "50% Discount", "carol", "bobby tables",
        "Bob Lee", "alice park",
    ]  # fmt: skip
    assert model(("channels", "notIn", ["EMAIL", "SMS"])) == [
        "Ivy", "henry", "Frank", "eve online", "50% Discount", "Dave_Underscore",
        "bobby tables", "ALICE", "alice park",
    ]  # fmt: skip
    assert model(("contacted", "gte", "2024-03-01T18:00:00+09:00")) == [
        "Grace Hopper", "eve online", "Dave_Underscore", "Carol", "Alice Kim",
    ]  # fmt: skip


def test_eq_and_ne_on_every_type(ds: Dataset) -> None:
    check_cases(
        ds,
        [
            ("company", "eq", "Acme Corp"),  # case-sensitive: not "acme corp"
            ("company", "eq", "acme corp"),
            ("company", "ne", "Acme Corp"),  # records without a company match
            ("score", "eq", 50),
            ("score", "eq", 10.5),
            ("score", "eq", "75"),  # validated like a write: decimal strings are numbers
            ("score", "ne", 50),
            ("birthday", "eq", "1990-05-01"),
            ("birthday", "ne", "1990-05-01"),
            ("contacted", "eq", "2024-03-01T18:00:00+09:00"),  # same instant as 09:00Z
            ("contacted", "ne", "2024-03-01T09:00:00Z"),
            ("subscribed", "eq", True),
            ("subscribed", "eq", False),
            ("subscribed", "ne", True),
            ("subscribed", "ne", False),
            ("stage", "eq", "LEAD"),
            ("stage", "ne", "LEAD"),
            ("channels", "eq", "SMS"),  # arrays: contains the element
            ("channels", "ne", "SMS"),
            ("email", "eq", "alice.park@example.com"),
            ("email", "ne", "bob@beta.io"),
            ("name", "eq", "ALICE"),
            ("name", "eq", "alice"),
            ("name", "ne", "Carol"),
            ("tags", "eq", "vip"),
            ("tags", "ne", "vip"),
            ("ownerId", "eq", COLLEAGUE),
            ("ownerId", "ne", COLLEAGUE),  # unowned records match
        ],
    )


def test_text_operators_are_case_insensitive(ds: Dataset) -> None:
    check_cases(
        ds,
        [
            ("company", "contains", "ACME"),
            ("company", "notContains", "acme"),  # records without a company match
            ("company", "startsWith", "ACME C"),
            ("company", "endsWith", "INC"),
            ("name", "contains", "LiC"),
            ("name", "notContains", "e"),
            ("name", "startsWith", "EVE"),
            ("name", "endsWith", "ONLINE"),
            ("name", "startsWith", "bob"),
        ],
    )


def test_text_operators_on_email_match_any_part_of_the_address(ds: Dataset) -> None:
    """§7.2: contains/startsWith/endsWith take any string; a fragment of an address is not
    required to be an address itself."""
    check_cases(
        ds,
        [
            ("email", "contains", "@ACME."),
            ("email", "startsWith", "ALICE"),
            ("email", "endsWith", ".IO"),
            ("email", "notContains", "acme"),
            ("email", "contains", "%@%"),
        ],
    )


def test_array_operators_on_multi_checkbox_and_tags(ds: Dataset) -> None:
    check_cases(
        ds,
        [
            ("channels", "contains", "KAKAO"),
            ("channels", "contains", "kakao"),  # elements are compared exactly
            ("channels", "notContains", "KAKAO"),  # records without channels match
            ("channels", "in", ["PHONE", "KAKAO"]),
            ("channels", "notIn", ["PHONE", "KAKAO"]),
            ("tags", "contains", "partner"),
            ("tags", "notContains", "vip"),
            ("tags", "in", ["partner", "lead"]),
            ("tags", "notIn", ["vip"]),
        ],
    )


def test_in_and_not_in_on_scalars(ds: Dataset) -> None:
    check_cases(
        ds,
        [
            ("stage", "in", ["LEAD", "CLOSED_WON"]),
            ("stage", "notIn", ["LEAD"]),
            ("score", "in", [50, 10.5]),
            ("score", "notIn", [50, -3]),
            ("company", "in", ["Beta Inc", "Zeta", "nobody"]),
            ("company", "notIn", ["Beta Inc"]),
            ("birthday", "in", ["1990-05-01", "1906-12-09"]),
            ("contacted", "in", ["2024-03-01T09:00:00Z", "2022-01-01T09:00:00+09:00"]),
            ("email", "in", ["bob@beta.io", "ivy@league.edu"]),
            ("name", "in", ["Eve", "eve", "Ivy"]),
            ("name", "notIn", ["Eve", "Ivy"]),
            ("ownerId", "in", [COLLEAGUE]),
            ("ownerId", "notIn", [COLLEAGUE]),
        ],
    )


def test_range_operators_on_number_date_and_datetime(ds: Dataset) -> None:
    check_cases(
        ds,
        [
            ("score", "gt", 50),
            ("score", "gte", 50),
            ("score", "lt", 10.5),
            ("score", "lte", 10.5),
            ("score", "gt", -3.5),
            ("score", "between", [0, 75]),
            ("score", "between", [-3, -3]),
            ("score", "between", [75, 0]),  # empty range
            ("birthday", "gt", "1990-05-01"),
            ("birthday", "gte", "1990-05-01"),
            ("birthday", "lt", "1985-12-24"),
            ("birthday", "lte", "1985-12-24"),
            ("birthday", "between", ["1985-01-01", "1990-05-01"]),
            ("contacted", "gt", "2024-03-01T09:00:00Z"),
            ("contacted", "gte", "2024-03-01T09:00:00Z"),
            ("contacted", "lt", "2024-03-01T18:00:00+09:00"),
            ("contacted", "lte", "2024-03-01T18:00:00+09:00"),
            ("contacted", "between", ["2024-01-01T00:00:00Z", "2024-03-01T09:00:00.499Z"]),
            ("contacted", "gt", "2024-03-31T20:00:00-05:00"),
        ],
    )


def test_range_operators_on_date_created_and_date_updated(ds: Dataset) -> None:
    # Boundaries 1 ms after a record: records are at least 2 ms apart, so none sits on one.
    after = {name: shift_ms(ds.by_name(name)["dateCreated"], 1) for name in ("Bob Lee", "Frank")}
    last = shift_ms(ds.records[-1]["dateCreated"], 1)
    check_cases(
        ds,
        [
            ("dateCreated", "gt", after["Frank"]),
            ("dateCreated", "gte", after["Frank"]),
            ("dateCreated", "lt", after["Bob Lee"]),
            ("dateCreated", "lte", after["Bob Lee"]),
            ("dateCreated", "between", [after["Bob Lee"], after["Frank"]]),
            ("dateUpdated", "gt", last),
            ("dateUpdated", "lte", last),
        ],
    )
    updated = {"operator": "AND", "conditions": [condition(ds, ("dateUpdated", "gt", last))]}
    assert found(ds, updated) == ["bobby tables", "alice park"]


def test_is_empty_and_is_not_empty(ds: Dataset) -> None:
    fields = [*KINDS, "name", "tags", "ownerId"]
    check_cases(
        ds,
        [(field, operator, None) for field in fields for operator in ("isEmpty", "isNotEmpty")],
    )


def test_date_created_comparisons_use_the_precision_the_api_returns(ds: Dataset) -> None:
    """dateCreated is returned with milliseconds (§2.1, §18: stored and returned in UTC ms);
    comparing with the very value a record shows must include that record."""
    bob, frank = ds.by_name("Bob Lee"), ds.by_name("Frank")
    check_cases(
        ds,
        [
            ("dateCreated", "eq", bob["dateCreated"]),
            ("dateCreated", "lte", bob["dateCreated"]),
            ("dateCreated", "between", [bob["dateCreated"], frank["dateCreated"]]),
            ("dateUpdated", "eq", frank["dateUpdated"]),
        ],
    )


def test_aliases_mean_the_canonical_operators(ds: Dataset) -> None:
    pairs = [
        (("company", "equals", "Beta Inc"), ("company", "eq", "Beta Inc")),
        (("stage", "neq", "LEAD"), ("stage", "ne", "LEAD")),
        (("score", "notEquals", 50), ("score", "ne", 50)),
        (("channels", "nin", ["SMS"]), ("channels", "notIn", ["SMS"])),
        (("tags", "nin", ["vip", "lead"]), ("tags", "notIn", ["vip", "lead"])),
    ]
    for alias, canonical in pairs:
        alias_group = {"operator": "AND", "conditions": [condition(ds, alias)]}
        canonical_group = {"operator": "AND", "conditions": [condition(ds, canonical)]}
        assert found(ds, alias_group) == found(ds, canonical_group), alias
        assert found(ds, alias_group) == expected(ds, canonical_group), alias
    check_cases(ds, [alias for alias, _ in pairs])


def test_values_that_look_like_sql_or_wildcards_match_literally(ds: Dataset) -> None:
    cases: list[Case] = [
        ("company", "eq", "' OR 1=1 --"),
        ("company", "contains", "' or 1=1"),
        ("company", "contains", "%"),
        ("company", "contains", "_"),
        ("company", "endsWith", "%"),
        ("company", "startsWith", "'"),
        ("company", "in", ["' OR 1=1 --", "%"]),
        ("company", "ne", "' OR 1=1 --"),
        ("name", "contains", "%"),
        ("name", "contains", "_"),
        ("name", "startsWith", "%"),
        ("name", "endsWith", "_"),
        ("name", "eq", "' OR 1=1 --"),
        ("name", "contains", "\\"),
        ("name", "contains", '"; DROP TABLE records; --'),
        ("tags", "contains", "' OR '1'='1"),
        ("tags", "in", ["%", "_"]),
    ]
    check_cases(ds, cases)
    assert found(ds, {"operator": "AND", "conditions": [condition(ds, cases[0])]}) == [
        "bobby tables"
    ]
    assert found(ds, {"operator": "AND", "conditions": [condition(ds, cases[2])]}) == ["carol"]
    assert found(ds, {"operator": "AND", "conditions": [condition(ds, cases[9])]}) == [
        "Dave_Underscore"
    ]


# --- groups ------------------------------------------------------------------------------------


def test_nested_and_or_groups_three_levels_deep(ds: Dataset) -> None:
    p = ds.field
    groups: list[Json] = [
        {
            "operator": "OR",
            "conditions": [
                {
                    "operator": "AND",
                    "conditions": [
                        {"field": "tags", "operator": "contains", "value": "vip"},
                        {
                            "operator": "OR",
                            "conditions": [
                                {"field": p("score"), "operator": "gte", "value": 75},
                                {"field": p("subscribed"), "operator": "eq", "value": False},
                            ],
                        },
                    ],
                },
                {"field": "name", "operator": "startsWith", "value": "eve"},
            ],
        },
        {
            "operator": "AND",
            "conditions": [
                {"field": p("company"), "operator": "isNotEmpty"},
                {
                    "operator": "OR",
                    "conditions": [
                        {"field": p("stage"), "operator": "in", "value": ["LEAD", "QUALIFIED"]},
                        {
                            "operator": "AND",
                            "conditions": [
                                {"field": p("birthday"), "operator": "lt", "value": "1991-01-01"},
                                {"field": p("channels"), "operator": "isEmpty"},
                            ],
                        },
                    ],
                },
                {"field": p("company"), "operator": "notContains", "value": "acme"},
            ],
        },
    ]
    assert [found(ds, group) for group in groups] == [expected(ds, group) for group in groups]
    assert found(ds, groups[0]) == ["Grace Hopper", "eve online", "Eve", "Carol"]


def test_depth_five_is_allowed_and_depth_six_is_not(ds: Dataset) -> None:
    def nested(depth: int) -> Json:
        group: Json = {"operator": "AND", "conditions": [{"field": "name", "operator": "eq",
                                                           "value": "Eve"}]}  # fmt: skip
        for _ in range(depth - 1):
            group = {"operator": "OR", "conditions": [group]}
        return group

    assert found(ds, nested(5)) == ["Eve"]
    response = ds.owner.post(
        "/records/search/advanced", json={"entityId": ds.entity_id, "conditionGroup": nested(6)}
    )
    assert error_of(response) == BAD_REQUEST


def test_fifty_conditions_in_a_group_are_allowed(ds: Dataset) -> None:
    conditions = [{"field": "name", "operator": "ne", "value": f"n{i}"} for i in range(49)]
    conditions.append({"field": "name", "operator": "startsWith", "value": "a"})
    group = {"operator": "AND", "conditions": conditions}
    assert found(ds, group) == ["ALICE", "alice park", "Alice Kim"]
    ors = [{"field": "name", "operator": "eq", "value": f"n{i}"} for i in range(49)]
    group = {"operator": "OR", "conditions": [*ors, {"field": "name", "operator": "eq",
                                                     "value": "Ivy"}]}  # fmt: skip
    assert found(ds, group) == ["Ivy"]


def test_no_condition_group_returns_every_live_record(ds: Dataset) -> None:
    assert found(ds, None) == all_names(ds)
    by_id = {record["recordId"]: record for record in ds.records}
    body = search(ds.owner, {"entityId": ds.entity_id, "limit": 200})
    assert body == {"data": [by_id[i] for i in newest_first(ds.records)]}


# --- sorting and limits ------------------------------------------------------------------------


def test_sort_fields_with_up_to_three_keys(ds: Dataset) -> None:
    p = ds.props
    sorts: list[list[str]] = [
        [f"data.{p.stage}", f"-data.{p.score}", "name"],
        [p.stage, f"-{p.score}", "-name"],  # bare property IDs
        [f"-{p.subscribed}", p.birthday, "-dateCreated"],
        [f"-data.{p.contacted}", f"data.{p.company}"],
        ["name"],
        ["-name"],
        ["dateCreated"],
        ["-dateUpdated"],
        [f"data.{p.email}"],
        [f"-{p.score}", "name", "dateCreated"],
    ]
    got = {" ".join(sort): found(ds, None, sort) for sort in sorts}
    want = {" ".join(sort): ds.names(expected_order(ds, ds.records, sort)) for sort in sorts}
    assert got == want
    assert got[" ".join(sorts[0])] == [
        "Carol", "eve online", "ALICE", "Frank", "henry", "Alice Kim", "Eve", "Bob Lee",
        "alice park", "carol", "Dave_Underscore", "Grace Hopper", "bobby tables", "Ivy",
        "50% Discount",
    ]  # fmt: skip


def test_sort_fields_with_conditions(ds: Dataset) -> None:
    group = {"operator": "AND", "conditions": [condition(ds, ("tags", "isNotEmpty", None))]}
    sort = [f"-data.{ds.props.score}", "name"]
    matching = [record for record in ds.records if record["tags"]]
    assert found(ds, group, sort) == ds.names(expected_order(ds, matching, sort))


def test_limit_defaults_to_20_and_large_limits_are_not_errors(owner: Tenant) -> None:
    entity_id = create(owner, "bulk")["entityId"]
    made = [
        owner.post("/records", json={"entityId": entity_id, "name": f"r{i}"}) for i in range(25)
    ]
    records = sorted(
        (response.json() for response in made),
        key=lambda record: (record["dateCreated"], record["recordId"]),
        reverse=True,
    )
    newest = ids(records)
    first = search(owner, {"entityId": entity_id})
    assert ids(first["data"]) == newest[:20]
    rest = search(owner, {"entityId": entity_id, "startKey": first["nextKey"]})
    assert ids(rest["data"]) == newest[20:]
    assert "nextKey" not in rest
    assert search(owner, {"entityId": entity_id, "limit": 5000}) == {"data": records}


# --- errors ------------------------------------------------------------------------------------


def test_invalid_searches_are_400(ds: Dataset, owner: Tenant) -> None:
    p = ds.props
    foreign_property = add(owner, create(owner, "other")["entityId"], "Foreign")["propertyId"]

    def where(field: str, operator: str, value: Any = None) -> Json:
        leaf: Json = {"field": field, "operator": operator, "value": value}
        return {"conditionGroup": {"operator": "AND", "conditions": [leaf]}}

    text, number = f"data.{p.company}", f"data.{p.score}"
    leaves = [{"field": "name", "operator": "eq", "value": f"n{i}"} for i in range(50)]
    attempts: dict[str, Json] = {
        "gt on TEXT": where(text, "gt", "a"),
        "between on TEXT": where(text, "between", ["a", "b"]),
        "contains on NUMBER": where(number, "contains", "5"),
        "startsWith on NUMBER": where(number, "startsWith", "5"),
        "gt on CHECKBOX": where(f"data.{p.subscribed}", "gt", False),
        "contains on DROPDOWN": where(f"data.{p.stage}", "contains", "LEAD"),
        "gt on MULTI_CHECKBOX": where(f"data.{p.channels}", "gt", "SMS"),
        "gt on tags": where("tags", "gt", "vip"),
        "gt on name": where("name", "gt", "a"),
        "unknown operator": where("name", "like", "a"),
        "operator of wrong case": where("name", "EQ", "a"),
        "unknown field": where("color", "eq", "red"),
        "unknown property": where(f"data.{UNKNOWN_PROPERTY}", "eq", "x"),
        "other entity's property": where(f"data.{foreign_property}", "eq", "x"),
        "empty data. field": where("data.", "eq", "x"),
        "in with a scalar": where(text, "in", "Zeta"),
        "in with an empty list": where(text, "in", []),
        "in with 101 values": where(number, "in", list(range(101))),
        "notIn with an object": where("tags", "notIn", {"a": 1}),
        "between with 1 value": where(number, "between", [1]),
        "between with 3 values": where(number, "between", [1, 2, 3]),
        "between with a scalar": where(number, "between", 5),
        "NUMBER compared with abc": where(number, "eq", "abc"),
        "NUMBER compared with a boolean": where(number, "gt", True),
        "DATE compared with text": where(f"data.{p.birthday}", "gt", "yesterday"),
        "DATE compared with an impossible date": where(f"data.{p.birthday}", "eq", "2023-02-29"),
        "DATETIME without offset": where(f"data.{p.contacted}", "gt", "2024-01-01T00:00:00"),
        "CHECKBOX compared with a string": where(f"data.{p.subscribed}", "eq", "true"),
        "DROPDOWN compared with a number": where(f"data.{p.stage}", "eq", 5),
        "dateCreated compared with a number": where("dateCreated", "gt", 5),
        "dateCreated compared with text": where("dateCreated", "gt", "last week"),
        "name compared with a number": where("name", "eq", 5),
        "eq without a value": where(text, "eq"),
        "51 conditions": {"conditionGroup": {"operator": "AND", "conditions": [
            *leaves, {"field": "name", "operator": "eq", "value": "x"}]}},
        "more than 200 conditions in all": {"conditionGroup": {"operator": "OR", "conditions": [
            {"operator": "AND", "conditions": leaves} for _ in range(5)]}},
        "group operator XOR": {"conditionGroup": {"operator": "XOR", "conditions": []}},
        "group operator in lower case": {"conditionGroup": {"operator": "and", "conditions": []}},
        "4 sortFields": {"sortFields": ["name", "dateCreated", "dateUpdated", "-name"]},
        "sort by tags": {"sortFields": ["tags"]},
        "sort by -tags": {"sortFields": ["-tags"]},
        "sort by MULTI_CHECKBOX": {"sortFields": [f"data.{p.channels}"]},
        "sort by unknown field": {"sortFields": ["color"]},
        "sort by unknown property": {"sortFields": [UNKNOWN_PROPERTY]},
        "sortFields not a list": {"sortFields": "name"},
        "limit 0": {"limit": 0},
        "limit as a string": {"limit": "5"},
        "field that looks like SQL": where("name; DROP TABLE records", "eq", "x"),
        "sort field that looks like SQL": {"sortFields": ["name; DROP TABLE records"]},
    }  # fmt: skip
    got = {
        label: error_of(
            ds.owner.post("/records/search/advanced", json={"entityId": ds.entity_id, **body})
        )
        for label, body in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)
    missing = ds.owner.post("/records/search/advanced", json={"limit": 5})
    assert error_of(missing) == BAD_REQUEST
    invalid_json = ds.owner.post(
        "/records/search/advanced", content=b"{", headers={"content-type": "application/json"}
    )
    assert error_of(invalid_json) == BAD_REQUEST


def test_list_limits_are_inclusive(ds: Dataset) -> None:
    hundred = [*range(99), 50]
    group = {"operator": "AND", "conditions": [condition(ds, ("score", "in", hundred))]}
    assert found(ds, group) == expected(ds, group)
    assert found(ds, group) == ["Eve", "carol", "Carol", "ALICE", "alice park", "Alice Kim"]
    three = ["-name", "dateCreated", f"data.{ds.props.score}"]
    assert found(ds, None, three) == ds.names(expected_order(ds, ds.records, three))


def test_unknown_or_foreign_entity_is_404(ds: Dataset, tenants: TenantFactory) -> None:
    intruder = tenants.account()
    create(intruder, "contacts")
    group = {"operator": "AND", "conditions": [{"field": "name", "operator": "eq", "value": "x"}]}
    attempts = {
        "unknown": ds.owner.post(
            "/records/search/advanced", json={"entityId": UNKNOWN_ENTITY, "conditionGroup": group}
        ),
        "other tenant's": intruder.post(
            "/records/search/advanced", json={"entityId": ds.entity_id, "conditionGroup": group}
        ),
        "other tenant's, no conditions": intruder.post(
            "/records/search/advanced", json={"entityId": ds.entity_id}
        ),
    }
    assert {k: error_of(r) for k, r in attempts.items()} == dict.fromkeys(attempts, NOT_FOUND)


def test_trashed_records_are_never_found(ds: Dataset) -> None:
    group = {"operator": "AND", "conditions": [{"field": "name", "operator": "startsWith",
                                                "value": "zed"}]}  # fmt: skip
    assert found(ds, group) == []
    assert ds.trashed["recordId"] not in ids(search(ds.owner, {"entityId": ds.entity_id,
                                                               "limit": 200})["data"])  # fmt: skip


# --- hostile input -----------------------------------------------------------------------------


def test_ten_thousand_conditions_are_refused_quickly(ds: Dataset) -> None:
    leaf = {"field": "name", "operator": "contains", "value": "a"}
    body = {"entityId": ds.entity_id, "conditionGroup": {"operator": "OR", "conditions": [leaf]
                                                          * 10_000}}  # fmt: skip
    started = time.perf_counter()
    response = ds.owner.post("/records/search/advanced", json=body)
    elapsed = time.perf_counter() - started
    assert error_of(response) == BAD_REQUEST
    assert elapsed < 3.0


def test_ten_thousand_conditions_over_the_body_limit_are_413(ds: Dataset) -> None:
    leaf = {"field": "name", "operator": "contains", "value": "a" * 600}
    body = {"entityId": ds.entity_id, "conditionGroup": {"operator": "OR", "conditions": [leaf]
                                                          * 10_000}}  # fmt: skip
    assert len(json.dumps(body)) > 5 * 1024 * 1024
    started = time.perf_counter()
    response = ds.owner.post("/records/search/advanced", json=body)
    assert error_of(response) == (413, "PayloadTooLarge")
    assert time.perf_counter() - started < 3.0


def test_ten_thousand_nested_groups_are_400(ds: Dataset) -> None:
    depth = 10_000
    leaf = '{"field": "name", "operator": "eq", "value": "x"}'
    group = '{"operator": "AND", "conditions": [' * depth + leaf + "]}" * depth
    raw = f'{{"entityId": "{ds.entity_id}", "conditionGroup": {group}}}'
    started = time.perf_counter()
    response = ds.owner.post(
        "/records/search/advanced", content=raw, headers={"content-type": "application/json"}
    )
    assert error_of(response) == BAD_REQUEST
    assert time.perf_counter() - started < 3.0

"""Input no column can store and no response can carry, refused up front with a 400.

Found by the OpenAPI fuzzer (docs/reliability.md): Python's ``json`` reads ``NaN``, ``Infinity``
and lone surrogates, PostgreSQL refuses NUL characters, and the response encoder gives up on deep
nesting, so each of these answered 500 from some endpoint, on one database or on both.
"""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crmcore.api.errors import NUL_IN_BODY, NUL_IN_URL, TOO_DEEP
from crmcore.kernel.wire import MAX_JSON_DEPTH
from tests.builders import Tenant

JSON = {"Content-Type": "application/json"}
NOT_JSON = {"errorCode": "ValidationError", "errorMessage": "The request body is not valid JSON"}


def create_entity(owner: Tenant) -> str:
    response = owner.post("/entities", json={"name": "Deals", "slug": "deals"})
    assert response.status_code == 200, response.text
    entity_id: str = response.json()["entityId"]
    return entity_id


@pytest.mark.parametrize(
    "document",
    [
        b'{"name": "A", "slug": "a", "priority": NaN}',
        b'{"name": "A", "slug": "a", "priority": Infinity}',
        b'{"name": "A", "slug": "a", "priority": -Infinity}',
        b'{"name": "A", "slug": "a", "priority": 1e400}',
        b'{"name": "\\ud800", "slug": "a"}',
        b'{"name": "A", "slug": "a", "description": "x\\udfffy"}',
    ],
)
def test_bodies_that_are_not_strict_json_are_400_and_write_nothing(
    owner: Tenant, document: bytes
) -> None:
    response = owner.post("/entities", content=document, headers=JSON)
    assert response.status_code == 400
    assert response.json() == NOT_JSON
    assert owner.get("/entities").json() == []


@pytest.mark.parametrize(
    "document",
    [
        b'{"name": "a\\u0000b", "slug": "a"}',
        b'{"name": "A", "slug": "a", "description": "\\u0000"}',
        b'{"name": "A", "slug": "a", "viewSettings": {"table": {"\\u0000": 1}}}',
    ],
)
def test_a_nul_character_anywhere_in_a_body_is_400_and_writes_nothing(
    owner: Tenant, document: bytes
) -> None:
    response = owner.post("/entities", content=document, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"errorCode": "ValidationError", "errorMessage": NUL_IN_BODY}
    assert owner.get("/entities").json() == []


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_body_nested_too_deeply_is_400_and_writes_nothing(owner: Tenant) -> None:
    # The body object itself is one level: the widgets array and its contents the rest.
    document = f'{{"name": "A", "slug": "a", "insightWidgets": {nested(MAX_JSON_DEPTH)}}}'
    response = owner.post("/entities", content=document.encode(), headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"errorCode": "ValidationError", "errorMessage": TOO_DEEP}
    assert owner.get("/entities").json() == []


def test_nesting_up_to_the_limit_reaches_validation(owner: Tenant) -> None:
    document = f'{{"name": "A", "slug": "a", "insightWidgets": {nested(MAX_JSON_DEPTH - 1)}}}'
    response = owner.post("/entities", content=document.encode(), headers=JSON)
    assert response.status_code == 400
    assert response.json()["errorMessage"].startswith("insightWidgets.0")


def test_a_nul_character_in_record_data_or_a_search_is_400(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    field = {"entityId": entity_id, "name": "Note", "fieldType": "TEXT"}
    property_id = owner.post("/properties", json=field).json()["propertyId"]
    record = owner.post("/records", json={"entityId": entity_id, "data": {property_id: "a\x00"}})
    assert record.status_code == 400
    assert record.json()["errorMessage"] == NUL_IN_BODY
    condition = {"field": property_id, "operator": "contains", "value": "\x00"}
    search = {
        "entityId": entity_id,
        "conditionGroup": {"operator": "AND", "conditions": [condition]},
    }
    assert owner.post("/records/search/advanced", json=search).status_code == 400
    assert owner.get("/records", params={"entityId": entity_id}).json() == {"data": []}


@pytest.mark.parametrize("value", ["a\x00b", ["x", "\x00"]])
def test_a_nul_character_in_a_list_filter_is_400(owner: Tenant, value: Any) -> None:
    # ``filters`` is JSON inside the query string: the escaped NUL survives URL checks.
    entity_id = create_entity(owner)
    field = {"entityId": entity_id, "name": "Note", "fieldType": "TEXT"}
    property_id = owner.post("/properties", json=field).json()["propertyId"]
    operator = "in" if isinstance(value, list) else "eq"
    filters = json.dumps({property_id: {"op": operator, "value": value}})
    response = owner.get("/records", params={"entityId": entity_id, "filters": filters})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ValidationError"
    assert "NUL" in response.json()["errorMessage"]


@pytest.mark.parametrize(
    "path",
    [
        "/entities/a%00b",
        "/entities?keyword=a%00b",
        "/records?entityId=%00",
        "/records/search/fulltext/x?q=%00",
        "/properties?keyword=%00",
    ],
)
def test_a_nul_character_in_the_url_is_400(owner: Tenant, path: str) -> None:
    response = owner.get(path)
    assert response.status_code == 400
    assert response.json() == {"errorCode": "ValidationError", "errorMessage": NUL_IN_URL}


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("GET", "/entities/a%00b", None),
        ("POST", "/entities", b'{"name": "\\u0000", "slug": "a"}'),
        ("POST", "/entities", b'{"name": NaN, "slug": "a"}'),
        ("POST", "/entities", b'{"name": "A", "slug": "a", "x": ' + nested(99).encode() + b"}"),
    ],
)
def test_authentication_is_answered_before_input_errors(
    client: TestClient, method: str, path: str, content: bytes | None
) -> None:
    response = client.request(method, "/crm-core/v1" + path, content=content, headers=JSON)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "Unauthorized"


def test_a_spent_signature_is_not_reused_by_an_input_error(owner: Tenant) -> None:
    headers = {**owner.headers(), **JSON}
    first = owner.client.get("/crm-core/v1/entities/a%00b", headers=headers)
    assert first.status_code == 400
    again = owner.client.get("/crm-core/v1/entities", headers=headers)
    assert again.status_code == 403
    assert again.json()["errorCode"] == "DuplicatedSignature"

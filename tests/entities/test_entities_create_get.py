"""E1-E3: create, get and list entities."""

import re
from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ENTITY_ID = re.compile(r"^CRMET1\d{15}[0-9A-Za-z]{11}$")

DEFAULT_VIEW_SETTINGS = {
    "mode": "TABLE",
    "table": {"pageSize": 25},
    "board": {
        "groupByPropertyId": None,
        "sumPropertyId": None,
        "weightPropertyId": None,
        "sortByPropertyId": None,
        "closedWonValues": [],
        "closedLostValues": [],
        "dealRotting": {"enabled": False, "days": 14},
    },
    "calendar": {"datePropertyId": None, "titlePropertyId": None, "colorPropertyId": None},
}


def create(tenant: Tenant, slug: str = "customers", **fields: Any) -> dict[str, Any]:
    response = tenant.post("/entities", json={"name": slug.title(), "slug": slug, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_full_entity_with_defaults(owner: Tenant) -> None:
    body = create(owner, "customers", description="B2C customers")
    assert ENTITY_ID.match(body["entityId"])
    assert body["accountId"] == owner.account_id
    assert "workspaceId" not in body
    assert body["name"] == "Customers"
    assert body["slug"] == "customers"
    assert body["description"] == "B2C customers"
    assert body["propertyIds"] == []
    assert body["viewSettings"] == DEFAULT_VIEW_SETTINGS
    assert body["insightWidgets"] == []
    assert body["recordAccess"] == "PUBLIC"
    assert body["ownerId"] == owner.member_id
    assert body["priority"] == 0
    assert body["isDeleted"] is False
    assert body["createdBy"] == body["updatedBy"] == owner.member_id
    assert ISO_MS.match(body["dateCreated"])
    assert body["dateCreated"] == body["dateUpdated"]
    assert owner.get(f"/entities/{body['entityId']}").json() == body


def test_description_is_omitted_when_not_set(owner: Tenant) -> None:
    assert "description" not in create(owner)


def test_new_entities_go_to_the_end_of_the_sidebar(owner: Tenant) -> None:
    priorities = [create(owner, f"e{i}")["priority"] for i in range(3)]
    assert priorities == [0, 1, 2]
    assert create(owner, "pinned", priority=-5)["priority"] == -5


@pytest.mark.parametrize("priority", [1.7976931348623157e308, -1e300, 2.0**53, 1e16])
def test_huge_integral_priorities_go_out_as_the_same_json_number(
    owner: Tenant, priority: float
) -> None:
    # Found by the OpenAPI fuzzer: such a priority was rendered as a Python int too large for the
    # JSON encoder, a 500 after the entity had been written.
    body = create(owner, priority=priority)
    assert body["priority"] == priority
    assert owner.get(f"/entities/{body['entityId']}").json()["priority"] == priority


def test_ids_sort_by_creation_time(owner: Tenant) -> None:
    ids = [create(owner, f"e{i}")["entityId"] for i in range(5)]
    stamps = [entity_id[6:21] for entity_id in ids]
    assert stamps == sorted(stamps)


def test_member_cannot_create_and_nothing_is_written(owner: Tenant) -> None:
    member = owner.member(Role.MEMBER)
    response = member.post("/entities", json={"name": "Deals", "slug": "deals"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "Forbidden"
    assert owner.get("/entities").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "x"}, "name"),
        ({"name": "X"}, "slug"),
        ({"name": "   ", "slug": "x"}, "name"),
        ({"name": "X" * 101, "slug": "x"}, "name"),
        ({"name": 5, "slug": "x"}, "name"),
        ({"name": "X", "slug": "Has-Capitals"}, "slug"),
        ({"name": "X", "slug": "-leading-dash"}, "slug"),
        ({"name": "X", "slug": "with space"}, "slug"),
        ({"name": "X", "slug": "a" * 64}, "slug"),
        ({"name": "X", "slug": ""}, "slug"),
        ({"name": "X", "slug": "x", "description": "d" * 1001}, "description"),
        (
            {"name": "X", "slug": "x", "propertyIds": ["CRMPP1260423081530123AAA11122233"]},
            "propertyIds",
        ),
        ({"name": "X", "slug": "x", "recordAccess": "PRIVATE"}, "recordAccess"),
        ({"name": "X", "slug": "x", "priority": "first"}, "priority"),
        ({"name": "X", "slug": "x", "viewSettings": {"mode": "GRID"}}, "viewSettings.mode"),
        ({"name": "X", "slug": "x", "viewSettings": {"mode": None}}, "viewSettings.mode"),
        ({"name": "X", "slug": "x", "viewSettings": {"table": {"pageSize": 0}}}, "pageSize"),
        ({"name": "X", "slug": "x", "viewSettings": {"table": {"pageSize": 201}}}, "pageSize"),
        (
            {
                "name": "X",
                "slug": "x",
                "viewSettings": {
                    "board": {"groupByPropertyId": "CRMPP1260423081530123AAA11122233"}
                },
            },
            "viewSettings.board.groupByPropertyId",
        ),
        (
            {"name": "X", "slug": "x", "viewSettings": {"board": {"closedWonValues": ["won"]}}},
            "viewSettings.board.closedWonValues",
        ),
        ({"name": "X", "slug": "x", "insightWidgets": [{"title": "no type"}]}, "insightWidgets"),
        ({"name": "X", "slug": "x", "ownerId": "MEMnotamember1"}, "ownerId"),
    ],
)
def test_invalid_create_bodies_are_400_naming_the_field(
    owner: Tenant, body: dict[str, Any], field: str
) -> None:
    response = owner.post("/entities", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["errorCode"] == "ValidationError"
    assert field in error["errorMessage"]
    assert owner.get("/entities").json() == []


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'"text"', b"", b"null"])
def test_malformed_or_non_object_bodies_are_400(owner: Tenant, content: bytes) -> None:
    response = owner.post(
        "/entities", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ValidationError"


def test_unknown_body_fields_are_ignored(owner: Tenant) -> None:
    body = create(owner, "leads", color="blue", entityId="CRMET1000000000000000AAAAAAAAAAA")
    assert "color" not in body
    assert body["entityId"] != "CRMET1000000000000000AAAAAAAAAAA"


def test_duplicate_slug_is_409(owner: Tenant) -> None:
    create(owner, "customers")
    response = owner.post("/entities", json={"name": "Other", "slug": "customers"})
    assert response.status_code == 409
    assert response.json()["errorCode"] == "DuplicateEntity"
    assert len(owner.get("/entities").json()) == 1


def test_slugs_are_per_account(owner: Tenant, tenants: Any) -> None:
    other = tenants.account()
    create(owner, "customers")
    create(other, "customers")


def test_get_unknown_entity_is_404(owner: Tenant) -> None:
    response = owner.get("/entities/CRMET1260423081530123XYZ11122233")
    assert response.status_code == 404
    assert response.json() == {
        "errorCode": "ResourceNotFound",
        "errorMessage": "Entity 'CRMET1260423081530123XYZ11122233' was not found",
    }


def test_list_is_in_sidebar_order_and_filters_by_keyword(owner: Tenant) -> None:
    create(owner, "zeta", name="Zeta Deals")
    create(owner, "alpha", name="Alpha Customers", priority=-1)
    create(owner, "beta", name="customer success")
    names = [e["name"] for e in owner.get("/entities").json()]
    assert names == ["Alpha Customers", "Zeta Deals", "customer success"]
    found = owner.get("/entities", params={"keyword": "CUSTOMER"}).json()
    assert [e["name"] for e in found] == ["Alpha Customers", "customer success"]


@pytest.mark.parametrize("keyword", ["%", "_", "\\"])
def test_keyword_wildcards_match_literally(owner: Tenant, keyword: str) -> None:
    create(owner, "plain", name="Plain")
    create(owner, "odd", name=f"Odd {keyword} name")
    found = owner.get("/entities", params={"keyword": keyword}).json()
    assert [e["name"] for e in found] == [f"Odd {keyword} name"]


def test_keyword_longer_than_100_characters_is_400(owner: Tenant) -> None:
    response = owner.get("/entities", params={"keyword": "k" * 101})
    assert response.status_code == 400
    assert "keyword" in response.json()["errorMessage"]

"""E4: partial update, record access and ownership."""

from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import DEFAULT_VIEW_SETTINGS, create


def test_member_may_update_ordinary_fields(owner: Tenant) -> None:
    entity = create(owner)
    member = owner.member(Role.MEMBER)
    response = member.patch(
        f"/entities/{entity['entityId']}", json={"description": "Unified customers"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["description"] == "Unified customers"
    assert body["updatedBy"] == member.member_id
    assert body["dateUpdated"] >= entity["dateUpdated"]
    unchanged = {
        k: v for k, v in body.items() if k not in ("description", "updatedBy", "dateUpdated")
    }
    assert unchanged == {k: v for k, v in entity.items() if k not in ("updatedBy", "dateUpdated")}


def test_empty_patch_changes_nothing(owner: Tenant) -> None:
    entity = create(owner)
    response = owner.patch(f"/entities/{entity['entityId']}", json={})
    assert response.status_code == 200
    assert response.json() == entity


def test_description_can_be_cleared(owner: Tenant) -> None:
    entity = create(owner, description="old")
    body = owner.patch(f"/entities/{entity['entityId']}", json={"description": None}).json()
    assert "description" not in body


@pytest.mark.parametrize(
    "body", [{"name": None}, {"slug": None}, {"recordAccess": None}, {"ownerId": None}]
)
def test_null_for_a_required_field_is_400(owner: Tenant, body: dict[str, Any]) -> None:
    entity = create(owner)
    response = owner.patch(f"/entities/{entity['entityId']}", json=body)
    assert response.status_code == 400
    assert owner.get(f"/entities/{entity['entityId']}").json() == entity


def test_member_cannot_change_record_access_but_may_resend_it(owner: Tenant) -> None:
    entity = create(owner)
    member = owner.member(Role.MEMBER)
    path = f"/entities/{entity['entityId']}"
    refused = member.patch(path, json={"recordAccess": "ADMIN_ONLY", "name": "Renamed"})
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "Forbidden"
    assert owner.get(path).json() == entity
    assert member.patch(path, json={"recordAccess": "PUBLIC"}).status_code == 200


def test_admin_only_hides_the_entity_from_members(owner: Tenant) -> None:
    entity = create(owner)
    member = owner.member(Role.MEMBER)
    path = f"/entities/{entity['entityId']}"
    assert owner.patch(path, json={"recordAccess": "ADMIN_ONLY"}).status_code == 200
    assert member.get(path).status_code == 403
    assert member.patch(path, json={"name": "x"}).status_code == 403
    assert member.get("/entities").json() == []
    assert [e["entityId"] for e in owner.get("/entities").json()] == [entity["entityId"]]


def test_entity_owner_only_admits_the_entity_owner(owner: Tenant) -> None:
    entity = create(owner)
    keeper = owner.member(Role.MEMBER)
    stranger = owner.member(Role.MEMBER)
    path = f"/entities/{entity['entityId']}"
    response = owner.patch(
        path, json={"recordAccess": "ENTITY_OWNER_ONLY", "ownerId": keeper.member_id}
    )
    assert response.status_code == 200, response.text
    assert keeper.get(path).status_code == 200
    assert stranger.get(path).status_code == 403
    assert owner.get(path).status_code == 200
    assert [e["entityId"] for e in keeper.get("/entities").json()] == [entity["entityId"]]
    assert stranger.get("/entities").json() == []


def test_owner_id_must_be_an_active_member_of_the_account(
    owner: Tenant, tenants: TenantFactory
) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    foreign = tenants.account()
    for candidate in ("MEMdoesnotexist", foreign.member_id):
        response = owner.patch(path, json={"ownerId": candidate})
        assert response.status_code == 400
        assert "ownerId" in response.json()["errorMessage"]
    member = owner.member(Role.MEMBER)
    assert member.patch(path, json={"ownerId": member.member_id}).status_code == 403
    assert owner.patch(path, json={"ownerId": member.member_id}).json()["ownerId"] == (
        member.member_id
    )


def test_slug_clash_on_update_is_409(owner: Tenant) -> None:
    create(owner, "customers")
    other = create(owner, "deals")
    response = owner.patch(f"/entities/{other['entityId']}", json={"slug": "customers"})
    assert response.status_code == 409
    assert response.json()["errorCode"] == "DuplicateEntity"
    assert owner.patch(f"/entities/{other['entityId']}", json={"slug": "deals"}).status_code == 200


def test_view_settings_are_deep_merged(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    body = owner.patch(path, json={"viewSettings": {"mode": "BOARD"}}).json()
    assert body["viewSettings"] == {**DEFAULT_VIEW_SETTINGS, "mode": "BOARD"}
    body = owner.patch(
        path,
        json={
            "viewSettings": {
                "board": {
                    "aggregationType": "SUM",
                    "sortOrder": "DESC",
                    "dealRotting": {"days": 30},
                }
            }
        },
    ).json()
    board = body["viewSettings"]["board"]
    assert board["aggregationType"] == "SUM"
    assert board["sortOrder"] == "DESC"
    assert board["dealRotting"] == {"enabled": False, "days": 30}
    assert body["viewSettings"]["mode"] == "BOARD"
    body = owner.patch(path, json={"viewSettings": {"board": {"aggregationType": None}}}).json()
    assert "aggregationType" not in body["viewSettings"]["board"]
    assert body["viewSettings"]["board"]["sortOrder"] == "DESC"


@pytest.mark.parametrize(
    "view_settings",
    [
        {"board": {"dealRotting": {"days": 0}}},
        {"board": {"dealRotting": {"enabled": "yes"}}},
        {"board": {"sortOrder": "UP"}},
        {"board": {"aggregationType": "MEDIAN"}},
        {"calendar": {"datePropertyId": "CRMPP1260423081530123AAA11122233"}},
        {"table": None},
    ],
)
def test_invalid_view_settings_are_400_and_change_nothing(
    owner: Tenant, view_settings: dict[str, Any]
) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    response = owner.patch(path, json={"viewSettings": view_settings, "name": "Renamed"})
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "ValidationError"
    assert owner.get(path).json() == entity


def test_insight_widgets_replace_the_array_and_keep_unknown_keys(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    widgets = [{"type": "METRIC", "title": "Pipeline", "filters": {"a": 1}}, {"type": "PIE"}]
    body = owner.patch(path, json={"insightWidgets": widgets}).json()
    stored = body["insightWidgets"]
    assert [w["type"] for w in stored] == ["METRIC", "PIE"]
    assert stored[0]["title"] == "Pipeline"
    assert stored[0]["filters"] == {"a": 1}
    assert all(w["widgetId"] for w in stored)
    kept = owner.patch(path, json={"insightWidgets": stored[:1]}).json()["insightWidgets"]
    assert kept == stored[:1]


@pytest.mark.parametrize(
    "widgets",
    [
        [{"type": "METRIC"}] * 21,
        [{"type": ""}],
        [{"type": "METRIC", "propertyId": "CRMPP1260423081530123AAA11122233"}],
        [{"type": "METRIC", "blob": "x" * 17000}],
        [{"type": "A", "widgetId": "w1"}, {"type": "B", "widgetId": "w1"}],
    ],
)
def test_invalid_widgets_are_400(owner: Tenant, widgets: list[dict[str, Any]]) -> None:
    entity = create(owner)
    response = owner.patch(f"/entities/{entity['entityId']}", json={"insightWidgets": widgets})
    assert response.status_code == 400
    assert "insightWidgets" in response.json()["errorMessage"]


def test_property_ids_must_name_properties_of_the_entity(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    assert owner.patch(path, json={"propertyIds": []}).json()["propertyIds"] == []
    response = owner.patch(path, json={"propertyIds": ["CRMPP1260423081530123AAA11122233"]})
    assert response.status_code == 400
    assert "propertyIds" in response.json()["errorMessage"]

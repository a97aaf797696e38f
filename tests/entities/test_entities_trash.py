"""E5-E9: trash, restore, permanent delete, reorder."""

import re

from crmcore.models.account import Role
from tests.builders import Tenant
from tests.entities.test_entities_create_get import ISO_MS, create


def test_trash_hides_the_entity_and_answers_410(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    response = owner.delete(path)
    assert response.status_code == 200
    body = response.json()
    assert body["entityId"] == entity["entityId"]
    assert body["isDeleted"] is True
    assert ISO_MS.match(body["deletedAt"])
    for call in (owner.get(path), owner.patch(path, json={"name": "x"}), owner.delete(path)):
        assert call.status_code == 410
        assert call.json()["errorCode"] == "Gone"
    assert owner.get("/entities").json() == []
    trash = owner.get("/entities/trash").json()
    assert len(trash) == 1
    assert trash[0]["isDeleted"] is True
    assert trash[0]["deletedBy"] == owner.member_id
    assert trash[0]["deletedAt"] == body["deletedAt"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T", trash[0]["purgeAt"])
    assert trash[0]["purgeAt"] > trash[0]["deletedAt"]


def test_trashed_slug_stays_reserved_until_purged(owner: Tenant) -> None:
    entity = create(owner, "customers")
    owner.delete(f"/entities/{entity['entityId']}")
    response = owner.post("/entities", json={"name": "Again", "slug": "customers"})
    assert response.status_code == 409
    deleted = owner.delete(f"/entities/{entity['entityId']}", params={"permanent": "true"})
    assert deleted.json() == {"entityId": entity["entityId"], "deleted": True, "permanent": True}
    assert owner.post("/entities", json={"name": "Again", "slug": "customers"}).status_code == 200


def test_restore_brings_the_entity_back(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    owner.delete(path)
    restored = owner.post(f"{path}/restore")
    assert restored.status_code == 200
    body = restored.json()
    assert body["isDeleted"] is False
    assert "deletedAt" not in body
    assert owner.get(path).json() == body
    assert owner.get("/entities/trash").json() == []
    again = owner.post(f"{path}/restore")
    assert again.status_code == 400
    assert again.json()["errorCode"] == "ValidationError"


def test_permanent_delete_of_an_active_entity(owner: Tenant) -> None:
    entity = create(owner)
    path = f"/entities/{entity['entityId']}"
    assert owner.delete(path, params={"permanent": "true"}).status_code == 200
    assert owner.get(path).status_code == 404
    assert owner.delete(path, params={"permanent": "true"}).status_code == 404
    assert owner.post(f"{path}/restore").status_code == 404


def test_permanent_must_be_a_boolean(owner: Tenant) -> None:
    entity = create(owner)
    response = owner.delete(f"/entities/{entity['entityId']}", params={"permanent": "maybe"})
    assert response.status_code == 400
    assert owner.get(f"/entities/{entity['entityId']}").status_code == 200


def test_trash_operations_are_owner_only(owner: Tenant) -> None:
    entity = create(owner)
    member = owner.member(Role.MEMBER)
    path = f"/entities/{entity['entityId']}"
    assert member.delete(path).status_code == 403
    assert member.delete(path, params={"permanent": "true"}).status_code == 403
    assert member.get("/entities/trash").status_code == 403
    owner.delete(path)
    assert member.post(f"{path}/restore").status_code == 403
    assert owner.get("/entities/trash").json()[0]["entityId"] == entity["entityId"]


def test_reorder_sets_sidebar_order(owner: Tenant) -> None:
    a, b, c = (create(owner, slug)["entityId"] for slug in ("a", "b", "c"))
    member = owner.member(Role.MEMBER)
    response = member.post("/entities/reorder", json={"entityIds": [c, a]})
    assert response.status_code == 200, response.text
    assert [e["entityId"] for e in response.json()] == [c, a, b]
    assert [e["priority"] for e in response.json()] == [0, 1, 2]
    assert [e["entityId"] for e in owner.get("/entities").json()] == [c, a, b]


def test_reorder_refuses_unknown_duplicate_and_trashed_ids(owner: Tenant) -> None:
    a, b = (create(owner, slug)["entityId"] for slug in ("a", "b"))
    owner.delete(f"/entities/{b}")
    for ids in ([a, a], [a, "CRMET1260423081530123XYZ11122233"], [b], []):
        response = owner.post("/entities/reorder", json={"entityIds": ids})
        assert response.status_code == 400, ids

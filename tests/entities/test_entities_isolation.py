"""Another tenant's entity answers 404 everywhere, exactly like one that does not exist."""

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create


def test_other_tenants_entity_is_404_and_untouched(owner: Tenant, tenants: TenantFactory) -> None:
    entity = create(owner, "customers", description="secret")
    intruder = tenants.account()
    path = f"/entities/{entity['entityId']}"
    attempts = [
        intruder.get(path),
        intruder.patch(path, json={"name": "pwned", "slug": "pwned"}),
        intruder.delete(path),
        intruder.delete(path, params={"permanent": "true"}),
        intruder.post(f"{path}/restore"),
        intruder.post("/entities/reorder", json={"entityIds": [entity["entityId"]]}),
    ]
    statuses = [response.status_code for response in attempts]
    assert statuses == [404, 404, 404, 404, 404, 400]
    unknown = intruder.get("/entities/CRMET1260423081530123XYZ11122233").json()
    assert attempts[0].json()["errorCode"] == unknown["errorCode"] == "ResourceNotFound"
    assert intruder.get("/entities").json() == []
    assert intruder.get("/entities/trash").json() == []
    assert owner.get(path).json() == entity


def test_trashed_entities_of_another_tenant_stay_invisible(
    owner: Tenant, tenants: TenantFactory
) -> None:
    entity = create(owner)
    owner.delete(f"/entities/{entity['entityId']}")
    intruder = tenants.account()
    assert intruder.get(f"/entities/{entity['entityId']}").status_code == 404
    assert intruder.get("/entities/trash").json() == []


def test_workspaces_separate_data_inside_one_account(owner: Tenant) -> None:
    team_member = owner.member(Role.MEMBER, workspace_id="WS1")
    create(owner, "customers")
    assert team_member.get("/entities").json() == []
    # The same slug is free in another workspace.
    team_owner = owner.member(Role.OWNER, workspace_id="WS1")
    body = create(team_owner, "customers")
    assert body["workspaceId"] == "WS1"
    assert owner.get(f"/entities/{body['entityId']}").status_code == 404

"""Who sees and changes which activity: MEMBERs, record visibility, the trash, purges, tenants."""

from typing import Any

from crmcore.models.account import Role
from tests.activities.helpers import (
    Crm,
    Table,
    body_of,
    error_of,
    ids,
    listed,
    new_activity,
)
from tests.builders import TenantFactory
from tests.entities.test_entities_create_get import create


def _missing(response: Any, activity_id: str) -> None:
    error_of(response, 404, "ResourceNotFound", f"Activity '{activity_id}' was not found")


def test_a_member_sees_its_own_public_and_unowned_activities(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    ann, ben = owner.member(Role.MEMBER), owner.member(Role.MEMBER)
    planned = {"scheduledAt": "2026-05-01T00:00:00Z"}
    made = {
        "ann_private": new_activity(ann, crm.alice, **planned),
        "ann_public": new_activity(ann, crm.alice, visibility="PUBLIC", **planned),
        "ben_private": new_activity(ben, crm.alice, **planned),
        "ben_public": new_activity(ben, crm.alice, visibility="PUBLIC", **planned),
        "owner_private": new_activity(owner, crm.alice, **planned),
        "unowned": new_activity(owner, crm.alice, **planned),
        "calendar_ben": new_activity(ben, "CALENDAR", **planned),
        "calendar_public": new_activity(ben, "CALENDAR", visibility="PUBLIC", **planned),
    }
    table.disown(owner.account_id, made["unowned"]["activityId"])
    made["unowned"]["ownerId"] = None
    key = {item["activityId"]: name for name, item in made.items()}
    seen = {"ann_private", "ann_public", "ben_public", "unowned", "calendar_public"}

    def names(activity_ids: list[str]) -> set[str]:
        return {key[i] for i in activity_ids}

    assert names(listed(ann)) == seen
    assert names(listed(ann, recordId=crm.alice)) == seen - {"calendar_public"}
    assert names(listed(ann, recordId="CALENDAR")) == {"calendar_public"}
    scheduled = body_of(ann.get(f"/activities/record/{crm.alice}/scheduled"))
    assert names(ids(scheduled)) == seen - {"calendar_public"}
    assert names(listed(owner)) == set(made)
    assert names(listed(ben)) == {"ann_public", "ben_private", "ben_public", "unowned"} | {
        "calendar_ben",
        "calendar_public",
    }

    for name, item in made.items():
        path = f"/activities/{item['activityId']}"
        if name in seen:
            assert body_of(ann.get(path)) == item
        else:  # invisible: 404 for reads and writes alike
            _missing(ann.get(path), item["activityId"])
            _missing(ann.patch(path, json={"subject": "Mine"}), item["activityId"])
            _missing(ann.delete(path), item["activityId"])
    # Visible but another's (even PUBLIC or unowned): 403, unchanged.
    for name in ("ben_public", "unowned", "calendar_public"):
        item = made[name]
        path = f"/activities/{item['activityId']}"
        forbidden = "Only the owner of activity"
        assert error_of(ann.patch(path, json={"subject": "Mine"}), 403, "Forbidden").startswith(
            forbidden
        )
        assert error_of(ann.delete(path), 403, "Forbidden").startswith(forbidden)
        assert body_of(owner.get(path)) == item
    # Its own: allowed, and it may make it PUBLIC.
    mine = f"/activities/{made['ann_private']['activityId']}"
    assert body_of(ann.patch(mine, json={"visibility": "PUBLIC"}))["visibility"] == "PUBLIC"
    assert made["ann_private"]["activityId"] in listed(ben)
    body_of(ann.delete(f"/activities/{made['ann_public']['activityId']}"))
    # The OWNER may change and delete anyone's.
    theirs = f"/activities/{made['ben_private']['activityId']}"
    changed = body_of(owner.patch(theirs, json={"subject": "Edited"}))
    assert changed["subject"] == "Edited"
    assert changed["ownerId"] == ben.member_id
    assert changed["updatedBy"] == owner.member_id
    body_of(owner.delete(theirs))
    assert table.count(owner.account_id) == len(made) - 2


def test_record_visibility_and_entity_access_gate_activities(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    keeper, colleague = owner.member(Role.MEMBER), owner.member(Role.MEMBER)
    vault = str(
        create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)[
            "entityId"
        ]
    )

    def vault_record(owner_id: str | None) -> str:
        body = {"entityId": vault, "ownerId": owner_id}
        return str(body_of(owner.post("/records", json=body))["recordId"])

    mine, theirs = vault_record(keeper.member_id), vault_record(colleague.member_id)
    planned = {"visibility": "PUBLIC", "dueDate": "2026-05-01T00:00:00Z"}
    on_mine = new_activity(owner, mine, **planned)
    on_theirs = new_activity(owner, theirs, **planned)
    related = new_activity(owner, crm.alice, relatedRecordIds=[theirs], **planned)

    assert set(listed(keeper)) == {on_mine["activityId"], related["activityId"]}
    assert listed(keeper, entityId=vault) == [on_mine["activityId"]]
    _missing(keeper.get(f"/activities/{on_theirs['activityId']}"), on_theirs["activityId"])
    for response in (
        keeper.get("/activities", params={"recordId": theirs}),
        keeper.get(f"/activities/record/{theirs}/scheduled"),
        keeper.post(
            "/activities", json={"recordId": theirs, "activityType": "NOTE", "subject": "x"}
        ),
        keeper.post(
            "/activities",
            json={
                "recordId": mine,
                "activityType": "NOTE",
                "subject": "x",
                "relatedRecordIds": [theirs],
            },
        ),
    ):
        error_of(response, 404, "ResourceNotFound", f"Record '{theirs}' was not found")

    # Without access to the entity at all, its activities are hidden and the filter is 403.
    body_of(owner.patch(f"/entities/{vault}", json={"recordAccess": "ADMIN_ONLY"}))
    assert set(listed(keeper)) == {related["activityId"]}
    _missing(keeper.get(f"/activities/{on_mine['activityId']}"), on_mine["activityId"])
    error_of(keeper.get("/activities", params={"entityId": vault}), 403, "Forbidden")
    error_of(keeper.get(f"/activities/record/{mine}/scheduled"), 404, "ResourceNotFound")
    # The OWNER sees everything.
    assert set(listed(owner)) == set(ids([on_mine, on_theirs, related]))
    assert table.count(owner.account_id) == 3


def test_the_trash_hides_activities_and_a_restore_brings_them_back(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    on_alice = new_activity(owner, crm.alice, dueDate="2026-05-01T00:00:00Z")
    on_bob = new_activity(owner, crm.bob)
    calendar = new_activity(owner, "CALENDAR")
    path = f"/activities/{on_alice['activityId']}"

    body_of(owner.delete(f"/records/{crm.alice}"))
    assert set(listed(owner)) == set(ids([on_bob, calendar]))
    assert listed(owner, entityId=crm.people) == [on_bob["activityId"]]
    _missing(owner.get(path), on_alice["activityId"])
    _missing(owner.patch(path, json={"subject": "x"}), on_alice["activityId"])
    _missing(owner.delete(path), on_alice["activityId"])
    for response in (
        owner.get("/activities", params={"recordId": crm.alice}),
        owner.get(f"/activities/record/{crm.alice}/scheduled"),
    ):
        error_of(response, 404, "ResourceNotFound", f"Record '{crm.alice}' was not found")

    body_of(owner.post(f"/records/{crm.alice}/restore"))
    assert body_of(owner.get(path)) == on_alice
    assert ids(body_of(owner.get(f"/activities/record/{crm.alice}/scheduled"))) == [
        on_alice["activityId"]
    ]

    # A trashed entity hides the activities of all its records, until it is restored.
    body_of(owner.delete(f"/entities/{crm.people}"))
    assert listed(owner) == [calendar["activityId"]]
    _missing(owner.get(path), on_alice["activityId"])
    body_of(owner.post(f"/entities/{crm.people}/restore"))
    assert set(listed(owner)) == set(ids([on_alice, on_bob, calendar]))
    assert table.count(owner.account_id) == 3


def test_purging_a_record_deletes_its_activities(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    new_activity(owner, crm.alice)
    new_activity(owner, crm.alice)
    on_bob = new_activity(owner, crm.bob, relatedRecordIds=[crm.alice])
    calendar = new_activity(owner, "CALENDAR")
    body_of(owner.delete(f"/records/{crm.alice}"))  # from the trash as well
    purge = {"recordIds": [crm.alice], "permanent": True}
    assert body_of(owner.post("/records/bulk/delete", json=purge))["deleted"] == 1
    assert table.count(owner.account_id) == 2
    assert set(listed(owner)) == set(ids([on_bob, calendar]))
    # A related record is a reference, not a link: it stays listed once purged.
    assert body_of(owner.get(f"/activities/{on_bob['activityId']}"))["relatedRecordIds"] == [
        crm.alice
    ]


def test_other_tenants_and_workspaces_see_nothing(
    crm: Crm, table: Table, tenants: TenantFactory
) -> None:
    owner = crm.tenant
    activity = new_activity(owner, crm.alice, visibility="PUBLIC", scheduledAt="2026-05-01T00:00Z")
    calendar = new_activity(owner, "CALENDAR", visibility="PUBLIC")
    intruder = tenants.account()
    elsewhere = owner.member(Role.OWNER, workspace_id="ws-1")
    own_entity = str(create(intruder, "people")["entityId"])
    own_record = str(body_of(intruder.post("/records", json={"entityId": own_entity}))["recordId"])
    for stranger in (intruder, elsewhere):
        for item in (activity, calendar):
            path = f"/activities/{item['activityId']}"
            _missing(stranger.get(path), item["activityId"])
            _missing(stranger.patch(path, json={"subject": "Hijacked"}), item["activityId"])
            _missing(stranger.delete(path), item["activityId"])
        assert listed(stranger) == []
        assert listed(stranger, recordId="CALENDAR") == []
        assert body_of(stranger.get("/activities/record/CALENDAR/scheduled")) == []
        for response in (
            stranger.get("/activities", params={"recordId": crm.alice}),
            stranger.get(f"/activities/record/{crm.alice}/scheduled"),
            stranger.post(
                "/activities", json={"recordId": crm.alice, "activityType": "NOTE", "subject": "x"}
            ),
        ):
            error_of(response, 404, "ResourceNotFound", f"Record '{crm.alice}' was not found")
        error_of(
            stranger.get("/activities", params={"entityId": crm.people}), 404, "ResourceNotFound"
        )
    # Another tenant's records and members cannot be referenced either.
    base = {"recordId": own_record, "activityType": "NOTE", "subject": "x"}
    error_of(
        intruder.post("/activities", json={**base, "relatedRecordIds": [crm.bob]}),
        404,
        "ResourceNotFound",
    )
    error_of(
        intruder.post("/activities", json={**base, "assignedMemberIds": [owner.member_id]}),
        400,
        "ValidationError",
    )
    assert table.count(intruder.account_id) == 0
    assert body_of(owner.get(f"/activities/{activity['activityId']}")) == activity
    assert table.count(owner.account_id) == 2

"""A4 update and A5 delete (by the OWNER; MEMBER permissions are in test_visibility.py)."""

from typing import Any

from crmcore.models.account import Role
from tests.activities.helpers import (
    UNKNOWN_ACTIVITY,
    UNKNOWN_RECORD,
    Crm,
    Table,
    body_of,
    error_of,
    new_activity,
)

FULL: dict[str, Any] = {
    "description": "Agenda",
    "scheduledAt": "2026-05-01T09:00:00Z",
    "dueDate": "2026-05-02T09:00:00Z",
    "completedAt": "2026-05-01T10:00:00Z",
    "outcome": "NO_ANSWER",
    "outcomeNote": "Voicemail",
    "durationMinutes": 30,
    "metadata": {"a": 1, "b": {"c": [1, 2]}},
    "attachmentIds": ["F1"],
}


def test_update_changes_only_the_given_fields(crm: Crm) -> None:
    owner = crm.tenant
    colleague = owner.member(Role.MEMBER)
    created = new_activity(owner, crm.alice, relatedRecordIds=[crm.bob], **FULL)
    path = f"/activities/{created['activityId']}"

    renamed = body_of(owner.patch(path, json={"subject": " Renamed "}))
    assert renamed == {**created, "subject": "Renamed", "dateUpdated": renamed["dateUpdated"]}
    assert renamed["dateUpdated"] > created["dateUpdated"]

    # null (or "" for texts) clears the optional scalars; metadata and lists are replaced whole.
    patch = {
        "description": "",
        "scheduledAt": None,
        "dueDate": None,
        "completedAt": None,
        "outcomeNote": None,
        "durationMinutes": None,
        "metadata": {"b": 2},
        "relatedRecordIds": [crm.carol, crm.alice, crm.carol],
        "attachmentIds": [],
        "visibility": "PUBLIC",
        "assignedMemberIds": [colleague.member_id],
        "activityTypeX": "ignored",  # unknown keys are ignored
    }
    cleared = body_of(owner.patch(path, json=patch))
    gone = {"description", "scheduledAt", "dueDate", "completedAt", "outcomeNote"}
    expected = {k: v for k, v in renamed.items() if k not in gone | {"durationMinutes"}}
    assert cleared == {
        **expected,
        "metadata": {"b": 2},
        "relatedRecordIds": [crm.carol],
        "attachmentIds": [],
        "visibility": "PUBLIC",
        "assignedMemberId": colleague.member_id,
        "assignedMemberIds": [colleague.member_id],
        "dateUpdated": cleared["dateUpdated"],
    }
    assert body_of(owner.get(path)) == cleared

    # The array wins over the legacy field; the legacy field alone replaces; null unassigns.
    both = {"assignedMemberId": colleague.member_id, "assignedMemberIds": [owner.member_id]}
    assert body_of(owner.patch(path, json=both))["assignedMemberIds"] == [owner.member_id]
    legacy = body_of(owner.patch(path, json={"assignedMemberId": colleague.member_id}))
    assert legacy["assignedMemberIds"] == [colleague.member_id]
    unassigned = body_of(owner.patch(path, json={"assignedMemberId": None}))
    assert unassigned["assignedMemberIds"] == []
    assert "assignedMemberId" not in unassigned

    # COMPLETED without a completedAt completes it now; with one, that one is kept.
    done = body_of(owner.patch(path, json={"outcome": "COMPLETED"}))
    assert done["outcome"] == "COMPLETED"
    assert done["completedAt"] == done["dateUpdated"]
    other = new_activity(owner, crm.bob)
    at = {"outcome": "COMPLETED", "completedAt": "2026-03-01T00:00:00+01:00"}
    kept = body_of(owner.patch(f"/activities/{other['activityId']}", json=at))
    assert kept["completedAt"] == "2026-02-28T23:00:00.000Z"


def test_a_patch_that_changes_nothing_keeps_date_updated(crm: Crm) -> None:
    owner = crm.tenant
    created = new_activity(
        owner, crm.alice, relatedRecordIds=[crm.bob], assignedMemberIds=[owner.member_id], **FULL
    )
    path = f"/activities/{created['activityId']}"
    same = {
        "subject": "Call",
        "relatedRecordIds": [crm.bob],
        "assignedMemberId": owner.member_id,
        "visibility": "PRIVATE",
        "metadata": {"b": {"c": [1, 2]}, "a": 1},  # key order does not matter
        **{k: v for k, v in FULL.items() if k != "metadata"},
        "scheduledAt": "2026-05-01T18:00:00+09:00",  # the same instant
    }
    assert body_of(owner.patch(path, json=same)) == created
    # Once referenced, a record may go to the trash and a member may leave: kept lists still
    # validate (only additions are checked).
    body_of(owner.delete(f"/records/{crm.bob}"))
    assert body_of(owner.patch(path, json={"relatedRecordIds": [crm.bob]})) == created
    # A changed JSON type is a change.
    retyped = body_of(owner.patch(path, json={"metadata": {"a": 1.5, "b": {"c": [1, 2]}}}))
    assert retyped["dateUpdated"] > created["dateUpdated"]


def test_refused_patches_change_nothing(crm: Crm) -> None:
    owner = crm.tenant
    created = new_activity(owner, crm.alice)
    path = f"/activities/{created['activityId']}"
    immutable = {
        "activityType": "NOTE",
        "recordId": crm.bob,
        "entityId": crm.people,
        "ownerId": None,
        "createdBy": "MEMx",
        "updatedBy": "MEMx",
        "activityId": "CRMAC1x",
        "accountId": "1",
        "workspaceId": "w",
        "dateCreated": "2026-01-01T00:00:00Z",
        "dateUpdated": "2026-01-01T00:00:00Z",
    }
    for key, value in immutable.items():
        error_of(
            owner.patch(path, json={"subject": "New", key: value}),
            400,
            "ValidationError",
            f"{key}: the field cannot be changed",
        )
    for empty in ({}, {"unknown": 1}):
        error_of(
            owner.patch(path, json=empty),
            400,
            "ValidationError",
            "The body must contain at least one field to change",
        )
    for bad, field in [
        ({"subject": None}, "subject"),
        ({"subject": ""}, "subject"),
        ({"outcome": None}, "outcome"),
        ({"outcome": "WON"}, "outcome"),
        ({"visibility": None}, "visibility"),
        ({"metadata": None}, "metadata"),
        ({"metadata": {"x": "y" * 16 * 1024}}, "metadata"),
        ({"relatedRecordIds": None}, "relatedRecordIds"),
        ({"assignedMemberIds": None}, "assignedMemberIds"),
        ({"assignedMemberIds": ["MEMnobody12345"]}, "assignedMemberIds"),
        ({"attachmentIds": None}, "attachmentIds"),
        ({"dueDate": "2026-05-01 09:00"}, "dueDate"),
        ({"durationMinutes": 10_081}, "durationMinutes"),
    ]:
        message = error_of(owner.patch(path, json=bad), 400, "ValidationError")
        assert message.startswith(field), (bad, message)
    error_of(
        owner.patch(path, json={"subject": "New", "relatedRecordIds": [UNKNOWN_RECORD]}),
        404,
        "ResourceNotFound",
        f"Record '{UNKNOWN_RECORD}' was not found",
    )
    assert body_of(owner.get(path)) == created


def test_delete_is_for_good(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    kept = new_activity(owner, crm.alice)
    doomed = new_activity(owner, crm.alice)
    path = f"/activities/{doomed['activityId']}"
    assert body_of(owner.delete(path)) == {"activityId": doomed["activityId"]}
    assert table.count(owner.account_id) == 1
    message = f"Activity '{doomed['activityId']}' was not found"
    error_of(owner.get(path), 404, "ResourceNotFound", message)
    error_of(owner.delete(path), 404, "ResourceNotFound", message)
    error_of(owner.patch(path, json={"subject": "x"}), 404, "ResourceNotFound", message)
    unknown = f"/activities/{UNKNOWN_ACTIVITY}"
    message = f"Activity '{UNKNOWN_ACTIVITY}' was not found"
    error_of(owner.get(unknown), 404, "ResourceNotFound", message)
    error_of(owner.delete(unknown), 404, "ResourceNotFound", message)
    body_of(owner.get(f"/activities/{kept['activityId']}"))

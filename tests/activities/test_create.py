"""A1 create and A3 get: the Activity object, its defaults, its limits."""

from typing import Any

from crmcore.models.account import Role
from tests.activities.helpers import (
    ACTIVITY_ID,
    ISO_MS,
    UNKNOWN_RECORD,
    Crm,
    Table,
    body_of,
    error_of,
    new_activity,
)
from tests.builders import TenantFactory


def test_create_returns_the_full_activity_and_get_returns_the_same(crm: Crm) -> None:
    owner = crm.tenant
    colleague = owner.member(Role.MEMBER)
    body = {
        "recordId": crm.alice,
        "entityId": crm.people,
        "activityType": "MEETING",
        "subject": "  Kick-off  ",
        "description": "Adoption consultation",
        "relatedRecordIds": [crm.bob, crm.alice, crm.carol, crm.bob],
        "attachmentIds": ["CRMFL1-a", "CRMFL1-b", "CRMFL1-a"],
        "scheduledAt": "2026-04-25T14:00:00+09:00",
        "dueDate": "2026-04-26T00:00:00.123456Z",
        "completedAt": "2026-04-25T05:30:00.5-00:30",
        "outcome": "RESCHEDULED",
        "outcomeNote": "Moved to Friday",
        "assignedMemberId": owner.member_id,  # the array wins
        "assignedMemberIds": [colleague.member_id, owner.member_id, colleague.member_id],
        "durationMinutes": 45,
        "metadata": {"room": "A", "nested": {"n": [1, 2.5, None, True]}},
        "visibility": "PUBLIC",
        "ownerId": colleague.member_id,  # ignored: the creator owns it
        "unknownField": 1,  # ignored, like every unknown key
    }
    created = body_of(owner.post("/activities", json=body))
    assert ACTIVITY_ID.match(created["activityId"])
    assert ISO_MS.match(created["dateCreated"])
    assert created == {
        "activityId": created["activityId"],
        "accountId": owner.account_id,
        "entityId": crm.people,
        "recordId": crm.alice,
        "activityType": "MEETING",
        "subject": "Kick-off",
        "description": "Adoption consultation",
        "relatedRecordIds": [crm.bob, crm.carol],
        "attachmentIds": ["CRMFL1-a", "CRMFL1-b"],
        "scheduledAt": "2026-04-25T05:00:00.000Z",
        "dueDate": "2026-04-26T00:00:00.123Z",
        "completedAt": "2026-04-25T06:00:00.500Z",
        "outcome": "RESCHEDULED",
        "outcomeNote": "Moved to Friday",
        "assignedMemberId": colleague.member_id,
        "assignedMemberIds": [colleague.member_id, owner.member_id],
        "durationMinutes": 45,
        "metadata": {"room": "A", "nested": {"n": [1, 2.5, None, True]}},
        "visibility": "PUBLIC",
        "ownerId": owner.member_id,
        "createdBy": owner.member_id,
        "updatedBy": owner.member_id,
        "dateCreated": created["dateCreated"],
        "dateUpdated": created["dateCreated"],
    }
    assert body_of(owner.get(f"/activities/{created['activityId']}")) == created


def test_unset_fields_are_omitted_and_defaults_apply(crm: Crm) -> None:
    owner = crm.tenant
    minimal = new_activity(owner, crm.alice, "Note to self", "NOTE")
    assert minimal == {
        "activityId": minimal["activityId"],
        "accountId": owner.account_id,
        "entityId": crm.people,
        "recordId": crm.alice,
        "activityType": "NOTE",
        "subject": "Note to self",
        "relatedRecordIds": [],
        "attachmentIds": [],
        "outcome": "PENDING",
        "assignedMemberIds": [],
        "metadata": {},
        "visibility": "PRIVATE",
        "ownerId": owner.member_id,
        "createdBy": owner.member_id,
        "updatedBy": owner.member_id,
        "dateCreated": minimal["dateCreated"],
        "dateUpdated": minimal["dateCreated"],
    }
    # Explicit nulls of optional fields mean "not set", and so do empty texts.
    nulls = new_activity(
        owner,
        crm.alice,
        description="",
        outcomeNote="",
        scheduledAt=None,
        durationMinutes=None,
        assignedMemberIds=None,
        entityId=None,
    )
    assert set(nulls) == set(minimal)

    # A calendar entry: no record, no entity; related records are allowed.
    calendar = new_activity(owner, "CALENDAR", "Team offsite", "OTHER", relatedRecordIds=[crm.bob])
    assert calendar["recordId"] == "CALENDAR"
    assert "entityId" not in calendar
    assert calendar["relatedRecordIds"] == [crm.bob]
    assert body_of(owner.get(f"/activities/{calendar['activityId']}")) == calendar

    # COMPLETED without completedAt: completed now; the legacy single assignee fills both fields.
    done = new_activity(owner, crm.bob, outcome="COMPLETED", assignedMemberId=owner.member_id)
    assert done["completedAt"] == done["dateCreated"]
    assert done["assignedMemberId"] == owner.member_id
    assert done["assignedMemberIds"] == [owner.member_id]
    # ... but a given completedAt is kept.
    given = new_activity(owner, crm.bob, outcome="COMPLETED", completedAt="2026-01-01T00:00:00Z")
    assert given["completedAt"] == "2026-01-01T00:00:00.000Z"

    # Boundaries are accepted.
    edge = new_activity(
        owner,
        crm.alice,
        "S" * 200,
        description="d" * 10_000,
        outcomeNote="n" * 2_000,
        durationMinutes=10_080,
        attachmentIds=[f"F{i:063d}" for i in range(50)],
        metadata={"blob": "x" * (16 * 1024 - 20)},
    )
    assert len(edge["subject"]) == 200
    assert len(edge["attachmentIds"]) == 50
    assert new_activity(owner, crm.alice, durationMinutes=0)["durationMinutes"] == 0


def _nested(depth: int) -> dict[str, Any]:
    """An object ``depth`` levels deep (JSON allows it; orjson cannot write it back)."""
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"recordId": None}, "recordId"),
    ({"recordId": 12}, "recordId"),
    ({"activityType": None}, "activityType"),
    ({"activityType": "call"}, "activityType"),
    ({"activityType": "VISIT"}, "activityType"),
    ({"subject": None}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": "S" * 201}, "subject"),
    ({"subject": 5}, "subject"),
    ({"description": "d" * 10_001}, "description"),
    ({"outcomeNote": "n" * 2_001}, "outcomeNote"),
    ({"outcome": "DONE"}, "outcome"),
    ({"visibility": "SECRET"}, "visibility"),
    ({"durationMinutes": -1}, "durationMinutes"),
    ({"durationMinutes": 10_081}, "durationMinutes"),
    ({"durationMinutes": 1.5}, "durationMinutes"),
    ({"durationMinutes": "15"}, "durationMinutes"),
    ({"durationMinutes": True}, "durationMinutes"),
    ({"scheduledAt": "2026-04-25T14:00:00"}, "scheduledAt"),
    ({"scheduledAt": "2026-04-25"}, "scheduledAt"),
    ({"dueDate": "tomorrow"}, "dueDate"),
    ({"dueDate": "2026-02-30T00:00:00Z"}, "dueDate"),
    ({"completedAt": 1767225600}, "completedAt"),
    ({"metadata": [1]}, "metadata"),
    ({"metadata": None}, "metadata"),
    ({"metadata": {"blob": "x" * (16 * 1024)}}, "metadata"),
    ({"relatedRecordIds": ["CRMRC1x"] * 51}, "relatedRecordIds"),
    ({"relatedRecordIds": "CRMRC1x"}, "relatedRecordIds"),
    ({"attachmentIds": [f"F{i}" for i in range(51)]}, "attachmentIds"),
    ({"attachmentIds": ["F" * 65]}, "attachmentIds"),
    ({"attachmentIds": [""]}, "attachmentIds"),
    ({"assignedMemberIds": "MEM1"}, "assignedMemberIds"),
    ({"assignedMemberIds": ["MEMnobody12345"]}, "assignedMemberIds"),
    ({"assignedMemberId": "MEMnobody12345"}, "assignedMemberIds"),
]


def test_refused_creates_write_nothing(crm: Crm, table: Table, tenants: TenantFactory) -> None:
    owner = crm.tenant
    valid = {"recordId": crm.alice, "activityType": "CALL", "subject": "Call"}
    stranger = tenants.account().member_id
    cases = [
        *BAD_BODIES,
        ({"assignedMemberIds": [owner.member_id, stranger]}, "assignedMemberIds"),
        ({"entityId": "CRMET1-other"}, "entityId"),
        ({"recordId": "CALENDAR", "entityId": crm.people}, "entityId"),
    ]
    for change, field in cases:
        body = {**valid, **change}
        message = error_of(owner.post("/activities", json=body), 400, "ValidationError")
        assert message.startswith(field), (change, message)
    # Too deep to store and write back (refused by the request's depth limit, or here).
    deep = {**valid, "metadata": _nested(300)}
    error_of(owner.post("/activities", json=deep), 400, "ValidationError")
    for missing in valid:
        body = {k: v for k, v in valid.items() if k != missing}
        message = error_of(owner.post("/activities", json=body), 400, "ValidationError")
        assert message.startswith(missing), message

    # Unknown and trashed records (as record or as related record): 404.
    body_of(owner.delete(f"/records/{crm.carol}"))
    unknown: list[tuple[dict[str, Any], str]] = [
        ({"recordId": UNKNOWN_RECORD}, UNKNOWN_RECORD),
        ({"recordId": crm.carol}, crm.carol),
        ({"recordId": "calendar"}, "calendar"),
        ({"relatedRecordIds": [crm.bob, UNKNOWN_RECORD]}, UNKNOWN_RECORD),
        ({"relatedRecordIds": [crm.carol]}, crm.carol),
    ]
    for change, missing in unknown:
        error_of(
            owner.post("/activities", json={**valid, **change}),
            404,
            "ResourceNotFound",
            f"Record '{missing}' was not found",
        )
    assert table.count(owner.account_id) == 0

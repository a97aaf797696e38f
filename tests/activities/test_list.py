"""A2 list (filters, order, cursor) and A6 scheduled activities of a record."""

from tests.activities.helpers import (
    UNKNOWN_ENTITY,
    UNKNOWN_RECORD,
    Crm,
    Table,
    body_of,
    error_of,
    ids,
    listed,
    moments,
    new_activity,
    newest_first,
    pages,
)
from tests.entities.test_entities_create_get import create


def test_pages_are_newest_first_with_a_cursor(crm: Crm, table: Table) -> None:
    owner = crm.tenant
    # Pairs share their creation millisecond: the activity ID breaks the tie.
    inserted = table.insert(owner, crm.people, crm.alice, moments(45, same_pairs=True))
    # IDs start with their creation time, so newest first is descending ID order here.
    order = sorted(inserted, reverse=True)

    found = pages(owner, limit=20)
    assert [len(page) for page in found] == [20, 20, 5]
    everything = [item for page in found for item in page]
    assert ids(everything) == order == newest_first(everything)
    assert everything[1]["dateCreated"] == everything[2]["dateCreated"]  # a tie
    assert ids(body_of(owner.get("/activities"))["data"]) == order[:20]  # default 20
    assert ids(body_of(owner.get("/activities", params={"limit": 500}))["data"]) == order
    assert listed(owner, recordId=crm.alice, limit=7) == order

    # An activity created after the first page was read shows up on no later page.
    first = body_of(owner.get("/activities", params={"limit": 10}))
    new_activity(owner, crm.alice)
    rest = listed(owner, limit=10, startKey=first["nextKey"])
    assert rest == order[10:]

    for limit in (0, -1, "x"):
        message = error_of(
            owner.get("/activities", params={"limit": limit}), 400, "ValidationError"
        )
        assert message.startswith("limit")
    # A cursor is valid only for the filters it was issued for.
    other = {"limit": 10, "startKey": first["nextKey"], "recordId": crm.alice}
    error_of(owner.get("/activities", params=other), 400, "ValidationError")
    forged = {"startKey": first["nextKey"][:-2] + "AA"}
    error_of(owner.get("/activities", params=forged), 400, "ValidationError")


def test_filters_by_record_entity_and_type(crm: Crm) -> None:
    owner = crm.tenant
    companies = str(create(owner, "companies")["entityId"])
    acme = body_of(owner.post("/records", json={"entityId": companies, "name": "Acme"}))
    call = new_activity(owner, crm.alice, activity_type="CALL")
    note = new_activity(owner, crm.alice, activity_type="NOTE")
    bob = new_activity(owner, crm.bob, activity_type="CALL")
    firm = new_activity(owner, acme["recordId"], activity_type="EMAIL")
    calendar = new_activity(owner, "CALENDAR", activity_type="MEETING")
    everything = [calendar, firm, bob, note, call]

    def of(**params: str) -> set[str]:
        return set(listed(owner, **params))

    assert listed(owner) == newest_first(everything)
    assert of(recordId=crm.alice) == set(ids([call, note]))
    assert of(recordId="CALENDAR") == {calendar["activityId"]}
    assert of(entityId=crm.people) == set(ids([call, note, bob]))
    assert of(entityId=companies) == {firm["activityId"]}
    assert of(activityType="CALL") == set(ids([call, bob]))
    assert of(activityType="CALL", entityId=crm.people, recordId=crm.alice) == {call["activityId"]}
    assert of(recordId=crm.alice, entityId=companies) == set()
    assert of(recordId="CALENDAR", entityId=crm.people) == set()

    message = error_of(
        owner.get("/activities", params={"activityType": "VISIT"}), 400, "ValidationError"
    )
    assert message.startswith("activityType")
    error_of(
        owner.get("/activities", params={"recordId": UNKNOWN_RECORD}),
        404,
        "ResourceNotFound",
        f"Record '{UNKNOWN_RECORD}' was not found",
    )
    error_of(owner.get("/activities", params={"entityId": UNKNOWN_ENTITY}), 404, "ResourceNotFound")


def test_scheduled_lists_planned_activities_soonest_first(crm: Crm) -> None:
    owner = crm.tenant
    path = f"/activities/record/{crm.alice}/scheduled"
    assert body_of(owner.get(path)) == []
    new_activity(owner, crm.alice, "Unplanned")
    due = new_activity(owner, crm.alice, "Due", dueDate="2026-05-03T00:00:00Z")
    both = new_activity(
        owner,
        crm.alice,
        "Both",
        scheduledAt="2026-05-01T00:00:00Z",  # sorts by scheduledAt, not the later dueDate
        dueDate="2026-06-01T00:00:00Z",
    )
    late = new_activity(owner, crm.alice, "Late", scheduledAt="2026-05-04T00:00:00Z")
    twins = [
        new_activity(owner, crm.alice, f"Twin {i}", scheduledAt="2026-05-02T09:00:00+09:00")
        for i in range(2)
    ]
    new_activity(owner, crm.bob, "Elsewhere", scheduledAt="2026-05-01T00:00:00Z")
    calendar = new_activity(owner, "CALENDAR", "Offsite", dueDate="2026-07-01T00:00:00Z")
    new_activity(owner, "CALENDAR", "Someday")

    expected = [both, *sorted(twins, key=lambda a: a["activityId"]), due, late]
    scheduled = body_of(owner.get(path))
    assert isinstance(scheduled, list)
    assert scheduled == [body_of(owner.get(f"/activities/{a['activityId']}")) for a in expected]
    assert ids(body_of(owner.get(path, params={"limit": 2}))) == ids(expected[:2])
    assert ids(body_of(owner.get(path, params={"limit": 900}))) == ids(expected)
    calendar_path = "/activities/record/CALENDAR/scheduled"
    assert ids(body_of(owner.get(calendar_path))) == [calendar["activityId"]]

    error_of(owner.get(path, params={"limit": 0}), 400, "ValidationError")
    error_of(
        owner.get(f"/activities/record/{UNKNOWN_RECORD}/scheduled"),
        404,
        "ResourceNotFound",
        f"Record '{UNKNOWN_RECORD}' was not found",
    )

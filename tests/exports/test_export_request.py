"""X1: which records an export holds (filters, keyword, segment, visibility) and its errors."""

import json
from typing import Any

import pytest

from crmcore.config import Settings
from crmcore.models.account import PlanTier, Role
from tests.builders import UNKNOWN_ENTITY, Tenant, TenantFactory, body_of, error_of
from tests.entities.test_entities_create_get import create
from tests.exports.support import Deals, counts, exported, make_deals, request_export, sync_url


@pytest.fixture
def deals(owner: Tenant) -> Deals:
    return make_deals(owner)


def _names(settings: Settings, url: str) -> list[str]:
    lines = exported(settings, url).text().split("\r\n")
    assert lines[-1] == ""
    return [line.split(",")[1] for line in lines[1:-1]]


def test_filters_keyword_and_segment_select_the_records(
    settings: Settings, owner: Tenant, deals: Deals
) -> None:
    for name, value in (("Small one", 5), ("Big one", 500), ("Big two", 900), ("Other", None)):
        values: dict[str, Any] = {} if value is None else {"Amount": value}
        deals.record(owner, name, **values)
    amount = deals.props["Amount"]
    big = json.dumps({amount: {"op": "gte", "value": 100}})
    assert _names(settings, sync_url(owner, deals.entity_id, filters=big)) == ["Big one", "Big two"]
    assert _names(settings, sync_url(owner, deals.entity_id, keyword="ONE")) == [
        "Small one", "Big one",
    ]  # fmt: skip
    both = sync_url(owner, deals.entity_id, filters=big, keyword="two")
    assert _names(settings, both) == ["Big two"]
    condition = {"field": f"data.{amount}", "operator": "lt", "value": 100}
    segment = body_of(
        owner.post(
            "/segments",
            json={"entityId": deals.entity_id, "name": "Small",
                  "conditionGroup": {"operator": "AND", "conditions": [condition]}},
        )
    )  # fmt: skip
    in_segment = sync_url(owner, deals.entity_id, segmentId=segment["segmentId"])
    assert _names(settings, in_segment) == ["Small one"]
    equal = json.dumps({amount: 900})
    assert _names(settings, sync_url(owner, deals.entity_id, filters=equal)) == ["Big two"]


def test_trashed_records_are_left_out(settings: Settings, owner: Tenant, deals: Deals) -> None:
    kept = deals.record(owner, "Kept")
    gone = deals.record(owner, "Gone")
    body_of(owner.delete(f"/records/{gone['recordId']}"))
    assert _names(settings, sync_url(owner, deals.entity_id)) == [kept["name"]]


def test_a_member_exports_only_what_it_may_see(
    settings: Settings, owner: Tenant, tenants: TenantFactory
) -> None:
    member = owner.member(Role.MEMBER)
    deals = make_deals(owner)
    body = {"recordAccess": "ENTITY_OWNER_ONLY", "ownerId": member.member_id}
    body_of(owner.patch(f"/entities/{deals.entity_id}", json=body))
    deals.record(owner, "Owner's")
    deals.record(owner, "Nobody's", ownerId=None)
    deals.record(member, "Member's")
    assert _names(settings, sync_url(member, deals.entity_id)) == ["Nobody's", "Member's"]
    assert _names(settings, sync_url(owner, deals.entity_id)) == [
        "Owner's", "Nobody's", "Member's",
    ]  # fmt: skip
    other = owner.member(Role.MEMBER)
    error_of(request_export(other, deals.entity_id), 403, "Forbidden")


def test_plan_without_export_answers_plan_feature_disabled(
    settings: Settings, tenants: TenantFactory
) -> None:
    free = tenants.account(PlanTier.FREE)
    entity_id = create(free, "deals")["entityId"]
    before = counts(settings)
    for file_format in ("csv", "excel"):
        error_of(
            request_export(free, entity_id, file_format),
            403,
            "PlanFeatureDisabled",
            "Record export is not included in the current plan",
        )
    assert counts(settings) == before
    tenants.set_plan(free.account_id, PlanTier.STARTER)
    assert _names(settings, sync_url(free, entity_id)) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"format": "csv"}, "entityId: Field required"),
        ({"entityId": "", "format": "csv"}, None),
        ({"entityId": "E"}, "format: Field required"),
        ({"entityId": "E", "format": "xlsx"}, None),
        ({"entityId": "E", "format": "CSV"}, None),
        ({"entityId": "E", "format": "csv", "filters": "{not json"}, "filters: not valid JSON"),
        ({"entityId": "E", "format": "csv", "filters": "[1]"}, "filters: must be a JSON object"),
        ({"entityId": "E", "format": "csv", "filters": {"a": 1}}, None),
        ({"entityId": 5, "format": "csv"}, None),
    ],
)
def test_invalid_requests_answer_400(
    settings: Settings, owner: Tenant, deals: Deals, body: dict[str, Any], message: str | None
) -> None:
    if body.get("entityId") == "E":
        body = {**body, "entityId": deals.entity_id}
    before = counts(settings)
    error_of(owner.post("/records/export/request", json=body), 400, "ValidationError", message)
    assert counts(settings) == before


def test_unknown_property_in_filters_answers_400(owner: Tenant, deals: Deals) -> None:
    filters = json.dumps({"CRMPP1260423081530123PRP11122233": "x"})
    error_of(request_export(owner, deals.entity_id, filters=filters), 400, "ValidationError")


def test_unknown_or_foreign_entity_and_segment_answer_404(
    settings: Settings, owner: Tenant, deals: Deals, tenants: TenantFactory
) -> None:
    stranger = tenants.account()
    theirs = make_deals(stranger, "theirs")
    before = counts(settings)
    for entity_id in (UNKNOWN_ENTITY, theirs.entity_id):
        error_of(request_export(owner, entity_id), 404, "ResourceNotFound")
    condition = {"field": "name", "operator": "eq", "value": "x"}
    segment = body_of(
        stranger.post(
            "/segments",
            json={"entityId": theirs.entity_id, "name": "S",
                  "conditionGroup": {"operator": "AND", "conditions": [condition]}},
        )
    )  # fmt: skip
    for segment_id in ("CRMSG1260423081530123SGM11122233", segment["segmentId"]):
        response = request_export(owner, deals.entity_id, segmentId=segment_id)
        error_of(response, 404, "ResourceNotFound")
    assert counts(settings) == before


def test_trashed_entity_answers_410(owner: Tenant, deals: Deals) -> None:
    body_of(owner.delete(f"/entities/{deals.entity_id}"))
    error_of(request_export(owner, deals.entity_id), 410, "Gone")

"""R1, R3, R4: create, get and update records; values, masking, visibility, records.max."""

import re
from dataclasses import dataclass
from typing import Any

import pytest

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.models import Account
from crmcore.models.account import PlanTier, Role
from crmcore.properties.types import FieldType
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import ISO_MS, create
from tests.properties.test_properties_api import STAGES, add

RECORD_ID = re.compile(r"^CRMRC1\d{15}[0-9A-Za-z]{11}$")
UNKNOWN_RECORD = "CRMRC1260423081530123REC11122233"
UNKNOWN_ENTITY = "CRMET1260423081530123XYZ11122233"


def new_record(tenant: Tenant, entity_id: str, **fields: Any) -> dict[str, Any]:
    response = tenant.post("/records", json={"entityId": entity_id, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fetch(tenant: Tenant, record_id: str) -> dict[str, Any]:
    response = tenant.get(f"/records/{record_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(tenant: Tenant, entity_id: str | None = None) -> list[str]:
    params = {"entityId": entity_id} if entity_id is not None else {}
    response = tenant.get("/records", params=params)
    assert response.status_code == 200, response.text
    return [item["recordId"] for item in response.json()["data"]]


def log_actions(tenant: Tenant, record_id: str) -> list[str]:
    response = tenant.get(f"/records/{record_id}/logs", params={"includeDeleted": "true"})
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()["data"]]


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    error = response.json()
    assert error["errorCode"] == code
    if message is not None:
        assert error["errorMessage"] == message
    text: str = error["errorMessage"]
    return text


@dataclass(frozen=True)
class Schema:
    """An entity with one property of every field type."""

    entity_id: str
    ids: dict[FieldType, str]

    def name(self, field_type: FieldType) -> str:
        return field_type.value.title()


def make_schema(tenant: Tenant, slug: str = "deals") -> Schema:
    entity_id = str(create(tenant, slug)["entityId"])
    ids = {
        field_type: str(
            add(tenant, entity_id, field_type.value.title(), field_type.value, options=STAGES)[
                "propertyId"
            ]
        )
        for field_type in FieldType
    }
    return Schema(entity_id, ids)


@pytest.fixture
def schema(owner: Tenant) -> Schema:
    return make_schema(owner)


@pytest.fixture
def entity_id(owner: Tenant) -> str:
    return str(create(owner, "customers")["entityId"])


# --- R1: create ------------------------------------------------------------------------------


def test_create_returns_the_full_record_with_defaults(owner: Tenant, entity_id: str) -> None:
    body = new_record(owner, entity_id)
    assert RECORD_ID.match(body["recordId"])
    assert ISO_MS.match(body["dateCreated"])
    assert body == {
        "recordId": body["recordId"],
        "accountId": owner.account_id,
        "entityId": entity_id,
        "name": "",
        "data": {},
        "tags": [],
        "ownerId": owner.member_id,
        "profileImage": None,
        "images": [],
        "attachments": [],
        "isDeleted": False,
        "createdBy": owner.member_id,
        "updatedBy": owner.member_id,
        "dateCreated": body["dateCreated"],
        "dateUpdated": body["dateCreated"],
    }
    assert fetch(owner, body["recordId"]) == body


def test_create_with_name_data_tags_and_owner(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    member = owner.member(Role.MEMBER)
    text, number = schema.ids[FieldType.TEXT], schema.ids[FieldType.NUMBER]
    multi, email = schema.ids[FieldType.MULTI_CHECKBOX], schema.ids[FieldType.EMAIL]
    body = new_record(
        owner,
        schema.entity_id,
        name="  Acme  ",
        data={text: "Seoul", number: None, multi: [], email: "   "},
        tags=["VIP", " VIP ", "2026", "VIP"],
        ownerId=member.member_id,
    )
    assert body["name"] == "Acme"
    assert body["data"] == {text: "Seoul"}
    assert body["tags"] == ["VIP", "2026"]
    assert body["ownerId"] == member.member_id
    assert body["createdBy"] == body["updatedBy"] == owner.member_id
    assert fetch(owner, body["recordId"]) == body
    assert tenants.record_data(owner.account_id, body["recordId"]) == {text: "Seoul"}


def test_explicit_null_owner_means_unowned(owner: Tenant, entity_id: str) -> None:
    body = new_record(owner, entity_id, ownerId=None)
    assert body["ownerId"] is None
    assert fetch(owner, body["recordId"])["ownerId"] is None


def test_member_can_create_and_owns_the_record_by_default(owner: Tenant, entity_id: str) -> None:
    member = owner.member(Role.MEMBER)
    body = new_record(member, entity_id, name="Mine")
    assert body["ownerId"] == body["createdBy"] == body["updatedBy"] == member.member_id
    assert fetch(owner, body["recordId"]) == body


def test_unknown_top_level_fields_are_ignored(owner: Tenant, schema: Schema) -> None:
    text = schema.ids[FieldType.TEXT]
    body = new_record(
        owner,
        schema.entity_id,
        properties={text: "lost"},
        recordId=UNKNOWN_RECORD,
        isDeleted=True,
    )
    assert body["data"] == {}
    assert body["recordId"] != UNKNOWN_RECORD
    assert body["isDeleted"] is False


def test_limits_are_inclusive(owner: Tenant, entity_id: str) -> None:
    tags = [f"{index:02d}" + "t" * 48 for index in range(50)]
    body = new_record(owner, entity_id, name="n" * 200, tags=tags)
    assert body["name"] == "n" * 200
    assert body["tags"] == tags


GOOD_VALUES: list[tuple[FieldType, Any, Any]] = [
    (FieldType.TEXT, "  Hong Gildong  ", "Hong Gildong"),
    (FieldType.TEXTAREA, "line one\n  line two", "line one\n  line two"),
    (FieldType.NUMBER, "1200", 1200),
    (FieldType.PHONE, "010-1234-5678", "010-1234-5678"),
    (FieldType.EMAIL, "Hong.Gil@Example.COM", "Hong.Gil@example.com"),
    (FieldType.CHECKBOX, False, False),
    (FieldType.MULTI_CHECKBOX, ["LEAD", "CLOSED_WON", "LEAD"], ["LEAD", "CLOSED_WON"]),
    (FieldType.DATE, "2026-04-22T23:30:00-05:00", "2026-04-23"),
    (FieldType.DATETIME, "2026-04-22T15:30:00+09:00", "2026-04-22T06:30:00.000Z"),
    (FieldType.DROPDOWN, "CLOSED_WON", "CLOSED_WON"),
    (FieldType.RADIO, "LEAD", "LEAD"),
    (FieldType.URL, "https://example.com/a?b=1", "https://example.com/a?b=1"),
]


def test_one_good_value_per_field_type_is_stored_normalised(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    assert {field_type for field_type, _, _ in GOOD_VALUES} == set(FieldType)
    sent = {schema.ids[field_type]: value for field_type, value, _ in GOOD_VALUES}
    expected = {schema.ids[field_type]: stored for field_type, _, stored in GOOD_VALUES}
    body = new_record(owner, schema.entity_id, data=sent)
    assert body["data"] == expected
    assert fetch(owner, body["recordId"])["data"] == expected
    assert tenants.record_data(owner.account_id, body["recordId"]) == expected


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("1200", 1200), (" -3.5 ", -3.5), (12.0, 12), ("1e3", 1000), (0, 0), (2.25, 2.25)],
)
def test_numbers_are_stored_as_json_numbers(
    owner: Tenant, schema: Schema, sent: Any, stored: int | float
) -> None:
    number = schema.ids[FieldType.NUMBER]
    value = new_record(owner, schema.entity_id, data={number: sent})["data"][number]
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(1e16, 1e16), (2**64, 1.8446744073709552e19), (-1e300, -1e300), (2**53 - 1, 2**53 - 1)],
)
def test_large_numbers_read_back_as_written_on_both_databases(
    owner: Tenant, schema: Schema, sent: int | float, stored: int | float
) -> None:
    # Found by the OpenAPI fuzzer: PostgreSQL's JSONB hands 1.8e19 back as a 20-digit integer,
    # which the response encoder could not write, so the record and its lists answered 500.
    number = schema.ids[FieldType.NUMBER]
    record = new_record(owner, schema.entity_id, data={number: sent})
    for body in (record, fetch(owner, record["recordId"])):
        assert body["data"][number] == stored
        assert type(body["data"][number]) is type(stored)
    page = owner.get("/records", params={"entityId": schema.entity_id})
    assert page.status_code == 200, page.text
    assert page.json()["data"][0]["data"][number] == stored


BAD_VALUES: list[tuple[FieldType, Any]] = [
    (FieldType.EMAIL, "not-an-email"),
    (FieldType.DROPDOWN, "MAYBE"),
    (FieldType.NUMBER, "12,5"),
    (FieldType.CHECKBOX, "yes"),
    (FieldType.URL, "ftp://x"),
    (FieldType.NUMBER, True),
    (FieldType.PHONE, "call me"),
    (FieldType.PHONE, "123456"),
    (FieldType.DATE, "2026-02-30"),
    (FieldType.DATETIME, "2026-04-22T15:30:00"),
    (FieldType.MULTI_CHECKBOX, ["LEAD", "NOPE"]),
    (FieldType.MULTI_CHECKBOX, "LEAD"),
    (FieldType.RADIO, "lead"),
    (FieldType.TEXT, 5),
]


@pytest.mark.parametrize(("field_type", "value"), BAD_VALUES)
def test_bad_values_are_400_naming_the_property(
    owner: Tenant, schema: Schema, tenants: TenantFactory, field_type: FieldType, value: Any
) -> None:
    property_id = schema.ids[field_type]
    good = schema.ids[FieldType.TEXT] if field_type != FieldType.TEXT else schema.ids[FieldType.URL]
    response = owner.post(
        "/records",
        json={
            "entityId": schema.entity_id,
            "data": {good: "https://ok.example", property_id: value},
        },
    )
    message = assert_error(response, 400, "ValidationError")
    assert message.startswith(f"data.{property_id} ({schema.name(field_type)}): ")
    assert tenants.count_records(owner.account_id) == 0


def test_unknown_data_keys_are_listed(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    text = schema.ids[FieldType.TEXT]
    response = owner.post(
        "/records",
        json={"entityId": schema.entity_id, "data": {text: "ok", "phone": "1", "email": "x"}},
    )
    assert_error(
        response, 400, "ValidationError", "data: not properties of this entity: 'phone', 'email'"
    )
    assert tenants.count_records(owner.account_id) == 0


def test_property_of_another_entity_is_refused(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    other_entity = str(create(owner, "people")["entityId"])
    foreign = str(add(owner, other_entity, "Nickname")["propertyId"])
    response = owner.post("/records", json={"entityId": schema.entity_id, "data": {foreign: "Gil"}})
    assert_error(
        response, 400, "ValidationError", f"data: not properties of this entity: '{foreign}'"
    )
    assert tenants.count_records(owner.account_id) == 0


def test_deleted_property_is_refused(owner: Tenant, schema: Schema, tenants: TenantFactory) -> None:
    text = schema.ids[FieldType.TEXT]
    assert owner.delete(f"/properties/{text}").status_code == 200
    response = owner.post("/records", json={"entityId": schema.entity_id, "data": {text: "x"}})
    assert_error(response, 400, "ValidationError", f"data: not properties of this entity: '{text}'")
    assert tenants.count_records(owner.account_id) == 0


@pytest.mark.parametrize(
    ("fields", "message_start"),
    [
        ({"name": "n" * 201}, "name: "),
        ({"name": 5}, "name: "),
        ({"tags": [f"t{index}" for index in range(51)]}, "tags: "),
        ({"tags": ["t" * 51]}, "tags.0: "),
        ({"tags": ["ok", "   "]}, "tags.1: "),
        ({"tags": "VIP"}, "tags: "),
        ({"tags": [1]}, "tags.0: "),
        ({"data": ["not", "an", "object"]}, "data: "),
        ({"ownerId": "MEMnotamember1"}, "ownerId: 'MEMnotamember1' is not an active CRM member"),
        ({"ownerId": 7}, "ownerId: "),
    ],
)
def test_invalid_bodies_are_400_naming_the_field(
    owner: Tenant,
    entity_id: str,
    tenants: TenantFactory,
    fields: dict[str, Any],
    message_start: str,
) -> None:
    response = owner.post("/records", json={"entityId": entity_id, **fields})
    assert assert_error(response, 400, "ValidationError").startswith(message_start)
    assert tenants.count_records(owner.account_id) == 0


def test_entity_id_is_required(owner: Tenant, tenants: TenantFactory) -> None:
    response = owner.post("/records", json={"name": "orphan"})
    assert assert_error(response, 400, "ValidationError").startswith("entityId: ")
    assert tenants.count_records(owner.account_id) == 0


def test_owner_must_be_a_member_of_this_account(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    stranger = tenants.account()
    response = owner.post("/records", json={"entityId": entity_id, "ownerId": stranger.member_id})
    assert_error(
        response,
        400,
        "ValidationError",
        f"ownerId: '{stranger.member_id}' is not an active CRM member",
    )
    assert tenants.count_records(owner.account_id) == 0


def test_entity_must_exist_in_the_tenant_and_be_live(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    other = tenants.account()
    foreign = str(create(other, "foreign")["entityId"])
    for missing in (UNKNOWN_ENTITY, foreign):
        response = owner.post("/records", json={"entityId": missing, "name": "x"})
        assert_error(response, 404, "ResourceNotFound", f"Entity '{missing}' was not found")
    assert owner.delete(f"/entities/{entity_id}").status_code == 200
    response = owner.post("/records", json={"entityId": entity_id, "name": "x"})
    assert_error(response, 410, "Gone", f"Entity '{entity_id}' is in the trash")
    assert tenants.count_records(owner.account_id) == 0
    assert tenants.count_records(other.account_id) == 0


# --- records.max -----------------------------------------------------------------------------


def set_records_max(settings: Settings, account_id: str, limit: int) -> None:
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            account = session.get(Account, account_id)
            assert account is not None
            account.limit_overrides = {"records.max": limit}
    finally:
        engine.dispose()


@pytest.fixture
def small_plan(tenants: TenantFactory, settings: Settings) -> Tenant:
    """A FREE account whose records.max is overridden to 3."""
    free = tenants.account(PlanTier.FREE)
    set_records_max(settings, free.account_id, 3)
    return free


def test_records_quota_counts_trashed_records_until_deleted_for_good(
    small_plan: Tenant, tenants: TenantFactory
) -> None:
    entity = str(create(small_plan, "deals")["entityId"])
    ids = [new_record(small_plan, entity, name=f"r{index}")["recordId"] for index in range(3)]
    full = {"errorCode": "PlanQuotaExceeded", "errorMessage": "Maximum records per account: 3/3"}
    refused = small_plan.post("/records", json={"entityId": entity, "name": "r3"})
    assert refused.status_code == 403
    assert refused.json() == full
    assert tenants.count_records(small_plan.account_id) == 3

    member = small_plan.member(Role.MEMBER)
    by_member = member.post("/records", json={"entityId": entity})
    assert by_member.status_code == 403
    assert by_member.json() == full

    assert small_plan.delete(f"/records/{ids[0]}").status_code == 200
    still_full = small_plan.post("/records", json={"entityId": entity})
    assert still_full.status_code == 403
    assert still_full.json() == full

    purged = small_plan.post(
        "/records/bulk/delete", json={"recordIds": [ids[0]], "permanent": True}
    )
    assert purged.json() == {"deleted": 1, "skipped": 0, "permanent": True}
    new_record(small_plan, entity, name="r3")
    assert small_plan.post("/records", json={"entityId": entity}).json() == full
    assert tenants.count_records(small_plan.account_id) == 3


def test_plans_me_reports_the_records_override(small_plan: Tenant) -> None:
    plan = small_plan.get("/plans/me").json()
    assert plan["tier"] == "FREE"
    assert plan["overrides"] == {"records.max": 3}
    assert plan["limits"]["records.max"] == 3
    assert plan["limits"]["entities.max"] == 5


def test_plans_me_reports_records_usage(small_plan: Tenant) -> None:
    entity = str(create(small_plan, "deals")["entityId"])
    first = new_record(small_plan, entity)["recordId"]
    new_record(small_plan, entity)
    small_plan.delete(f"/records/{first}")
    # Trashed records still count toward records.max, so they count in the usage too.
    assert small_plan.get("/plans/me").json()["usage"]["records.max"] == 2


# --- R3: get ---------------------------------------------------------------------------------


def test_get_unknown_or_foreign_records_is_404(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    mine = new_record(owner, entity_id)["recordId"]
    intruder = tenants.account()
    for tenant, record_id in ((owner, UNKNOWN_RECORD), (intruder, mine)):
        for params in ({}, {"includeDeleted": "true"}):
            response = tenant.get(f"/records/{record_id}", params=params)
            assert_error(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")
    assert owner.get("/records/not-even-an-id").status_code == 404


def test_include_deleted_is_harmless_for_live_records(owner: Tenant, entity_id: str) -> None:
    body = new_record(owner, entity_id, name="Live")
    response = owner.get(f"/records/{body['recordId']}", params={"includeDeleted": "true"})
    assert response.json() == body
    explicit = owner.get(f"/records/{body['recordId']}", params={"includeDeleted": "false"})
    assert explicit.json() == body


# --- masking ---------------------------------------------------------------------------------


@pytest.fixture
def masked_phone(owner: Tenant, entity_id: str) -> str:
    return str(add(owner, entity_id, "Phone", "PHONE", isMasked=True)["propertyId"])


def test_masked_values_are_clear_for_owners_and_masked_for_members(
    owner: Tenant, entity_id: str, masked_phone: str
) -> None:
    member = owner.member(Role.MEMBER)
    record = new_record(owner, entity_id, data={masked_phone: "010-1234-5678"})
    assert record["data"] == {masked_phone: "010-1234-5678"}
    assert fetch(owner, record["recordId"])["data"] == {masked_phone: "010-1234-5678"}
    assert fetch(member, record["recordId"])["data"] == {masked_phone: "010-****-5678"}
    listed_for_member = member.get("/records", params={"entityId": entity_id}).json()["data"]
    assert [item["data"] for item in listed_for_member] == [{masked_phone: "010-****-5678"}]
    created_by_member = new_record(member, entity_id, data={masked_phone: "02-987-6543"})
    assert created_by_member["data"] == {masked_phone: "02-9**-6543"}
    assert fetch(owner, created_by_member["recordId"])["data"] == {masked_phone: "02-987-6543"}


@pytest.mark.parametrize(
    ("field_type", "value", "masked"),
    [
        (FieldType.PHONE, "010-1234-5678", "010-****-5678"),
        (FieldType.EMAIL, "hong@example.com", "ho***@example.com"),
        (FieldType.TEXT, "Hong Gildong", "H********"),
        (FieldType.URL, "https://a.io", "h********"),
        (FieldType.NUMBER, 1200, "****"),
        (FieldType.CHECKBOX, True, "****"),
        (FieldType.DATE, "2026-04-23", "****"),
        (FieldType.DROPDOWN, "LEAD", "****"),
        (FieldType.MULTI_CHECKBOX, ["LEAD"], ["****"]),
    ],
)
def test_mask_formats(
    owner: Tenant, entity_id: str, field_type: FieldType, value: Any, masked: Any
) -> None:
    prop = add(owner, entity_id, "Secret", field_type.value, options=STAGES, isMasked=True)
    record = new_record(owner, entity_id, data={prop["propertyId"]: value})
    member = owner.member(Role.MEMBER)
    assert fetch(member, record["recordId"])["data"] == {prop["propertyId"]: masked}
    assert fetch(owner, record["recordId"])["data"] == {prop["propertyId"]: value}


def test_member_echoing_the_masked_value_keeps_the_stored_value(
    owner: Tenant, entity_id: str, masked_phone: str, tenants: TenantFactory
) -> None:
    member = owner.member(Role.MEMBER)
    record = new_record(owner, entity_id, name="Hong", data={masked_phone: "010-1234-5678"})
    path = f"/records/{record['recordId']}"
    shown = fetch(member, record["recordId"])

    echoed = member.patch(path, json={"data": shown["data"]})
    assert echoed.status_code == 200, echoed.text
    assert echoed.json() == shown
    assert echoed.json()["dateUpdated"] == record["dateUpdated"]
    assert fetch(owner, record["recordId"]) == record
    assert tenants.record_data(owner.account_id, record["recordId"]) == {
        masked_phone: "010-1234-5678"
    }
    assert log_actions(owner, record["recordId"]) == ["CREATE"]

    renamed = member.patch(path, json={"name": "Hong G.", "data": shown["data"]})
    assert renamed.json()["name"] == "Hong G."
    assert fetch(owner, record["recordId"])["data"] == {masked_phone: "010-1234-5678"}

    changed = member.patch(path, json={"data": {masked_phone: "010-9999-8888"}})
    assert changed.json()["data"] == {masked_phone: "010-****-8888"}
    assert fetch(owner, record["recordId"])["data"] == {masked_phone: "010-9999-8888"}


def test_owner_sending_a_masked_rendering_is_validated_as_a_value(
    owner: Tenant, entity_id: str, masked_phone: str
) -> None:
    record = new_record(owner, entity_id, data={masked_phone: "010-1234-5678"})
    response = owner.patch(
        f"/records/{record['recordId']}", json={"data": {masked_phone: "010-****-5678"}}
    )
    assert assert_error(response, 400, "ValidationError").startswith(f"data.{masked_phone} ")
    assert fetch(owner, record["recordId"]) == record


# --- visibility ------------------------------------------------------------------------------


def test_entity_owner_only_members_see_their_own_and_unowned_records(owner: Tenant) -> None:
    keeper = owner.member(Role.MEMBER)
    colleague = owner.member(Role.MEMBER)
    entity = str(
        create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)[
            "entityId"
        ]
    )
    mine = new_record(owner, entity, name="mine", ownerId=keeper.member_id)
    theirs = new_record(owner, entity, name="theirs", ownerId=colleague.member_id)
    unowned = new_record(owner, entity, name="unowned", ownerId=None)
    owners = new_record(owner, entity, name="owner's")
    by_keeper = new_record(keeper, entity, name="by keeper")

    everything = [by_keeper, owners, unowned, theirs, mine]
    assert listed(owner, entity) == [r["recordId"] for r in everything]
    visible = [by_keeper["recordId"], unowned["recordId"], mine["recordId"]]
    assert listed(keeper, entity) == visible
    assert listed(keeper) == visible

    for record in (mine, unowned, by_keeper):
        assert fetch(keeper, record["recordId"]) == record
    for record in (theirs, owners):
        path = f"/records/{record['recordId']}"
        for response in (
            keeper.get(path),
            keeper.get(path, params={"includeDeleted": "true"}),
            keeper.patch(path, json={"name": "taken"}),
            keeper.delete(path),
            keeper.get(f"{path}/logs"),
        ):
            assert_error(
                response, 404, "ResourceNotFound", f"Record '{record['recordId']}' was not found"
            )
        assert fetch(owner, record["recordId"]) == record

    bulk = keeper.post(
        "/records/bulk/delete", json={"recordIds": [theirs["recordId"], unowned["recordId"]]}
    )
    assert bulk.json() == {"deleted": 1, "skipped": 1, "permanent": False}
    assert fetch(owner, theirs["recordId"]) == theirs

    # Giving a record away hides it from the giver.
    given = keeper.patch(f"/records/{mine['recordId']}", json={"ownerId": colleague.member_id})
    assert given.status_code == 200
    assert keeper.get(f"/records/{mine['recordId']}").status_code == 404
    assert listed(keeper, entity) == [by_keeper["recordId"]]


# --- R4: update ------------------------------------------------------------------------------


def test_update_merges_data_and_replaces_name_tags_and_owner(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    member = owner.member(Role.MEMBER)
    text, number = schema.ids[FieldType.TEXT], schema.ids[FieldType.NUMBER]
    email, multi = schema.ids[FieldType.EMAIL], schema.ids[FieldType.MULTI_CHECKBOX]
    record = new_record(
        owner,
        schema.entity_id,
        name="Acme",
        data={text: "a", number: 1, email: "x@y.com", multi: ["LEAD"]},
        tags=["VIP", "old"],
    )
    path = f"/records/{record['recordId']}"

    response = member.patch(
        path,
        json={
            "name": " Acme Corp ",
            "data": {text: "b", number: None, email: "", multi: []},
            "tags": ["new", "new", " VIP "],
            "ownerId": None,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        **record,
        "name": "Acme Corp",
        "data": {text: "b"},
        "tags": ["new", "VIP"],
        "ownerId": None,
        "updatedBy": member.member_id,
        "dateUpdated": body["dateUpdated"],
    }
    assert body["dateUpdated"] > record["dateUpdated"]
    assert fetch(owner, record["recordId"]) == body
    assert tenants.record_data(owner.account_id, record["recordId"]) == {text: "b"}

    merged = owner.patch(path, json={"data": {number: "42"}}).json()
    assert merged["data"] == {text: "b", number: 42}
    assert merged["name"] == "Acme Corp"
    assert merged["tags"] == ["new", "VIP"]
    assert merged["updatedBy"] == owner.member_id

    reassigned = owner.patch(path, json={"ownerId": member.member_id, "tags": []}).json()
    assert reassigned["ownerId"] == member.member_id
    assert reassigned["tags"] == []


def test_patch_that_changes_nothing_keeps_date_updated_and_writes_no_log(
    owner: Tenant, schema: Schema
) -> None:
    text, number = schema.ids[FieldType.TEXT], schema.ids[FieldType.NUMBER]
    record = new_record(
        owner, schema.entity_id, name="Same", data={text: "t", number: 1200}, tags=["a"]
    )
    path = f"/records/{record['recordId']}"
    for body in (
        {"name": "Same"},
        {"name": " Same ", "tags": ["a", "a"], "ownerId": owner.member_id},
        {"data": {text: " t ", number: "1200", schema.ids[FieldType.URL]: None}},
    ):
        response = owner.patch(path, json=body)
        assert response.status_code == 200, response.text
        assert response.json() == record
    assert fetch(owner, record["recordId"]) == record
    assert log_actions(owner, record["recordId"]) == ["CREATE"]


@pytest.mark.parametrize(
    "fields",
    [
        {"entityId": UNKNOWN_ENTITY},
        {"recordId": UNKNOWN_RECORD},
        {"isDeleted": True},
        {"dateCreated": "2026-01-01T00:00:00.000Z"},
        {"accountId": "26010100001234"},
        {"updatedBy": "MEMXm8i2H3o2z0"},
    ],
)
def test_immutable_fields_are_400(owner: Tenant, entity_id: str, fields: dict[str, Any]) -> None:
    record = new_record(owner, entity_id, name="Fixed")
    response = owner.patch(f"/records/{record['recordId']}", json={"name": "Moved", **fields})
    field = next(iter(fields))
    assert_error(response, 400, "ValidationError", f"{field}: the field cannot be changed")
    assert fetch(owner, record["recordId"]) == record
    assert log_actions(owner, record["recordId"]) == ["CREATE"]


def test_same_entity_id_is_still_immutable(owner: Tenant, entity_id: str) -> None:
    record = new_record(owner, entity_id)
    response = owner.patch(f"/records/{record['recordId']}", json={"entityId": entity_id})
    assert_error(response, 400, "ValidationError", "entityId: the field cannot be changed")


@pytest.mark.parametrize("body", [{}, {"color": "blue"}])
def test_empty_update_is_400(owner: Tenant, entity_id: str, body: dict[str, Any]) -> None:
    record = new_record(owner, entity_id)
    response = owner.patch(f"/records/{record['recordId']}", json=body)
    assert_error(
        response,
        400,
        "ValidationError",
        "The body must contain at least one of name, data, tags, ownerId",
    )
    assert fetch(owner, record["recordId"]) == record


@pytest.mark.parametrize(
    ("fields", "message_start"),
    [
        ({"ownerId": "MEMnotamember1"}, "ownerId: 'MEMnotamember1' is not an active CRM member"),
        ({"data": {"nope": 1}}, "data: not properties of this entity: 'nope'"),
        ({"tags": ["t" * 51]}, "tags.0: "),
        ({"name": None}, "name: "),
        ({"data": None}, "data: "),
        ({"name": "n" * 201}, "name: "),
    ],
)
def test_invalid_update_changes_nothing(
    owner: Tenant, schema: Schema, fields: dict[str, Any], message_start: str
) -> None:
    text = schema.ids[FieldType.TEXT]
    record = new_record(owner, schema.entity_id, name="Before", data={text: "kept"}, tags=["t"])
    response = owner.patch(
        f"/records/{record['recordId']}",
        json={"name": "After", "tags": ["changed"], "data": {text: "changed"}, **fields},
    )
    assert assert_error(response, 400, "ValidationError").startswith(message_start)
    assert fetch(owner, record["recordId"]) == record
    assert log_actions(owner, record["recordId"]) == ["CREATE"]


@pytest.mark.parametrize(("field_type", "value"), BAD_VALUES[:5])
def test_update_validates_values(
    owner: Tenant, schema: Schema, field_type: FieldType, value: Any
) -> None:
    record = new_record(owner, schema.entity_id, name="Before")
    property_id = schema.ids[field_type]
    response = owner.patch(
        f"/records/{record['recordId']}", json={"name": "After", "data": {property_id: value}}
    )
    message = assert_error(response, 400, "ValidationError")
    assert message.startswith(f"data.{property_id} ({schema.name(field_type)}): ")
    assert fetch(owner, record["recordId"]) == record


def test_update_of_unknown_foreign_or_trashed_records_is_404(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    mine = new_record(owner, entity_id, name="Mine")
    trashed = new_record(owner, entity_id, name="Trashed")
    owner.delete(f"/records/{trashed['recordId']}")
    intruder = tenants.account()
    for tenant, record_id in (
        (owner, UNKNOWN_RECORD),
        (intruder, mine["recordId"]),
        (owner, trashed["recordId"]),
    ):
        response = tenant.patch(f"/records/{record_id}", json={"name": "Hacked"})
        assert_error(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")
    assert fetch(owner, mine["recordId"]) == mine
    hidden = owner.get(f"/records/{trashed['recordId']}", params={"includeDeleted": "true"})
    assert hidden.json()["name"] == "Trashed"


def test_values_of_a_deleted_property_stay_hidden(
    owner: Tenant, schema: Schema, tenants: TenantFactory
) -> None:
    text, number = schema.ids[FieldType.TEXT], schema.ids[FieldType.NUMBER]
    record = new_record(owner, schema.entity_id, data={text: "gone", number: 7})
    assert owner.delete(f"/properties/{text}").status_code == 200

    assert fetch(owner, record["recordId"])["data"] == {number: 7}
    listed_data = owner.get("/records", params={"entityId": schema.entity_id}).json()["data"]
    assert [item["data"] for item in listed_data] == [{number: 7}]
    # Stored but hidden: nothing is rewritten silently.
    assert tenants.record_data(owner.account_id, record["recordId"]) == {text: "gone", number: 7}

    response = owner.patch(f"/records/{record['recordId']}", json={"data": {text: "again"}})
    assert_error(response, 400, "ValidationError", f"data: not properties of this entity: '{text}'")
    updated = owner.patch(f"/records/{record['recordId']}", json={"data": {number: 8}}).json()
    assert updated["data"] == {number: 8}
    assert fetch(owner, record["recordId"])["data"] == {number: 8}

"""R3 POST /relationships/bulk-match: link records whose chosen fields hold the same value."""

import json
from datetime import timedelta
from typing import Any

from crmcore.config import Settings
from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.relationships.helpers import (
    UNKNOWN_RECORD,
    Crm,
    body_of,
    error_of,
    insert_records,
    links_stored,
    new_type,
    record,
)

NAME = {"type": "name"}


def prop(property_id: str) -> dict[str, str]:
    return {"type": "property", "propertyId": property_id}


def match_body(
    type_id: str,
    source_entity: str,
    criteria: list[tuple[dict[str, Any], dict[str, Any]]],
    mode: str = "ALL",
    **sources: Any,
) -> dict[str, Any]:
    return {
        "relationshipTypeId": type_id,
        "sourceEntityId": source_entity,
        "criteria": [{"myField": mine, "counterField": theirs} for mine, theirs in criteria],
        "matchMode": mode,
        **sources,
    }


def pairs(tenant: Tenant, type_id: str) -> set[tuple[str, str]]:
    listed = body_of(tenant.get(f"/relationships/type/{type_id}"))
    return {(item["sourceRecordId"], item["targetRecordId"]) for item in listed}


def test_names_match_trimmed_and_ignoring_case_all_or_first(crm: Crm, settings: Settings) -> None:
    """People carry the name of their company in "Employer"; companies are matched by name."""
    owner = crm.tenant
    employer = add(owner, crm.people, "Employer")["propertyId"]
    # Companies oldest first: two "Acme"s (besides the fixture's, which is younger) and "Beta".
    acme_old, acme_mid, beta = insert_records(
        settings, owner, crm.companies, ["ACME ", "  acme", "Beta"], age=timedelta(days=2)
    )
    ann, ben, cat, dan = insert_records(
        settings,
        owner,
        crm.people,
        ["Ann", "Ben", "Cat", "Dan"],
        data=[{employer: " Acme"}, {employer: "BETA"}, {employer: "Gamma"}, {employer: "   "}],
    )
    sources = [ann, ben, cat, dan]
    criteria = [(prop(employer), NAME)]
    first = new_type(owner, "first", crm.people, crm.companies)["relationshipTypeId"]
    body = match_body(first, crm.people, criteria, "FIRST", sourceRecordIds=sources)
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 2,
        "created": 2,
        "skipped": 0,
    }
    assert pairs(owner, first) == {(ann, acme_old), (ben, beta)}

    every = new_type(owner, "every", crm.people, crm.companies)["relationshipTypeId"]
    body = match_body(every, crm.people, criteria, "ALL", sourceRecordIds=sources)
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 4,
        "created": 4,
        "skipped": 0,
    }
    assert pairs(owner, every) == {
        (ann, acme_old),
        (ann, acme_mid),
        (ann, crm.firms[0]),
        (ben, beta),
    }
    # Running it again matches the same pairs and skips them all.
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 4,
        "created": 0,
        "skipped": 4,
    }
    assert links_stored(owner) == 6

    # Whitespace and capitals of imported data, on every database: ASCII and Hangul values,
    # then a value with an accented capital letter.
    imported = new_type(owner, "imported", crm.people, crm.companies)["relationshipTypeId"]
    firm_names = ["Tabbed\t", "\r\nNewline\r\n", "nbsp\u00a0", "\u3000삼성전자\u3000", "ÉCOLE"]
    firms = insert_records(settings, owner, crm.companies, firm_names)
    values = ["tabbed", " NEWLINE", "Nbsp", "삼성전자", "école"]
    people = insert_records(
        settings, owner, crm.people, values, data=[{employer: value} for value in values]
    )
    body = match_body(imported, crm.people, criteria, sourceRecordIds=people[:4])
    assert body_of(owner.post("/relationships/bulk-match", json=body))["created"] == 4
    body = match_body(imported, crm.people, criteria, sourceRecordIds=people[4:])
    assert body_of(owner.post("/relationships/bulk-match", json=body))["created"] == 1
    assert pairs(owner, imported) == set(zip(people, firms, strict=True))


def test_criteria_combine_with_and_and_empty_values_never_match(crm: Crm) -> None:
    owner = crm.tenant
    email = add(owner, crm.people, "Email")["propertyId"]
    city = add(owner, crm.people, "City")["propertyId"]
    contacts = str(create(owner, "contacts")["entityId"])
    mail = add(owner, contacts, "Mail")["propertyId"]
    town = add(owner, contacts, "Town")["propertyId"]
    same = new_type(owner, "same person", crm.people, contacts)["relationshipTypeId"]
    kim = record(owner, crm.people, "Kim", data={email: "kim@x.io", city: "Seoul"})
    lee = record(owner, crm.people, "Lee", data={email: "lee@x.io", city: "Busan"})
    nameless = record(owner, crm.people, "", data={email: "no@x.io"})
    kim_seoul = record(owner, contacts, "k1", data={mail: "KIM@x.io", town: "seoul"})
    record(owner, contacts, "k2", data={mail: "kim@x.io", town: "Incheon"})
    record(owner, contacts, "l1", data={mail: "lee@x.io"})
    record(owner, contacts, "n1", data={mail: "no@x.io"})
    criteria = [(prop(email), prop(mail)), (prop(city), prop(town))]
    body = match_body(same, crm.people, criteria, sourceRecordIds=[kim, lee, nameless])
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 1,
        "created": 1,
        "skipped": 0,
    }
    assert pairs(owner, same) == {(kim, kim_seoul)}
    # Names never match an empty name either.
    by_name = match_body(same, crm.people, [(NAME, NAME)], sourceRecordIds=[nameless])
    record(owner, contacts, "")
    assert body_of(owner.post("/relationships/bulk-match", json=by_name))["matched"] == 0


def test_orientation_and_self_reference(crm: Crm) -> None:
    owner = crm.tenant
    # Sources on the type's target side: the links are stored in the type's orientation.
    twin = record(owner, crm.people, "ACME")
    body = match_body(crm.type_id, crm.companies, [(NAME, NAME)], sourceRecordIds=crm.firms)
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 1,
        "created": 1,
        "skipped": 0,
    }
    assert pairs(owner, crm.type_id) == {(twin, crm.firms[0])}
    # A self-referencing type never matches a record with itself.
    namesake = new_type(owner, "namesake", crm.people, crm.people)["relationshipTypeId"]
    alice_two = record(owner, crm.people, "alice")
    body = match_body(namesake, crm.people, [(NAME, NAME)], sourceRecordIds=crm.persons)
    assert body_of(owner.post("/relationships/bulk-match", json=body)) == {
        "matched": 1,
        "created": 1,
        "skipped": 0,
    }
    assert pairs(owner, namesake) == {(crm.persons[0], alice_two)}


def test_sources_by_condition_and_their_limits(crm: Crm, settings: Settings) -> None:
    owner = crm.tenant
    employer = add(owner, crm.people, "Employer")["propertyId"]
    tagged = [
        record(owner, crm.people, "Ava", data={employer: "acme"}),
        record(owner, crm.people, "Abe", data={employer: "ACME"}),
    ]
    record(owner, crm.people, "Zed", data={employer: "acme"})
    criteria = [(prop(employer), NAME)]
    body = match_body(crm.type_id, crm.people, criteria, sourceFilter={"keyword": "a"})
    assert body_of(owner.post("/relationships/bulk-match", json=body))["created"] == 2
    assert pairs(owner, crm.type_id) == {(source, crm.firms[0]) for source in tagged}
    by_filters = match_body(
        crm.type_id, crm.people, criteria, sourceFilter={"filters": json.dumps({"name": "Zed"})}
    )
    assert body_of(owner.post("/relationships/bulk-match", json=by_filters))["created"] == 1
    # At most 500 sources by ID, 5,000 by condition: more is refused, never cut. (The bound is
    # inclusive: see the 10,000 pairs of /relationships/bulk, chosen the same way.)
    too_many_ids = {**by_filters, "sourceRecordIds": [UNKNOWN_RECORD] * 501}
    del too_many_ids["sourceFilter"]
    error_of(owner.post("/relationships/bulk-match", json=too_many_ids), 400, "ValidationError")
    insert_records(settings, owner, crm.people, ["bulk"] * 4_997)
    everyone = {**by_filters, "sourceFilter": {}}  # 3 + 3 + 4,997 = 5,003 people
    error_of(
        owner.post("/relationships/bulk-match", json=everyone),
        400,
        "ValidationError",
        "sourceFilter selects more than 5000 records",
    )
    assert links_stored(owner) == 3


def test_refusals_write_nothing(crm: Crm, tenants: TenantFactory) -> None:
    owner = crm.tenant
    trashed = record(owner, crm.people, "Acme")
    owner.delete(f"/records/{trashed}").raise_for_status()
    employer = add(owner, crm.people, "Employer")["propertyId"]
    places = str(create(owner, "places")["entityId"])
    base = match_body(crm.type_id, crm.people, [(NAME, NAME)], sourceRecordIds=crm.persons)
    invalid: list[dict[str, Any]] = [
        {**base, "criteria": []},
        {**base, "matchMode": "SOME"},
        {**base, "criteria": [{"myField": {"type": "property"}, "counterField": NAME}]},
        {**base, "criteria": [{"myField": {"type": "email"}, "counterField": NAME}]},
        {**base, "criteria": [{"myField": NAME}]},
        {**base, "sourceFilter": {"keyword": "a"}},
        {k: v for k, v in base.items() if k != "sourceRecordIds"},
        {**base, "sourceEntityId": places},  # not a side of the type
        # A property of the other entity, or an unknown one.
        {**base, "criteria": [{"myField": NAME, "counterField": prop(employer)}]},
        {
            **base,
            "criteria": [
                {"myField": prop("CRMPP1260423081530123AAA11122233"), "counterField": NAME}
            ],
        },
        {**base, "sourceRecordIds": [crm.firms[0]]},  # a record of the other entity
    ]
    for body in invalid:
        error_of(owner.post("/relationships/bulk-match", json=body), 400, "ValidationError")
    other = tenants.account()
    foreign = record(other, str(create(other, "people")["entityId"]), "Acme")
    for missing in (UNKNOWN_RECORD, trashed, foreign):
        body = {**base, "sourceRecordIds": [*crm.persons, missing]}
        response = owner.post("/relationships/bulk-match", json=body)
        error_of(response, 404, "ResourceNotFound", f"Record '{missing}' was not found")
    # A MEMBER cannot match by a masked property, on either side.
    phone = add(owner, crm.people, "Phone", "PHONE", isMasked=True)["propertyId"]
    hotline = add(owner, crm.companies, "Hotline", "PHONE")["propertyId"]
    caller = record(owner, crm.people, "Caller", data={phone: "010-1234-5678"})
    callee = record(owner, crm.companies, "Callee", data={hotline: "010-1234-5678"})
    by_phone = match_body(
        crm.type_id, crm.people, [(prop(phone), prop(hotline))], sourceRecordIds=[caller]
    )
    by_hotline = match_body(
        crm.type_id, crm.companies, [(prop(hotline), prop(phone))], sourceRecordIds=[callee]
    )
    member = owner.member(Role.MEMBER)
    for body in (by_phone, by_hotline):
        response = member.post("/relationships/bulk-match", json=body)
        assert "masked" in error_of(response, 403, "Forbidden")
    assert links_stored(owner) == 0
    # The OWNER can.
    assert body_of(owner.post("/relationships/bulk-match", json=by_phone))["created"] == 1
    assert pairs(owner, crm.type_id) == {(caller, callee)}

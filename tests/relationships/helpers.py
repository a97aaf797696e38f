"""Builders shared by the relationships tests: types, records, links, pages, plan overrides."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import aliased

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.wire import utc_now
from crmcore.models import Account, Record, Relationship

# Re-exported: the tests of this package import them from here.
from tests.builders import UNKNOWN_ENTITY as UNKNOWN_ENTITY
from tests.builders import UNKNOWN_RECORD as UNKNOWN_RECORD
from tests.builders import Tenant as Tenant
from tests.builders import body_of as body_of
from tests.builders import data_keys, new_record
from tests.builders import error_of as error_of
from tests.entities.test_entities_create_get import create

TYPE_ID = re.compile(r"^CRMRT1\d{15}[0-9A-Za-z]{11}$")
LINK_ID = re.compile(r"^CRMRL1\d{15}[0-9A-Za-z]{11}$")
UNKNOWN_TYPE = "CRMRT1260423091530123RTP11122233"
UNKNOWN_LINK = "CRMRL1260423091530123REL11122233"


record = new_record


def new_type(tenant: Tenant, name: str, source: str, target: str, **fields: Any) -> Any:
    body = {"name": name, "sourceEntityId": source, "targetEntityId": target, **fields}
    return body_of(tenant.post("/relationships/types", json=body))


def link_body(
    type_id: str,
    source: tuple[str, str],
    target: tuple[str, str],
    **extra: Any,
) -> dict[str, Any]:
    """A create body; ``source`` and ``target`` are (entityId, recordId)."""
    return {
        "relationshipTypeId": type_id,
        "sourceEntityId": source[0],
        "sourceRecordId": source[1],
        "targetEntityId": target[0],
        "targetRecordId": target[1],
        **extra,
    }


def usage(tenant: Tenant) -> dict[str, int]:
    usage: dict[str, int] = body_of(tenant.get("/plans/me"))["usage"]
    return usage


def links_stored(tenant: Tenant) -> int:
    """Every relationship row of the account (usage counts them all, hidden or not)."""
    return usage(tenant)["relationships.max"]


def pages(tenant: Tenant, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Follow ``nextKey`` to the end; every page but the last must carry one."""
    found: list[list[dict[str, Any]]] = []
    while True:
        page = body_of(tenant.get(path, params=params))
        found.append(page["data"])
        if "nextKey" not in page:
            return found
        assert page["data"], "a page with a nextKey must not be empty"
        params = {**params, "startKey": page["nextKey"]}


def every(tenant: Tenant, path: str = "/relationships/list", **params: Any) -> list[str]:
    """The relationship IDs of all pages, in order."""
    return [item["relationshipId"] for page in pages(tenant, path, **params) for item in page]


def newest_first(items: list[dict[str, Any]], key: str = "relationshipId") -> list[str]:
    """The order of the paginated lists: dateCreated, then the ID, descending."""
    return oldest_first(items, key)[::-1]


def oldest_first(items: list[dict[str, Any]], key: str = "relationshipId") -> list[str]:
    """The order of the capped arrays: dateCreated, then the ID (ties within a millisecond)."""
    return [item[key] for item in sorted(items, key=lambda i: (i["dateCreated"], i[key]))]


def set_limits(settings: Settings, account_id: str, overrides: dict[str, int]) -> None:
    """Override plan limits of one account, as an admin would."""
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            account = session.get(Account, account_id)
            assert account is not None
            account.limit_overrides = overrides
    finally:
        engine.dispose()


def insert_records(
    settings: Settings,
    tenant: Tenant,
    entity_id: str,
    names: list[str],
    data: list[dict[str, Any]] | None = None,
    *,
    age: timedelta = timedelta(days=1),
) -> list[str]:
    """Many live records at once, straight into the table, created ``age`` ago, each one a
    millisecond younger than the previous, so that "oldest first" is the order of ``names``."""
    start = utc_now() - age
    rows: list[dict[str, Any]] = []
    for index, name in enumerate(names):
        moment = start + timedelta(milliseconds=index)
        rows.append(
            {
                "account_id": tenant.account_id,
                "record_id": new_id(IdKind.RECORD, moment),
                "entity_id": entity_id,
                "workspace_id": "",
                "name": name,
                "data": data[index] if data is not None else {},  # per property ID here
                "tags": [],
                "owner_id": tenant.member_id,
                "is_deleted": False,
                "created_by": tenant.member_id,
                "updated_by": tenant.member_id,
                "date_created": moment,
                "date_updated": moment,
            }
        )
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            keys = data_keys(session, tenant.account_id, entity_id)
            for row in rows:
                row["data"] = {keys[pid]: value for pid, value in row["data"].items()}
            session.execute(insert(Record), rows)
    finally:
        engine.dispose()
    return [str(row["record_id"]) for row in rows]


def link_every(
    settings: Settings,
    tenant: Tenant,
    type_id: str,
    sources: list[str],
    targets: list[str],
) -> None:
    """Link every source to every target (in the type's orientation), straight into the table,
    in one statement. Each ID is made of the two records' random parts."""
    source, target = aliased(Record), aliased(Record)
    now = utc_now()
    rows = (
        select(
            source.account_id,
            literal("CRMRL10000")
            + func.substr(source.record_id, 22)
            + func.substr(target.record_id, 22),
            literal(type_id),
            literal(""),
            source.entity_id,
            source.record_id,
            target.entity_id,
            target.record_id,
            literal({}, Relationship.meta.type),
            literal(tenant.member_id),
            literal(tenant.member_id),
            literal(now, Relationship.date_created.type),
            literal(now, Relationship.date_updated.type),
        )
        .join_from(source, target, target.account_id == source.account_id)
        .where(
            source.account_id == tenant.account_id,
            source.record_id.in_(sources),
            target.record_id.in_(targets),
        )
    )
    columns = [
        "account_id", "relationship_id", "relationship_type_id", "workspace_id",
        "source_entity_id", "source_record_id", "target_entity_id", "target_record_id",
        "metadata", "created_by", "updated_by", "date_created", "date_updated",
    ]  # fmt: skip
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(insert(Relationship).from_select(columns, rows))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Crm:
    """One tenant with people and companies, and an "employment" type people -> companies
    (sourceLabel "employee", targetLabel "employer")."""

    tenant: Tenant
    people: str
    companies: str
    type_id: str
    persons: list[str]  # "Alice", "Bob", "" (no name)
    firms: list[str]  # "Acme", "" (no name)

    def person(self, index: int) -> tuple[str, str]:
        return self.people, self.persons[index]

    def firm(self, index: int) -> tuple[str, str]:
        return self.companies, self.firms[index]

    def employ(self, person: int, firm: int, tenant: Tenant | None = None, **extra: Any) -> Any:
        """Link a person to a firm (asserting success); returns the relationship."""
        body = link_body(self.type_id, self.person(person), self.firm(firm), **extra)
        return body_of((tenant or self.tenant).post("/relationships", json=body))


def build_crm(tenant: Tenant, settings: Settings) -> Crm:
    people = str(create(tenant, "people")["entityId"])
    companies = str(create(tenant, "companies")["entityId"])
    labels = {"sourceLabel": "employee", "targetLabel": "employer"}
    employment = new_type(tenant, "employment", people, companies, **labels)
    persons = insert_records(settings, tenant, people, ["Alice", "Bob", ""])
    firms = insert_records(settings, tenant, companies, ["Acme", ""])
    return Crm(tenant, people, companies, employment["relationshipTypeId"], persons, firms)

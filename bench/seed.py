"""Seed a benchmark tenant: an entity with the 12 field types through the API (so properties and
their indexes are made the normal way), then records through PostgreSQL COPY, the fastest correct
path: every value is generated in the stored form the field types produce."""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import orjson
import psycopg
from tests.signing import sign

from crmcore.kernel.ids import IdKind

WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
]  # fmt: skip
TAGS = ["VIP", "lead", "churn-risk", "partner", "2026", "newsletter", "enterprise", "smb"]
STAGES = ["LEAD", "QUALIFIED", "PROPOSAL", "NEGOTIATION", "CLOSED_WON", "CLOSED_LOST"]
REGIONS = ["NORTH", "SOUTH", "EAST"]
CHANNELS = ["EMAIL", "PHONE", "WEB", "EVENT", "REFERRAL"]

PROPERTIES: list[dict[str, Any]] = [
    {"name": "Company", "fieldType": "TEXT"},
    {"name": "Notes", "fieldType": "TEXTAREA"},
    {"name": "Deal size", "fieldType": "NUMBER"},
    {"name": "Phone", "fieldType": "PHONE", "isMasked": True},
    {"name": "Email", "fieldType": "EMAIL"},
    {"name": "Active", "fieldType": "CHECKBOX"},
    {"name": "Channels", "fieldType": "MULTI_CHECKBOX", "options": CHANNELS},
    {"name": "Close date", "fieldType": "DATE"},
    {"name": "Last contact", "fieldType": "DATETIME"},
    {"name": "Stage", "fieldType": "DROPDOWN", "options": STAGES},
    {"name": "Region", "fieldType": "RADIO", "options": REGIONS},
    {"name": "Website", "fieldType": "URL"},
]


@dataclass
class Tenant:
    base_url: str
    account_id: str
    api_key: str
    api_secret: str
    member_ids: list[str]
    entity_id: str
    property_ids: dict[str, str]  # fieldType -> propertyId
    company_entity_id: str = ""
    relationship_type_id: str = ""  # deals -> companies, seeded
    spare_type_id: str = ""  # deals -> companies, left empty for the create workload
    # fieldType -> the key its values have inside records.data (read from the database)
    data_keys: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Authorization": sign(self.api_key, self.api_secret)}


def _options(values: list[str]) -> list[dict[str, Any]]:
    return [{"label": v.title(), "value": v, "priority": i} for i, v in enumerate(values)]


def create_deals(
    call: Callable[[str, str, Any], Any], name: str, slug: str
) -> tuple[str, dict[str, str]]:
    """An entity with the 12 properties (one of each type); its ID and fieldType -> propertyId."""
    entity = call("POST", "/entities", {"name": name, "slug": slug})
    items = []
    for spec in PROPERTIES:
        item = {**spec, "entityId": entity["entityId"]}
        if "options" in spec:
            item["options"] = _options(spec["options"])
        items.append(item)
    created = call("POST", "/properties/bulk", {"properties": items})
    return entity["entityId"], {p["fieldType"]: p["propertyId"] for p in created}


def create_schema(
    base_url: str, account_id: str, key: str, secret: str, members: list[str]
) -> Tenant:
    with httpx2.Client(base_url=base_url + "/crm-core/v1", timeout=60) as http:

        def call(method: str, path: str, body: Any) -> Any:
            headers = {"Authorization": sign(key, secret)}
            response = http.request(method, path, json=body, headers=headers)
            response.raise_for_status()
            return response.json()

        entity_id, ids = create_deals(call, "Deals", "deals")
        companies = call("POST", "/entities", {"name": "Companies", "slug": "companies"})
        link = {"sourceEntityId": entity_id, "targetEntityId": companies["entityId"]}
        seeded = call("POST", "/relationships/types", {"name": "Account", **link})
        spare = call("POST", "/relationships/types", {"name": "Referred by", **link})
    return Tenant(
        base_url, account_id, key, secret, members, entity_id, ids,
        companies["entityId"], seeded["relationshipTypeId"], spare["relationshipTypeId"],
    )  # fmt: skip


def _id(kind: IdKind, moment: datetime, index: int) -> str:
    stamp = moment.strftime("%y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"
    return f"CRM{kind.value}1{stamp}{index:011d}"


def _record_id(moment: datetime, index: int) -> str:
    return _id(IdKind.RECORD, moment, index)


COMPANY_BASE = datetime(2024, 1, 1, tzinfo=UTC)
LINK_BASE = datetime(2025, 6, 1, tzinfo=UTC)


def company_ids(count: int) -> list[str]:
    return [_record_id(COMPANY_BASE + timedelta(milliseconds=i * 3), i) for i in range(count)]


def company_rows(tenant: Tenant, count: int) -> Iterator[tuple[Any, ...]]:
    for i, record_id in enumerate(company_ids(count)):
        moment = COMPANY_BASE + timedelta(milliseconds=i * 3)
        name = f"{WORDS[i % len(WORDS)].title()} Holdings {i}"
        member = tenant.member_ids[0]
        yield (tenant.account_id, record_id, tenant.company_entity_id, "", name, "{}", "[]",
               member, False, member, member, moment, moment)  # fmt: skip


def relationship_rows(
    tenant: Tenant, deals: int, companies: list[str], per_deal: int
) -> Iterator[tuple[Any, ...]]:
    """Each deal linked to ``per_deal`` distinct companies (4729 is prime to 10,000, so the
    steps never repeat a company for one deal while per_deal <= len(companies))."""
    member = tenant.member_ids[0]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    index = 0
    for i in range(deals):
        deal_id = _record_id(base + timedelta(milliseconds=i * 7), i)
        for j in range(per_deal):
            company = companies[(i * 7919 + j * 4729) % len(companies)]
            moment = LINK_BASE + timedelta(milliseconds=index)
            yield (tenant.account_id, _id(IdKind.RELATIONSHIP, moment, index),
                   tenant.relationship_type_id, "", tenant.entity_id, deal_id,
                   tenant.company_entity_id, company, "{}", member, member, moment,
                   moment)  # fmt: skip
            index += 1


def record_rows(tenant: Tenant, count: int, start: int = 0) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(42 + start)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    p = tenant.data_keys
    for i in range(start, start + count):
        moment = base + timedelta(milliseconds=i * 7)
        words = rng.sample(WORDS, 2)
        data: dict[str, Any] = {
            p["TEXT"]: f"{words[0].title()} {words[1].title()} Ltd",
            p["NUMBER"]: rng.randint(0, 1_000_000),
            p["EMAIL"]: f"contact{i}@example.com",
            p["CHECKBOX"]: rng.random() < 0.5,
            p["DATE"]: (base + timedelta(days=rng.randint(0, 2000))).strftime("%Y-%m-%d"),
            p["DROPDOWN"]: rng.choice(STAGES),
            p["RADIO"]: rng.choice(REGIONS),
        }
        if rng.random() < 0.7:
            data[p["PHONE"]] = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        if rng.random() < 0.5:
            data[p["TEXTAREA"]] = " ".join(rng.choices(WORDS, k=12))
        if rng.random() < 0.8:
            data[p["MULTI_CHECKBOX"]] = rng.sample(CHANNELS, rng.randint(1, 3))
        if rng.random() < 0.9:
            last = base + timedelta(minutes=rng.randint(0, 2_000_000))
            data[p["DATETIME"]] = last.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if rng.random() < 0.6:
            data[p["URL"]] = f"https://example.com/c/{i}"
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}"
        tags = rng.sample(TAGS, rng.randint(0, 2))
        owner = rng.choice(tenant.member_ids)
        yield (
            tenant.account_id,
            _record_id(moment, i),
            tenant.entity_id,
            "",
            name,
            orjson.dumps(data).decode(),
            orjson.dumps(tags).decode(),
            owner,
            False,
            tenant.member_ids[0],
            tenant.member_ids[0],
            moment,
            moment,
        )


COLUMNS = (
    "account_id, record_id, entity_id, workspace_id, name, data, tags, owner_id, is_deleted, "
    "created_by, updated_by, date_created, date_updated"
)


def read_data_keys(database_url: str, tenant: Tenant) -> None:
    """Fill ``tenant.data_keys``: the seeded rows store values under them."""
    kinds = {property_id: kind for kind, property_id in tenant.property_ids.items()}
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT property_id, data_key FROM properties "
            "WHERE account_id = %s AND property_id = ANY(%s)",
            (tenant.account_id, list(kinds)),
        ).fetchall()
    tenant.data_keys = {kinds[property_id]: data_key for property_id, data_key in rows}


def copy_records(database_url: str, tenant: Tenant, count: int, batch: int = 50_000) -> None:
    with psycopg.connect(database_url) as connection:
        for start in range(0, count, batch):
            size = min(batch, count - start)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY records ({COLUMNS}) FROM STDIN") as copy,
            ):
                for row in record_rows(tenant, size, start):
                    copy.write_row(row)
            connection.commit()
            print(f"  seeded {start + size:,} / {count:,} records", flush=True)


LINK_COLUMNS = (
    "account_id, relationship_id, relationship_type_id, workspace_id, source_entity_id, "
    "source_record_id, target_entity_id, target_record_id, metadata, created_by, updated_by, "
    "date_created, date_updated"
)


def copy_relationships(
    database_url: str, tenant: Tenant, deals: int, companies: int, relationships: int
) -> None:
    """Companies, then ``relationships`` links from deals to them (as evenly as possible)."""
    ids = company_ids(companies)
    per_deal = max(1, min(len(ids), -(-relationships // deals)))
    with psycopg.connect(database_url) as connection:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY records ({COLUMNS}) FROM STDIN") as copy,
        ):
            for row in company_rows(tenant, companies):
                copy.write_row(row)
        connection.commit()
        written = 0
        rows = relationship_rows(tenant, deals, ids, per_deal)
        while written < relationships:
            batch = min(100_000, relationships - written)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY relationships ({LINK_COLUMNS}) FROM STDIN") as copy,
            ):
                for _ in range(batch):
                    copy.write_row(next(rows))
            connection.commit()
            written += batch
            print(f"  seeded {written:,} / {relationships:,} relationships", flush=True)


def analyze(database_url: str) -> None:
    """After the property indexes are built (beside CREATE INDEX CONCURRENTLY it deadlocks):
    VACUUM too, as autovacuum would have by the time a database holds this much (visibility map
    and hint bits set; it may be off on a benchmark machine)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) records")
        connection.execute("VACUUM (ANALYZE) relationships")

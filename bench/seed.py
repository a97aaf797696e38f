"""Seed a benchmark tenant: an entity with the 12 field types through the API (so properties and
their indexes are made the normal way), then records through PostgreSQL COPY, the fastest correct
path: every value is generated in the stored form the field types produce."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
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

    def headers(self) -> dict[str, str]:
        return {"Authorization": sign(self.api_key, self.api_secret)}


def _options(values: list[str]) -> list[dict[str, Any]]:
    return [{"label": v.title(), "value": v, "priority": i} for i, v in enumerate(values)]


def create_schema(
    base_url: str, account_id: str, key: str, secret: str, members: list[str]
) -> Tenant:
    with httpx2.Client(base_url=base_url + "/crm-core/v1", timeout=60) as http:

        def call(method: str, path: str, body: Any) -> Any:
            headers = {"Authorization": sign(key, secret)}
            response = http.request(method, path, json=body, headers=headers)
            response.raise_for_status()
            return response.json()

        entity = call("POST", "/entities", {"name": "Deals", "slug": "deals"})
        items = []
        for spec in PROPERTIES:
            item = {**spec, "entityId": entity["entityId"]}
            if "options" in spec:
                item["options"] = _options(spec["options"])
            items.append(item)
        created = call("POST", "/properties/bulk", {"properties": items})
    ids = {p["fieldType"]: p["propertyId"] for p in created}
    return Tenant(base_url, account_id, key, secret, members, entity["entityId"], ids)


def _record_id(moment: datetime, index: int) -> str:
    stamp = moment.strftime("%y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"
    return f"CRM{IdKind.RECORD.value}1{stamp}{index:011d}"


def record_rows(tenant: Tenant, count: int, start: int = 0) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(42 + start)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    p = tenant.property_ids
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


def analyze(database_url: str) -> None:
    """After the property indexes are built: ANALYZE beside CREATE INDEX CONCURRENTLY deadlocks."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE records")

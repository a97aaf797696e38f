"""A small tenant to fuzz against, and the pool of real IDs that fuzzed requests borrow from.

Random strings in ``{entityId}`` only ever reach the "not found" branch; the interesting code
(value conversion, filter compilation, trash rules) runs only for IDs that exist. So the fuzzer
seeds an entity with typed properties, records, a group, a segment and a relationship, remembers
every ID that the server answers with, and substitutes them into generated requests some of
the time.
"""

import secrets
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.auth import AuthBase
from tests.signing import sign

API = "/crm-core/v1"
#: How many IDs seen in responses are kept per name, besides the seeded ones.
LEARNED_PER_NAME = 8


class SigningAuth(AuthBase):
    """Signs each request as it is prepared (a fresh date and salt every time: the server refuses
    a signature it has seen), so that even a resend after a dropped keep-alive connection is not
    a replay."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key = api_key
        self.api_secret = api_secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = sign(self.api_key, self.api_secret)
        return request


@dataclass
class IdPool:
    """Real IDs by the field name they appear under (``entityId``, ``recordId``, ...)."""

    seeded: dict[str, list[str]] = field(default_factory=dict)
    learned: dict[str, deque[str]] = field(default_factory=dict)
    property_types: dict[str, str] = field(default_factory=dict)  # seeded property -> type

    def add(self, name: str, value: str) -> None:
        if value and value not in self.seeded.get(name, ()):
            recent = self.learned.setdefault(name, deque(maxlen=LEARNED_PER_NAME))
            if value not in recent:
                recent.append(value)

    def snapshot(self) -> "IdPool":
        """A frozen copy: Hypothesis needs the same choices to exist while one test runs."""
        return IdPool(
            {name: list(ids) for name, ids in self.seeded.items()},
            {name: deque(ids) for name, ids in self.learned.items()},
            dict(self.property_types),
        )

    def learn(self, body: Any) -> None:
        """Every ``...Id`` string in a response, and cursors (``nextKey``) as ``startKey``."""
        for name, value in _id_fields(body):
            self.add(name, value)

    def candidates(self, name: str) -> list[str]:
        """IDs for a parameter or field name; ``sourceRecordId`` borrows from ``recordId``."""
        key = self._key(name)
        return [] if key is None else [*self.seeded.get(key, ()), *self.learned.get(key, ())]

    def seeded_for(self, name: str) -> list[str]:
        """Only the seeded IDs: those belong together (the seeded relationship type joins the
        seeded entity to itself, the seeded records are of that entity)."""
        key = self._key(name)
        return [] if key is None else list(self.seeded.get(key, ()))

    def _key(self, name: str) -> str | None:
        name = "startKey" if name == "nextKey" else name
        if not (name.endswith("Id") or name == "startKey"):
            return None
        known = {*self.seeded, *self.learned}
        matches = [key for key in known if name.lower().endswith(key.lower())]
        return max(matches, key=len) if matches else None


def _id_fields(body: Any) -> Iterator[tuple[str, str]]:
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str) and (key.endswith("Id") or key == "nextKey"):
                yield ("startKey" if key == "nextKey" else key), value
            else:
                yield from _id_fields(value)
    elif isinstance(body, list):
        for item in body:
            yield from _id_fields(item)


#: One property of each field type on the seeded entity, with a valid value for its records.
SEEDED_VALUES: dict[str, Any] = {
    "TEXT": "alpha",
    "TEXTAREA": "first line\nsecond line",
    "NUMBER": 42,
    "PHONE": "+82 10-1234-5678",
    "EMAIL": "someone@example.com",
    "CHECKBOX": True,
    "MULTI_CHECKBOX": ["red", "blue"],
    "DATE": "2026-11-23",
    "DATETIME": "2026-11-23T10:00:00.000Z",
    "DROPDOWN": "red",
    "RADIO": "blue",
    "URL": "https://example.com/a?b=c",
}
WITH_OPTIONS = ("DROPDOWN", "RADIO", "MULTI_CHECKBOX")
OPTION_VALUES = ["red", "blue"]
OPTIONS = [
    {"label": value.title(), "value": value, "priority": index}
    for index, value in enumerate(OPTION_VALUES)
]
RELATIONSHIP_TYPES = "/relationships/types"


@dataclass
class Seed:
    entity_id: str
    property_ids: dict[str, str]  # field type -> property ID
    record_ids: list[str]
    relationship_id: str | None
    requests: int


class SeedError(RuntimeError):
    pass


class _Client:
    """Plain signed JSON calls that must succeed (seeding is not fuzzing)."""

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.sent = 0

    def call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        self.sent += 1
        response = self.session.request(
            method, self.base_url + API + path, json=body, params=params, timeout=30
        )
        if response.status_code != 200:
            raise SeedError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def status(self, path: str, **params: str) -> tuple[int, Any]:
        self.sent += 1
        response = self.session.get(self.base_url + API + path, params=params, timeout=30)
        return response.status_code, response.json()


def seed_tenant(session: requests.Session, base_url: str, pool: IdPool, paths: set[str]) -> Seed:
    """An entity with one property per type (one in a group), three records, a segment and,
    where the document has the relationships API, a relationship type and a relationship.
    Their IDs become the pool's seeded IDs, replacing those of an earlier seed."""
    client = _Client(session, base_url)
    slug = "fuzz-" + secrets.token_hex(4)
    entity_id: str = client.call("POST", "/entities", {"name": "Fuzz " + slug, "slug": slug})[
        "entityId"
    ]
    group = client.call("POST", "/property-groups", {"entityId": entity_id, "name": "Fuzzed"})
    property_ids: dict[str, str] = {}
    for field_type in SEEDED_VALUES:
        body: dict[str, Any] = {
            "entityId": entity_id,
            "name": field_type.title(),
            "fieldType": field_type,
        }
        if field_type in WITH_OPTIONS:
            body["options"] = OPTIONS
        if field_type == "TEXT":
            body["propertyGroupId"] = group["propertyGroupId"]
        property_ids[field_type] = client.call("POST", "/properties", body)["propertyId"]
    data = {property_ids[kind]: value for kind, value in SEEDED_VALUES.items()}
    record_ids: list[str] = [
        client.call("POST", "/records", {"entityId": entity_id, "name": f"R{n}", "data": data})[
            "recordId"
        ]
        for n in range(3)
    ]
    condition = {"field": property_ids["TEXT"], "operator": "contains", "value": "alp"}
    segment = client.call(
        "POST",
        "/segments",
        {
            "entityId": entity_id,
            "name": "Fuzz segment",
            "conditionGroup": {"operator": "AND", "conditions": [condition]},
        },
    )
    pool.seeded = {
        "entityId": [entity_id],
        "propertyId": list(property_ids.values()),
        "propertyGroupId": [group["propertyGroupId"]],
        "recordId": record_ids,
        "segmentId": [segment["segmentId"]],
    }
    pool.property_types = {pid: kind for kind, pid in property_ids.items()}
    relationship_id = None
    if API + RELATIONSHIP_TYPES in paths:
        relationship_id = _seed_relationships(client, pool, entity_id, record_ids)
    return Seed(entity_id, property_ids, record_ids, relationship_id, client.sent)


def _seed_relationships(
    client: _Client, pool: IdPool, entity_id: str, record_ids: list[str]
) -> str:
    ends = {"sourceEntityId": entity_id, "targetEntityId": entity_id}
    rtype = client.call("POST", RELATIONSHIP_TYPES, {"name": "Knows", **ends})
    link = client.call(
        "POST",
        "/relationships",
        {
            "relationshipTypeId": rtype["relationshipTypeId"],
            "sourceRecordId": record_ids[0],
            "targetRecordId": record_ids[1],
            **ends,
        },
    )
    pool.seeded["relationshipTypeId"] = [rtype["relationshipTypeId"]]
    pool.seeded["relationshipId"] = [link["relationshipId"]]
    relationship_id: str = link["relationshipId"]
    return relationship_id


def seed_is_intact(session: requests.Session, base_url: str, seed: Seed) -> tuple[bool, int]:
    """Whether the seeded entity, its properties and its records are all still live (fuzzing
    deletes them), and the number of requests that took."""
    client = _Client(session, base_url)
    status, records = client.status("/records", entityId=seed.entity_id, limit="200")
    if status != 200 or not set(seed.record_ids) <= {r["recordId"] for r in records["data"]}:
        return False, client.sent
    status, properties = client.status("/properties", entityId=seed.entity_id)
    live = {p["propertyId"] for p in properties} if status == 200 else set()
    if not set(seed.property_ids.values()) <= live:
        return False, client.sent
    if seed.relationship_id is not None:
        status, _ = client.status(f"/relationships/{seed.relationship_id}")
        return status == 200, client.sent
    return True, client.sent

"""R11 GET /records/search/fulltext/{entityId}: name autocomplete (records-activities §8)."""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.records_search.test_list import (
    BAD_REQUEST,
    NOT_FOUND,
    UNKNOWN_ENTITY,
    Json,
    error_of,
    ids,
    post_record,
)

#: Names in creation order (each record newer than the one before).
NAMES = [
    "Kim",
    "Joe Kim",
    "kimberly",
    "Akim",
    "Park",
    "KIM",
    "Kim Lee",
    "Lee Kimchi",
    "100% Kim",
    "Kim_Jr",
]


@dataclass
class People:
    owner: Tenant
    entity_id: str
    records: list[Json]  # live records, creation order
    trashed: Json
    elsewhere: Json  # a matching name in another entity

    def path(self) -> str:
        return f"/records/search/fulltext/{self.entity_id}"


@pytest.fixture
def people(owner: Tenant) -> People:
    entity_id = create(owner, "people")["entityId"]
    note = add(owner, entity_id, "Note")["propertyId"]
    records = [post_record(owner, {"entityId": entity_id, "name": name}) for name in NAMES]
    # Only names are searched: a property value that matches does not count.
    records.append(
        post_record(owner, {"entityId": entity_id, "name": "Nobody", "data": {note: "kim"}})
    )
    trashed = post_record(owner, {"entityId": entity_id, "name": "Kim Trash"})
    assert owner.delete(f"/records/{trashed['recordId']}").status_code == 200
    other = create(owner, "others")["entityId"]
    elsewhere = post_record(owner, {"entityId": other, "name": "Kim Elsewhere"})
    return People(owner, entity_id, records, trashed, elsewhere)


def search(people: People, q: str, **params: Any) -> list[Json]:
    response = people.owner.get(people.path(), params={"q": q, **params})
    assert response.status_code == 200, response.text
    found: list[Json] = response.json()
    assert isinstance(found, list)
    return found


def names(found: list[Json]) -> list[str]:
    return [str(record["name"]) for record in found]


def expected(records: list[Json], q: str) -> list[str]:
    """§8: exact name first, then names starting with q, then the rest; newest first in each."""
    needle = q.strip().lower()

    def rank(record: Json) -> int:
        name = str(record["name"]).lower()
        return 0 if name == needle else 1 if name.startswith(needle) else 2

    hits = [record for record in records if needle in str(record["name"]).lower()]
    newest = sorted(hits, key=lambda record: record["dateCreated"], reverse=True)
    return names(sorted(newest, key=rank))


def test_exact_then_prefix_then_partial_matches_newest_first(people: People) -> None:
    found = search(people, "kim")
    assert names(found) == [
        "KIM", "Kim",  # exact, newest first
        "Kim_Jr", "Kim Lee", "kimberly",  # prefix
        "100% Kim", "Lee Kimchi", "Akim", "Joe Kim",  # anywhere else
    ]  # fmt: skip
    assert names(found) == expected(people.records, "kim")
    by_id = {record["recordId"]: record for record in people.records}
    assert found == [by_id[record_id] for record_id in ids(found)]


def test_matching_is_case_insensitive_and_q_is_trimmed(people: People) -> None:
    reference = names(search(people, "kim"))
    assert names(search(people, "KIM")) == reference
    assert names(search(people, "  kIm  ")) == reference
    for q in ("lee", "kim l", "IMB", "k", "park", "ee k", "zzz"):
        assert names(search(people, q)) == expected(people.records, q), q
    assert names(search(people, "lee")) == ["Lee Kimchi", "Kim Lee"]
    assert names(search(people, "PARK")) == ["Park"]
    assert search(people, "zzz") == []


def test_wildcards_and_quotes_match_literally(people: People) -> None:
    assert names(search(people, "%")) == ["100% Kim"]
    assert names(search(people, "0% k")) == ["100% Kim"]
    assert names(search(people, "_")) == ["Kim_Jr"]
    assert names(search(people, "m_j")) == ["Kim_Jr"]
    assert search(people, "i_") == []
    assert search(people, "k%m") == []
    assert search(people, "\\") == []
    assert search(people, "' OR 1=1 --") == []
    assert search(people, "'") == []


def test_limit_cuts_the_ranked_list(people: People) -> None:
    full = names(search(people, "kim"))
    assert names(search(people, "kim", limit=2)) == full[:2]
    assert names(search(people, "kim", limit=1)) == ["KIM"]
    assert names(search(people, "kim", limit=100)) == full


def test_limit_defaults_to_20_and_is_clamped_to_100(owner: Tenant) -> None:
    entity_id = create(owner, "many")["entityId"]
    # Spaced creates: ties of rank are ordered by dateCreated only, so each needs its own ms.
    made = [
        post_record(owner, {"entityId": entity_id, "name": f"Match {i:03d}"}) for i in range(105)
    ]
    newest = ids(made[::-1])
    path = f"/records/search/fulltext/{entity_id}"

    def found(**params: Any) -> list[str]:
        response = owner.get(path, params={"q": "match", **params})
        assert response.status_code == 200, response.text
        return ids(response.json())

    assert found() == newest[:20]
    assert found(limit=500) == newest[:100]
    assert found(limit=101) == newest[:100]
    assert found(limit=100) == newest[:100]
    assert found(limit=7) == newest[:7]


def test_missing_or_blank_q_and_bad_limits_are_400(people: People) -> None:
    attempts: dict[str, dict[str, Any]] = {
        "q missing": {},
        "q empty": {"q": ""},
        "q blank": {"q": "   "},
        "q tabs": {"q": "\t\n"},
        "q over 200 characters": {"q": "k" * 201},
        "limit 0": {"q": "kim", "limit": 0},
        "limit negative": {"q": "kim", "limit": -1},
        "limit not a number": {"q": "kim", "limit": "ten"},
    }
    got = {
        label: error_of(people.owner.get(people.path(), params=params))
        for label, params in attempts.items()
    }
    assert got == dict.fromkeys(attempts, BAD_REQUEST)


def test_trashed_records_are_excluded_until_restored(people: People) -> None:
    assert "Kim Trash" not in names(search(people, "kim"))
    assert search(people, "trash") == []
    restored = people.owner.post(f"/records/{people.trashed['recordId']}/restore")
    assert restored.status_code == 200
    assert names(search(people, "trash")) == ["Kim Trash"]
    park = next(record for record in people.records if record["name"] == "Park")
    assert people.owner.delete(f"/records/{park['recordId']}").status_code == 200
    assert search(people, "park") == []


def test_only_the_given_entity_is_searched(people: People) -> None:
    assert "Kim Elsewhere" not in names(search(people, "kim"))
    assert search(people, "elsewhere") == []
    other = people.owner.get(
        f"/records/search/fulltext/{people.elsewhere['entityId']}", params={"q": "kim"}
    )
    assert other.json() == [people.elsewhere]


def test_other_tenants_entity_is_404(people: People, tenants: TenantFactory) -> None:
    intruder = tenants.account()
    create(intruder, "people")
    attempts = {
        "other tenant's entity": intruder.get(people.path(), params={"q": "kim"}),
        "unknown entity": people.owner.get(
            f"/records/search/fulltext/{UNKNOWN_ENTITY}", params={"q": "kim"}
        ),
    }
    assert {k: error_of(r) for k, r in attempts.items()} == dict.fromkeys(attempts, NOT_FOUND)

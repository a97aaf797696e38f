"""Records show their files in every read, and a page of records reads its files in one query."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from tests.files.helpers import (
    Crm,
    Tenant,
    body_of,
    fetch,
    image,
    new_record,
    uploaded,
    without_links,
)


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements sent to any database while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _of_files(statements: list[str]) -> list[str]:
    """The queries for files (not the record reads that only ask whether a record has any)."""
    return [s for s in statements if "FROM files" in s and "FROM records" not in s]


def _with_files(tenant: Tenant, record_id: str, n: int) -> None:
    uploaded(tenant, record_id, "profile-image", f"p{n}.png", image())
    uploaded(tenant, record_id, "images", f"i{n}.png", image())
    uploaded(tenant, record_id, "attachments", f"a{n}.txt", b"a")


def _page(tenant: Tenant, entity_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    tenant.get("/records", params={"entityId": entity_id}).raise_for_status()  # warm caches
    with _statements() as statements:
        page = body_of(tenant.get("/records", params={"entityId": entity_id}))
    return page["data"], statements


def test_a_page_reads_the_files_of_all_its_records_at_once(crm: Crm) -> None:
    owner = crm.tenant
    _with_files(owner, crm.alice, 0)
    one, statements_for_one = _page(owner, crm.people)
    assert [without_links(r) for r in one] == [without_links(fetch(owner, crm.alice))]
    assert len(_of_files(statements_for_one)) == 1

    others = [new_record(owner, crm.people, f"R{n}") for n in range(1, 5)]
    for n, record_id in enumerate(others, start=1):
        _with_files(owner, record_id, n)
    many, statements_for_many = _page(owner, crm.people)
    assert len(many) == 5
    assert len(_of_files(statements_for_many)) == 1
    assert len(statements_for_many) == len(statements_for_one)
    for record in many:
        assert without_links(record) == without_links(fetch(owner, record["recordId"]))
        n = 0 if record["recordId"] == crm.alice else others.index(record["recordId"]) + 1
        assert record["profileImage"]["fileName"] == f"p{n}.png"
        assert [i["fileName"] for i in record["images"]] == [f"i{n}.png"]
        assert [a["fileName"] for a in record["attachments"]] == [f"a{n}.txt"]


def test_one_record_reads_its_files_in_one_query(crm: Crm) -> None:
    _with_files(crm.tenant, crm.alice, 0)
    fetch(crm.tenant, crm.alice)
    with _statements() as statements:
        record = fetch(crm.tenant, crm.alice)
    assert len(_of_files(statements)) == 1
    assert record["profileImage"]["fileName"] == "p0.png"


def test_a_record_without_files_is_read_without_a_files_query(crm: Crm) -> None:
    fetch(crm.tenant, crm.alice)
    with _statements() as statements:
        record = fetch(crm.tenant, crm.alice)
    assert _of_files(statements) == []
    assert (record["profileImage"], record["images"], record["attachments"]) == (None, [], [])
    _with_files(crm.tenant, crm.alice, 0)
    assert fetch(crm.tenant, crm.alice)["images"][0]["fileName"] == "i0.png"


def test_searches_and_the_trash_show_files_too(crm: Crm) -> None:
    owner = crm.tenant
    _with_files(owner, crm.alice, 0)
    expected = without_links(fetch(owner, crm.alice))
    found = body_of(owner.get(f"/records/search/fulltext/{crm.people}", params={"q": "ali"}))
    assert [without_links(r) for r in found] == [expected]
    advanced = body_of(owner.post("/records/search/advanced", json={"entityId": crm.people}))
    assert [without_links(r) for r in advanced["data"]] == [expected]
    updated = body_of(owner.patch(f"/records/{crm.alice}", json={"name": "Alicia"}))
    assert updated["images"][0]["fileName"] == "i0.png"

    owner.delete(f"/records/{crm.alice}").raise_for_status()
    [trashed] = body_of(owner.get("/records/trash"))["data"]
    assert trashed["attachments"][0]["fileName"] == "a0.txt"
    restored = body_of(owner.post(f"/records/{crm.alice}/restore"))
    assert restored["profileImage"]["fileName"] == "p0.png"

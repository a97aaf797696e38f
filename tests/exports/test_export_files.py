"""X1 in sync mode: the exact content of the CSV and XLSX files, masking, the formula guard."""

import re
from datetime import timedelta
from typing import Any

import pytest

from crmcore.config import Settings
from crmcore.models.account import Role
from tests.builders import Tenant, body_of
from tests.exports.support import (
    HEADER,
    XLSX_TYPE,
    Deals,
    exported,
    in_export_order,
    make_deals,
    sync_url,
)


@pytest.fixture
def deals(owner: Tenant) -> Deals:
    return make_deals(owner)


def _fill(owner: Tenant, deals: Deals) -> list[Any]:
    """Records covering every cell format and every guarded first character."""
    records = [
        deals.record(
            owner, "Acme, Inc.", tags=["vip", "b2b"], Title="=1+1", Amount=1200.5, Stage="LEAD",
            Channels=["CALL", "EMAIL"], Active=True, Due="2026-04-01",
            Met="2026-04-02T03:04:05.678Z", Phone="010-1234-5678", Note='He said "hi"\nbye',
        ),
        deals.record(owner, "=1+1", Title="+x", Amount=-3, Stage="CLOSED_WON", Active=False),
        deals.record(owner, "+x", Title="-x", Amount=0.1, Phone="+82 10-1234-5678"),
        deals.record(owner, "-x", Title="@x", Amount=0.30000000000000004, Note="a;b\tc"),
        deals.record(owner, "@x", tags=["=cmd"], ownerId=None),
        deals.record(owner, "'quoted", Title="it's", Amount=-0.5),
    ]  # fmt: skip
    return in_export_order(records)


def _csv_line(cells: list[str]) -> str:
    return ",".join(cells) + "\r\n"


def _owner_rows(records: list[Any], owner: Tenant) -> dict[str, list[str]]:
    """The CSV cells of each record (by name), as the OWNER gets them."""
    by_name = {record["name"]: record for record in records}

    def tail(name: str, tags: str = "", owner_id: str = owner.member_id) -> list[str]:
        record = by_name[name]
        return [tags, owner_id, record["dateCreated"], record["dateUpdated"]]

    def rid(name: str) -> str:
        return str(by_name[name]["recordId"])

    return {
        "Acme, Inc.": [
            rid("Acme, Inc."), '"Acme, Inc."', "'=1+1", "1200.5", "Lead", '"Phone call, Email"',
            "TRUE", "2026-04-01", "2026-04-02T03:04:05.678Z", "010-1234-5678",
            '"He said ""hi""\nbye"', *tail("Acme, Inc.", '"vip, b2b"'),
        ],
        "=1+1": [rid("=1+1"), "'=1+1", "'+x", "-3", "Won", "", "FALSE", "", "", "", "",
                 *tail("=1+1")],
        "+x": [rid("+x"), "'+x", "'-x", "0.1", "", "", "", "", "", "'+82 10-1234-5678", "",
               *tail("+x")],
        "-x": [rid("-x"), "'-x", "'@x", "0.30000000000000004", "", "", "", "", "", "",
               "a;b\tc", *tail("-x")],
        "@x": [rid("@x"), "'@x", "", "", "", "", "", "", "", "", "",
               *tail("@x", "'=cmd", owner_id="")],
        "'quoted": [rid("'quoted"), "''quoted", "it's", "-0.5", "", "", "", "", "", "", "",
                    *tail("'quoted")],
    }  # fmt: skip


def test_csv_is_exact(settings: Settings, owner: Tenant, deals: Deals) -> None:
    records = _fill(owner, deals)
    url = sync_url(owner, deals.entity_id, "csv")
    file = exported(settings, url)
    rows = _owner_rows(records, owner)
    expected = _csv_line(HEADER) + "".join(_csv_line(rows[r["name"]]) for r in records)
    assert file.text() == expected
    assert file.mime_type == "text/csv; charset=utf-8"
    assert file.purpose == "EXPORT"
    assert file.account_id == owner.account_id
    assert file.created_by == owner.member_id
    assert re.fullmatch(r"deals-\d{14}\.csv", file.file_name)
    assert file.file_name == f"deals-{file.date_created:%Y%m%d%H%M%S}.csv"
    assert file.expires_at - file.date_created == timedelta(hours=1)
    assert file.link_expires == int(file.expires_at.timestamp())


def _xlsx(cell: str) -> Any:
    """A CSV cell of ``_owner_rows`` as the XLSX holds it."""
    if cell == "":
        return None
    if cell.startswith('"'):
        return cell[1:-1].replace('""', '"')
    return cell


def test_xlsx_is_exact_with_numbers_as_numbers(
    settings: Settings, owner: Tenant, deals: Deals
) -> None:
    records = _fill(owner, deals)
    file = exported(settings, sync_url(owner, deals.entity_id, "excel"))
    assert file.mime_type == XLSX_TYPE
    assert file.file_name == f"deals-{file.date_created:%Y%m%d%H%M%S}.xlsx"
    numbers = {"1200.5": 1200.5, "-3": -3, "0.1": 0.1, "-0.5": -0.5}
    expected = [HEADER]
    for record in records:
        cells = _owner_rows(records, owner)[record["name"]]
        expected.append([numbers.get(cell, _xlsx(cell)) for cell in cells])
    rows = file.rows()
    assert rows == expected
    amounts = {row[1]: row[3] for row in rows[1:]}
    # 17 significant digits are more than openpyxl writes: such a number goes as exact text.
    assert amounts == {
        "Acme, Inc.": 1200.5, "'=1+1": -3, "'+x": 0.1, "'-x": "0.30000000000000004",
        "'@x": None, "''quoted": -0.5,
    }  # fmt: skip
    assert type(amounts["'=1+1"]) is int
    assert type(amounts["Acme, Inc."]) is type(amounts["''quoted"]) is float


def test_masked_values_stay_masked_for_a_member(
    settings: Settings, owner: Tenant, deals: Deals
) -> None:
    member = owner.member(Role.MEMBER)
    records = _fill(owner, deals)
    shown = {
        record["name"]: body_of(member.get(f"/records/{record['recordId']}"))["data"]
        for record in records
    }
    phone = deals.props["Phone"]
    assert shown["Acme, Inc."][phone] == "010-****-5678"
    text = exported(settings, sync_url(member, deals.entity_id, "csv")).text()
    rows = _owner_rows(records, owner)
    rows["Acme, Inc."][9] = "010-****-5678"
    rows["+x"][9] = "'" + shown["+x"][phone]
    assert rows["+x"][9].startswith("'+82")
    assert "1234" not in rows["+x"][9]
    expected = _csv_line(HEADER) + "".join(_csv_line(rows[r["name"]]) for r in records)
    assert text == expected
    xlsx = exported(settings, sync_url(member, deals.entity_id, "excel")).rows()
    assert [row[9] for row in xlsx[1:]] == [_xlsx(rows[r["name"]][9]) for r in records]


def test_masked_choice_number_and_date_values_are_stars(settings: Settings, owner: Tenant) -> None:
    deals = make_deals(owner, "secrets")
    for name in ("Amount", "Stage", "Channels", "Active", "Due"):
        body = {"isMasked": True}
        body_of(owner.patch(f"/properties/{deals.props[name]}", json=body))
    record = deals.record(
        owner, "R", Amount=-7, Stage="LEAD", Channels=["EMAIL"], Active=False, Due="2026-01-02"
    )
    member = owner.member(Role.MEMBER)
    text = exported(settings, sync_url(member, deals.entity_id, "csv")).text()
    line = text.split("\r\n")[1].split(",")
    assert line[:10] == [record["recordId"], "R", "", "****", "****", "****", "****", "****",
                         "", ""]  # fmt: skip
    owners = exported(settings, sync_url(owner, deals.entity_id, "csv")).text()
    assert owners.split("\r\n")[1].split(",")[3:8] == ["-7", "Lead", "Email", "FALSE", "2026-01-02"]
    rows = exported(settings, sync_url(member, deals.entity_id, "excel")).rows()
    assert rows[1][3:8] == ["****"] * 5


def test_columns_follow_the_entity_property_order_and_skip_deleted_properties(
    settings: Settings, owner: Tenant, deals: Deals
) -> None:
    deals.record(owner, "R", Title="t", Note="n")
    order = [deals.props[name] for name in ("Note", "Amount", "Title")]
    rest = [pid for pid in deals.props.values() if pid not in order]
    body_of(owner.patch(f"/entities/{deals.entity_id}", json={"propertyIds": order + rest}))
    body_of(owner.delete(f"/properties/{deals.props['Amount']}"))
    text = exported(settings, sync_url(owner, deals.entity_id, "csv")).text()
    header = text.split("\r\n")[0].split(",")
    expected_props = ["Note", "Title", "Stage", "Channels", "Active", "Due", "Met", "Phone"]
    assert header == ["recordId", "name", *expected_props, "tags", "ownerId", "dateCreated",
                      "dateUpdated"]  # fmt: skip
    assert text.split("\r\n")[1].split(",")[1:4] == ["R", "n", "t"]


def test_header_cells_are_guarded_too(settings: Settings, owner: Tenant, deals: Deals) -> None:
    body_of(owner.patch(f"/properties/{deals.props['Title']}", json={"name": "=HYPERLINK(1)"}))
    text = exported(settings, sync_url(owner, deals.entity_id, "csv")).text()
    assert text.split("\r\n")[0].split(",")[2] == "'=HYPERLINK(1)"
    rows = exported(settings, sync_url(owner, deals.entity_id, "excel")).rows()
    assert rows[0][2] == "'=HYPERLINK(1)"


def test_no_match_gives_a_header_only_file(settings: Settings, owner: Tenant, deals: Deals) -> None:
    deals.record(owner, "Acme")
    text = exported(settings, sync_url(owner, deals.entity_id, "csv", keyword="nobody")).text()
    assert text == _csv_line(HEADER)
    rows = exported(settings, sync_url(owner, deals.entity_id, "excel", keyword="x")).rows()
    assert rows == [HEADER]


@pytest.mark.parametrize(
    ("file_format", "extension", "mime_type"),
    [("csv", "csv", "text/csv; charset=utf-8"), ("excel", "xlsx", XLSX_TYPE)],
)
def test_the_link_downloads_the_file(
    settings: Settings,
    owner: Tenant,
    deals: Deals,
    file_format: str,
    extension: str,
    mime_type: str,
) -> None:
    _fill(owner, deals)
    url = sync_url(owner, deals.entity_id, file_format)
    assert url.startswith("http://testserver/crm-core/v1/files/CRMFL1")
    file = exported(settings, url)
    response = owner.client.get(url)
    assert response.status_code == 200, response.text
    assert response.content == file.content
    assert response.headers["content-type"] == mime_type
    assert response.headers["content-disposition"] == (
        f"attachment; filename*=UTF-8''deals-{file.date_created:%Y%m%d%H%M%S}.{extension}"
    )

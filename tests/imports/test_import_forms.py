"""I1 extract-columns, I2 preview, and the request checks of I3: every mistake is a 400 (or
404 for what is not the caller's) before any work, and nothing is written."""

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.imports.sheets import CsvWorkbook
from crmcore.models.account import PlanTier
from tests.builders import Tenant, TenantFactory, body_of, error_of, new_record
from tests.entities.test_entities_create_get import create
from tests.imports.helpers import (
    csv_bytes,
    deals,
    records_of,
    upload,
    wait_for,
    xlsx_bytes,
)

ROWS: list[list[Any]] = [
    ["Name", "Company", "Amount"],
    ["Hong", "Acme", 10],
    ["Kim", "", 20.5],
    ["Lee", "Beta", None],
]


def test_extract_columns_lists_sheets_headers_and_samples(owner: Tenant) -> None:
    content = xlsx_bytes({"Contacts": ROWS, "Other": [["x"]]})
    body = body_of(upload(owner, "/extract-columns", content, "people.xlsx"))
    assert body == {
        "sheets": ["Contacts", "Other"],
        "sheetName": "Contacts",
        "hasHeader": True,
        "rowCount": 3,
        "columns": [
            {"index": 0, "header": "Name", "samples": ["Hong", "Kim", "Lee"]},
            {"index": 1, "header": "Company", "samples": ["Acme", "Beta"]},
            {"index": 2, "header": "Amount", "samples": ["10", "20.5"]},
        ],
    }
    other = body_of(
        upload(owner, "/extract-columns", content, "people.xlsx", sheetName="Other",
               hasHeader="false")
    )  # fmt: skip
    assert other["columns"] == [{"index": 0, "header": None, "samples": ["x"]}]
    assert (other["sheetName"], other["rowCount"], other["hasHeader"]) == ("Other", 1, False)


def test_extract_columns_reads_csv_as_one_sheet_named_after_the_file(owner: Tenant) -> None:
    body = body_of(upload(owner, "/extract-columns", csv_bytes(ROWS), "people.csv"))
    assert (body["sheets"], body["rowCount"]) == (["people"], 3)
    assert body["columns"][2]["samples"] == ["10", "20.5"]


def test_preview_converts_the_first_rows_and_writes_nothing(owner: Tenant) -> None:
    d = deals(owner)
    rows: list[list[Any]] = [
        ["Name", "Amount", "Stage"],
        *([f"r{i}", str(i), "Won"] for i in range(25)),
    ]
    rows[3][1] = "lots"
    body = body_of(upload(owner, "/preview", csv_bytes(rows), entityId=d.entity_id))
    assert body["sheetName"] == "deals"
    assert body["totalRows"] == 25
    assert body["columnMappings"] == {
        "0": "__name__", "1": d.ids["NUMBER"], "2": d.ids["DROPDOWN"],
    }  # fmt: skip
    assert len(body["rows"]) == 20
    assert body["rows"][0] == {
        "rowNumber": 2, "name": "r0", "data": {d.ids["NUMBER"]: 0, d.ids["DROPDOWN"]: "WON"},
        "tags": [], "errors": [],
    }  # fmt: skip
    assert body["rows"][2]["errors"] == [
        {"row": 4, "column": "1", "message": "Amount: must be a number"}
    ]
    assert body["errorCount"] == 1
    assert records_of(owner, d.entity_id) == []


def test_xlsx_typed_cells_become_typed_values(owner: Tenant) -> None:
    d = deals(owner)
    i = d.ids
    rows: list[list[Any]] = [
        ["Name", "Amount", "Subscribed", "Birthday", "Contacted", "Phone", "Channels"],
        # Excel date-times carry no zone; they are read as UTC.
        ["typed", 1234.5, True, date(1990, 5, 1), datetime(2026, 4, 23, 9, 15, 30),  # noqa: DTZ001
         "010-1234-5678", "Email"],
        ["as text", "-7", "no", "1990/05/02", "2026-04-23T18:15:30+09:00", 821012345678, ""],
    ]  # fmt: skip
    job = body_of(
        upload(owner, "", xlsx_bytes({"Deals": rows}), "deals.xlsx", entityId=d.entity_id)
    )
    assert wait_for(owner, job["jobId"])["created"] == 2
    typed, text = records_of(owner, d.entity_id)
    assert typed["data"] == {
        i["NUMBER"]: 1234.5, i["CHECKBOX"]: True, i["DATE"]: "1990-05-01",
        i["DATETIME"]: "2026-04-23T09:15:30.000Z", i["PHONE"]: "010-1234-5678",
        i["MULTI_CHECKBOX"]: ["EMAIL"],
    }  # fmt: skip
    assert text["data"] == {
        i["NUMBER"]: -7, i["CHECKBOX"]: False, i["DATE"]: "1990-05-02",
        i["DATETIME"]: "2026-04-23T09:15:30.000Z", i["PHONE"]: "821012345678",
    }  # fmt: skip


BAD_REQUESTS = [
    ({"entityId": None}, "entityId: required"),
    ({"columnMappings": "{nope"}, "columnMappings: not valid JSON"),
    ({"columnMappings": '{"9": "__name__"}'}, "columnMappings: the sheet has no column 9"),
    ({"columnMappings": '{"a": "__name__"}'}, "columnMappings: 'a' is not a column index"),
    (
        {"columnMappings": '{"0": "__name__", "1": "__name__"}'},
        "columnMappings: columns 0 and 1 both map to '__name__'",
    ),
    (
        {"columnMappings": '{"0": "CRMPP1260423081530123PPP11122233"}'},
        "columnMappings.0: 'CRMPP1260423081530123PPP11122233' is neither __name__, __tags__, "
        "__ownerId__ nor a property of the entity",
    ),
    ({"hasHeader": "yes"}, "hasHeader: must be 'true' or 'false'"),
    ({"sheetName": "Nope"}, "sheetName: no sheet 'Nope' (sheets: 'deals')"),
    ({"linkConfigs": "{}"}, "linkConfigs: must be an array"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_REQUESTS)
def test_bad_forms_are_400_and_start_nothing(
    owner: Tenant, fields: dict[str, str | None], message: str
) -> None:
    d = deals(owner)
    form = {"entityId": d.entity_id, **fields}
    sent = {k: v for k, v in form.items() if v is not None}
    response = upload(owner, "", csv_bytes(ROWS), **sent)  # type: ignore[arg-type]
    error_of(response, 400, "ValidationError", message)
    assert records_of(owner, d.entity_id) == []


@pytest.mark.parametrize(
    ("content", "file_name", "message"),
    [
        (b"", "deals.csv", "file: the file is empty"),
        (b"MZ\x90\x00", "deals.exe", "file: must be a .csv, .xlsx, .xls file"),
        (b"name\nx\n", "deals.xlsx", "file: not a readable XLSX workbook"),
        (b"PK\x03\x04garbage", "deals.xlsx", "file: not a readable XLSX workbook"),
        (b"PK\x03\x04garbage", "deals.csv", "file: a workbook cannot be imported as CSV"),
        (b"Name\n", "deals.csv", "file: the sheet has no data rows"),
    ],
)
def test_unusable_files_are_400(
    owner: Tenant, content: bytes, file_name: str, message: str
) -> None:
    d = deals(owner)
    error_of(
        upload(owner, "", content, file_name, entityId=d.entity_id), 400, "ValidationError", message
    )


def test_a_form_without_a_file_or_not_multipart_is_400(owner: Tenant) -> None:
    d = deals(owner)
    response = owner.post("/records/import/excel", data={"entityId": d.entity_id})
    error_of(response, 400, "ValidationError")
    response = owner.post("/records/import/excel", json={"entityId": d.entity_id})
    error_of(
        response, 400, "ValidationError", "The body must be multipart/form-data with a 'file' part"
    )


def test_unauthenticated_uploads_are_401_before_the_form_is_read(owner: Tenant) -> None:
    response = owner.client.post(
        "/crm-core/v1/records/import/excel", files={"file": ("a.csv", b"x", "text/csv")}
    )
    error_of(response, 401, "Unauthorized")


def test_another_tenants_entity_and_job_look_unknown(tenants: TenantFactory) -> None:
    a, b = tenants.account(), tenants.account()
    d = deals(a)
    error_of(upload(b, "", csv_bytes(ROWS), entityId=d.entity_id), 404, "ResourceNotFound")
    job = body_of(upload(a, "", csv_bytes(ROWS), entityId=d.entity_id))["jobId"]
    assert wait_for(a, job)["status"] == "completed"
    foreign = body_of(b.get(f"/records/import/{job}/status"))
    unknown = body_of(b.get("/records/import/9f2c7e8d-3b1a-4d5e-8c4f-2b9a1e7f3d6c/status"))
    assert foreign == {**unknown, "jobId": job}
    assert foreign["status"] == "failed"
    assert body_of(b.get("/records/import/not-a-uuid/status"))["status"] == "failed"


@pytest.fixture
def capped(settings: Settings, tmp_path: Path) -> Iterator[TenantFactory]:
    """A server whose imports take at most 3 rows and 1,000 bytes."""
    small = settings.model_copy(update={"import_max_rows": 3, "import_max_bytes": 1000})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        factory = TenantFactory(small, client)
        yield factory
        factory.close()


def test_the_caps_are_configurable(capped: TenantFactory) -> None:
    owner = capped.account()
    d = deals(owner)
    four = csv_bytes([["Name"], ["a"], ["b"], ["c"], ["d"]])
    error_of(
        upload(owner, "", four, entityId=d.entity_id),
        400,
        "ValidationError",
        "file: 4 data rows; an import takes at most 3",
    )
    big = csv_bytes([["Name"], ["x" * 1200]])
    error_of(
        upload(owner, "", big, entityId=d.entity_id), 400, "ValidationError",
        "file: larger than 1000 bytes",
    )  # fmt: skip
    three = csv_bytes([["Name"], ["a"], ["b"], ["c"]])
    job = body_of(upload(owner, "", three, entityId=d.entity_id))["jobId"]
    assert wait_for(owner, job)["created"] == 3


def test_an_import_beyond_the_record_quota_is_refused_whole(tenants: TenantFactory) -> None:
    owner = tenants.account(PlanTier.FREE)  # records.max = 1,000
    entity_id = str(create(owner, "people")["entityId"])
    new_record(owner, entity_id, "already here")
    too_many = csv_bytes([["Name"], *([f"r{i}"] for i in range(1000))])
    response = upload(owner, "", too_many, entityId=entity_id)
    error_of(response, 403, "PlanQuotaExceeded")
    assert len(records_of(owner, entity_id)) == 1
    fits = csv_bytes([["Name"], *([f"r{i}"] for i in range(999))])
    job = body_of(upload(owner, "", fits, entityId=entity_id))["jobId"]
    assert wait_for(owner, job)["created"] == 999
    assert len(records_of(owner, entity_id)) == 1000


def test_json_fields_are_accepted_as_solactl_sends_them(owner: Tenant) -> None:
    d = deals(owner)
    response = upload(
        owner,
        "",
        csv_bytes(ROWS),
        params={"skipAutomation": "true"},
        entityId=d.entity_id,
        sheetName="deals",
        hasHeader="true",
        columnMappings=json.dumps({"0": "__name__"}),
        linkConfigs="[]",
    )
    assert wait_for(owner, body_of(response)["jobId"])["created"] == 3
    assert [r["name"] for r in records_of(owner, d.entity_id)] == ["Hong", "Kim", "Lee"]
    assert all(r["data"] == {} for r in records_of(owner, d.entity_id))


def _server_blocks_writers(settings: Settings) -> bool:
    """Whether the server holds what another writer would wait for: on SQLite the database's
    write lock; on PostgreSQL a transaction left open for longer than a statement takes."""
    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(path, timeout=2, isolation_level=None)) as other:
            try:
                other.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            other.execute("ROLLBACK")
            return False
    time.sleep(0.3)
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as other:
            open_transactions = other.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() "
                    "AND xact_start < clock_timestamp() - interval '250 milliseconds'"
                )
            )
    finally:
        engine.dispose()
    return bool(open_transactions)


def test_counting_a_file_keeps_no_writer_waiting(
    settings: Settings, owner: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting a large workbook's rows takes seconds; other requests must not wait on it."""
    d = deals(owner)
    seen: list[bool] = []
    count_rows = CsvWorkbook.row_count

    def counting(book: CsvWorkbook, sheet: str) -> int:
        seen.append(_server_blocks_writers(settings))
        return count_rows(book, sheet)

    monkeypatch.setattr(CsvWorkbook, "row_count", counting)
    content = csv_bytes([["Name"], ["a"], ["b"]])
    preview = body_of(upload(owner, "/preview", content, entityId=d.entity_id))
    assert preview["totalRows"] == 2
    job = body_of(upload(owner, "", content, entityId=d.entity_id))["jobId"]
    assert wait_for(owner, job)["created"] == 2
    assert seen[:2] == [False, False]

"""linkConfigs: a column naming records of another entity links each imported record to the one
record it names; a cell that names none or several is a row error (the row is not imported)."""

import json

from httpx2 import Response

from tests.builders import Tenant, body_of, error_of, new_record
from tests.entities.test_entities_create_get import create
from tests.imports.helpers import csv_bytes, records_of, upload, wait_for


def _type(owner: Tenant, name: str, source: str, target: str) -> str:
    body = {"name": name, "sourceEntityId": source, "targetEntityId": target}
    return str(body_of(owner.post("/relationships/types", json=body))["relationshipTypeId"])


def test_link_cells_name_the_records_to_link_to(owner: Tenant) -> None:
    deals = str(create(owner, "deals")["entityId"])
    companies = str(create(owner, "companies")["entityId"])
    # Stored companies -> deals: the import links in the type's own direction all the same.
    type_id = _type(owner, "Account", companies, deals)
    acme = new_record(owner, companies, "Acme Corp")
    new_record(owner, companies, "Beta")
    new_record(owner, companies, "beta ")
    rows = [
        ["Deal", "Company"],
        ["d1", "acme corp"],
        ["d2", "Beta"],
        ["d3", "Nobody Inc"],
        ["d4", ""],
    ]
    links = [{"entityId": companies, "columnIndex": "1"}]
    job = body_of(
        upload(
            owner,
            "",
            csv_bytes(rows),
            entityId=deals,
            columnMappings=json.dumps({"0": "__name__"}),
            linkConfigs=json.dumps(links),
        )
    )["jobId"]
    status = wait_for(owner, job)
    assert (status["created"], status["failed"]) == (2, 2)
    assert status["errors"] == [
        {"row": 3, "column": "1", "message": f"2 records of entity {companies} match 'Beta'"},
        {"row": 4, "column": "1", "message": f"no record of entity {companies} match 'Nobody Inc'"},
    ]
    d1, d4 = records_of(owner, deals)
    assert (d1["name"], d4["name"]) == ("d1", "d4")
    listed = body_of(owner.get("/relationships/list", params={"relationshipTypeId": type_id}))
    assert [(r["sourceRecordId"], r["targetRecordId"]) for r in listed["data"]] == [
        (acme, d1["recordId"])
    ]


def test_a_link_needs_a_column_and_an_unambiguous_type(owner: Tenant) -> None:
    deals = str(create(owner, "deals")["entityId"])
    companies = str(create(owner, "companies")["entityId"])
    rows = csv_bytes([["Deal", "Company"], ["d1", "Acme"]])

    def start(config: dict[str, object]) -> Response:
        return upload(owner, "", rows, entityId=deals, linkConfigs=json.dumps([config]))

    error_of(
        start({"entityId": companies, "columnIndex": "1"}),
        400,
        "ValidationError",
        "linkConfigs[0].relationshipTypeId: required, as 0 relationship types link these entities",
    )
    _type(owner, "Account", deals, companies)
    _type(owner, "Partner", deals, companies)
    error_of(
        start({"entityId": companies, "columnIndex": "1"}), 400, "ValidationError",
        "linkConfigs[0].relationshipTypeId: required, as 2 relationship types link these "
        "entities",
    )  # fmt: skip
    error_of(
        start({"entityId": companies}), 400, "ValidationError",
        "linkConfigs[0].columnIndex: which column holds the names",
    )  # fmt: skip
    error_of(start({"entityId": "CRMET1260423081530123XYZ11122233", "columnIndex": "1"}), 404,
             "ResourceNotFound")  # fmt: skip
    assert records_of(owner, deals) == []

"""I3/I4: importing CSV files as a job: values through the field types, bad rows reported."""

import json

from tests.builders import Tenant, body_of
from tests.imports.helpers import csv_bytes, deals, records_of, upload, wait_for

NOT_AN_EMAIL = "must be an e-mail address like name@example.com"
NOT_AN_OPTION = "must be one of the property's option values"


def test_a_csv_import_creates_one_record_per_row_with_typed_values(owner: Tenant) -> None:
    d = deals(owner)
    rows = [
        d.headers,
        ["Hong Gildong", "Acme", "two\nlines", "1200.50", "010-1234-5678", "hong@acme.com",
         "TRUE", "Email, Kakao", "1990-05-01", "2026-04-23T09:15:30Z", "Lead", "WON",
         "https://acme.com", "vip, partner"],
        ["Kim", "", "", "-3", "", "", "no", "", "", "", "won", "", "", ""],
    ]  # fmt: skip
    started = body_of(upload(owner, "", csv_bytes(rows), entityId=d.entity_id))
    assert set(started) == {"jobId", "status"}
    assert started["status"] == "pending"
    status = wait_for(owner, started["jobId"])
    assert status == {
        "jobId": started["jobId"],
        "status": "completed",
        "progress": 2,
        "total": 2,
        "created": 2,
        "failed": 0,
        "errors": [],
    }
    first, second = records_of(owner, d.entity_id)
    i = d.ids
    assert first["name"] == "Hong Gildong"
    assert first["data"] == {
        i["TEXT"]: "Acme", i["TEXTAREA"]: "two\nlines", i["NUMBER"]: 1200.5,
        i["PHONE"]: "010-1234-5678", i["EMAIL"]: "hong@acme.com", i["CHECKBOX"]: True,
        i["MULTI_CHECKBOX"]: ["EMAIL", "KAKAO"], i["DATE"]: "1990-05-01",
        i["DATETIME"]: "2026-04-23T09:15:30.000Z", i["DROPDOWN"]: "LEAD", i["RADIO"]: "WON",
        i["URL"]: "https://acme.com",
    }  # fmt: skip
    assert first["tags"] == ["vip", "partner"]
    assert first["ownerId"] == owner.member_id
    assert second["name"] == "Kim"
    assert second["data"] == {i["NUMBER"]: -3, i["CHECKBOX"]: False, i["DROPDOWN"]: "WON"}
    logs = body_of(owner.get(f"/records/{first['recordId']}/logs"))["data"]
    assert [log["action"] for log in logs] == ["IMPORT"]
    # The initial values, property by property in the order the properties were made.
    assert logs[0]["changes"] == [
        {"field": "name", "before": None, "after": "Hong Gildong"},
        *({"field": f"data.{i[kind]}", "before": None, "after": first["data"][i[kind]]}
          for kind in d.ids),
        {"field": "tags", "before": None, "after": ["vip", "partner"]},
        {"field": "ownerId", "before": None, "after": owner.member_id},
    ]  # fmt: skip
    # What a row leaves empty has no entry (here: its tags and most values).
    logs = body_of(owner.get(f"/records/{second['recordId']}/logs"))["data"]
    assert [change["field"] for change in logs[0]["changes"]] == [
        "name", *(f"data.{i[kind]}" for kind in d.ids if i[kind] in second["data"]), "ownerId",
    ]  # fmt: skip


def test_characters_special_to_the_bulk_write_arrive_unchanged(owner: Tenant) -> None:
    """PostgreSQL writes imports with COPY, whose text format gives backslash, tab, newline,
    carriage return and a lone backslash-N a meaning of their own; each line is filled into a
    template, where braces would mean a field."""
    d = deals(owner)
    tricky = [
        "a\\b",
        "tab\there",
        "line\nbreak",
        "cr\rhere",
        "\\N",
        "\\\\N",
        'q"uote\\n',
        "é 한",
        "{0} {}",
    ]
    rows = [["Name", "Company", "Notes", "Tags"]]
    rows += [[text, text, f"{text}!", text] for text in tricky]
    job = body_of(upload(owner, "", csv_bytes(rows), entityId=d.entity_id))["jobId"]
    assert wait_for(owner, job)["created"] == len(tricky)
    found = sorted(records_of(owner, d.entity_id), key=lambda r: tricky.index(r["name"]))
    assert [r["name"] for r in found] == tricky
    assert [r["data"][d.ids["TEXT"]] for r in found] == tricky
    assert [r["data"][d.ids["TEXTAREA"]] for r in found] == [f"{t}!" for t in tricky]
    assert [r["tags"] for r in found] == [[t] for t in tricky]


def test_bad_rows_are_reported_and_skipped_and_good_rows_imported(owner: Tenant) -> None:
    d = deals(owner)
    rows = [
        ["Name", "Amount", "Email", "Stage"],
        ["ok 1", "10", "a@b.co", "Lead"],
        ["bad amount", "ten", "a@b.co", "Lead"],
        ["ok 2", "", "", ""],
        ["bad twice", "1", "not-an-email", "Lost"],
    ]
    job = body_of(upload(owner, "", csv_bytes(rows), entityId=d.entity_id))["jobId"]
    status = wait_for(owner, job)
    assert status["status"] == "completed"
    assert (status["progress"], status["total"], status["created"], status["failed"]) == (
        4, 4, 2, 2,
    )  # fmt: skip
    assert status["errors"] == [
        {"row": 3, "column": "1", "message": "Amount: must be a number"},
        {"row": 5, "column": "2", "message": f"Email: {NOT_AN_EMAIL}"},
        {"row": 5, "column": "3", "message": f"Stage: {NOT_AN_OPTION}"},
    ]
    assert [r["name"] for r in records_of(owner, d.entity_id)] == ["ok 1", "ok 2"]


def test_column_mappings_choose_the_targets(owner: Tenant) -> None:
    d = deals(owner)
    rows = [["whatever", "x", "y"], ["Acme", "Lee", "5"]]
    mappings = {"0": d.ids["TEXT"], "1": "__name__", "2": ""}
    job = body_of(
        upload(
            owner,
            "",
            csv_bytes(rows),
            entityId=d.entity_id,
            columnMappings=json.dumps(mappings),
            hasHeader="true",
        )
    )["jobId"]
    assert wait_for(owner, job)["created"] == 1
    (record,) = records_of(owner, d.entity_id)
    assert (record["name"], record["data"]) == ("Lee", {d.ids["TEXT"]: "Acme"})


def test_a_member_imports_as_itself_and_owners_must_be_active_members(owner: Tenant) -> None:
    d = deals(owner)
    member = owner.member()
    rows = [
        ["Name", "Owner"],
        ["mine", ""],
        ["colleague's", owner.member_id],
        ["stranger's", "MEMnotamember00"],
    ]
    job = body_of(upload(member, "", csv_bytes(rows), entityId=d.entity_id))["jobId"]
    status = wait_for(member, job)
    assert (status["created"], status["failed"]) == (2, 1)
    assert status["errors"] == [
        {"row": 4, "column": "1", "message": "ownerId: 'MEMnotamember00' is not an active member"}
    ]
    owners = {r["name"]: r["ownerId"] for r in records_of(owner, d.entity_id)}
    # An empty owner cell means unowned; the owner column is mapped, so no default applies.
    assert owners == {"mine": None, "colleague's": owner.member_id}
    # A job belongs to its tenant: another member of the account may follow it.
    assert body_of(owner.get(f"/records/import/{job}/status"))["status"] == "completed"

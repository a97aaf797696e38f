# ruff: noqa: E501 (a table of probes reads best one per line)
"""Tenant isolation, proven by a full dump: tenant B, holding look-alike data of its own, calls
every endpoint with tenant A's IDs (in paths, query strings, bodies, bulk lists, filters, cursors
and file links). Every call answers 404 (or, where the spec says so, a no-op: a list without A's
data, a bulk result that skipped everything, a job status "failed"); no answer contains an ID of
A; and every row of A in every table, and every file of A on disk, is the same afterwards."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from httpx2 import Response
from sqlalchemy import inspect, text

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from tests.builders import Tenant, TenantFactory, body_of, new_record
from tests.entities.test_entities_create_get import create
from tests.files.helpers import image, uploaded
from tests.imports.helpers import csv_bytes
from tests.imports.helpers import upload as import_upload
from tests.properties.test_properties_api import add

STAGES = [{"label": "Lead", "value": "LEAD", "priority": 1}]


@dataclass
class Crm:
    """One tenant's objects, made through the API (the same for both tenants)."""

    entity: str
    companies: str
    stage: str
    amount: str
    group: str
    record: str
    trashed: str
    company: str
    rtype: str
    link: str
    segment: str
    activity: str
    image: str
    attachment: str
    export_job: str
    import_job: str
    download: str
    cursor: str

    def ids(self) -> list[str]:
        return [v for k, v in vars(self).items() if k not in ("download", "cursor")]


def _build(tenant: Tenant) -> Crm:
    entity = str(create(tenant, "deals")["entityId"])
    companies = str(create(tenant, "companies")["entityId"])
    group = body_of(tenant.post("/property-groups", json={"entityId": entity, "name": "Main"}))
    stage = add(tenant, entity, "Stage", "DROPDOWN", options=STAGES)["propertyId"]
    amount = add(tenant, entity, "Amount", "NUMBER")["propertyId"]
    record = new_record(tenant, entity, "Acme deal", data={stage: "LEAD", amount: 5})
    new_record(tenant, entity, "Second deal")
    trashed = new_record(tenant, entity, "Old deal")
    tenant.delete(f"/records/{trashed}").raise_for_status()
    company = new_record(tenant, companies, "Acme")
    rtype = body_of(
        tenant.post(
            "/relationships/types",
            json={"name": "Account", "sourceEntityId": entity, "targetEntityId": companies},
        )
    )["relationshipTypeId"]
    link = body_of(
        tenant.post(
            "/relationships",
            json={
                "relationshipTypeId": rtype,
                "sourceEntityId": entity,
                "sourceRecordId": record,
                "targetEntityId": companies,
                "targetRecordId": company,
            },
        )
    )["relationshipId"]
    group_body = {"operator": "AND", "conditions": [{"field": "name", "operator": "contains",
                                                      "value": "deal"}]}  # fmt: skip
    segment = body_of(
        tenant.post(
            "/segments", json={"entityId": entity, "name": "Deals", "conditionGroup": group_body}
        )
    )["segmentId"]
    activity = body_of(
        tenant.post(
            "/activities", json={"recordId": record, "activityType": "CALL", "subject": "Hi"}
        )
    )["activityId"]
    tenant.post(
        "/events", json={"entityId": entity, "recordId": record, "eventType": "PURCHASE"}
    ).raise_for_status()
    uploaded(tenant, record, "profile-image", "p.png", image())
    picture = uploaded(tenant, record, "images", "i.png", image())["fileId"]
    attachment = uploaded(tenant, record, "attachments", "a.txt", b"secret notes")["fileId"]
    exported = body_of(
        tenant.post("/records/export/request", json={"entityId": entity, "format": "csv"})
    )
    imported = body_of(
        import_upload(tenant, "", csv_bytes([["Name"], ["Imported"]]), entityId=entity)
    )["jobId"]
    page = body_of(tenant.get("/records", params={"entityId": entity, "limit": 1}))
    return Crm(
        entity, companies, stage, amount, group["propertyGroupId"], record, trashed, company,
        rtype, link, segment, activity, picture, attachment,
        # A sync export has no job; its file ID stands in for a job ID (it is not a UUID).
        exported["downloadUrl"].split("/files/")[1].split("?")[0], imported,
        exported["downloadUrl"], page["nextKey"],
    )  # fmt: skip


def _dump(settings: Settings, account_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the account, table by table, in a stable order."""
    engine = make_engine(settings)
    try:
        tables = [
            name
            for name in inspect(engine).get_table_names()
            if "account_id" in {c["name"] for c in inspect(engine).get_columns(name)}
        ]
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for table in sorted(tables):
                rows = connection.execute(
                    text(f"SELECT * FROM {table} WHERE account_id = :a"), {"a": account_id}
                ).all()
                dump[table] = sorted((tuple(row) for row in rows), key=repr)
        return dump
    finally:
        engine.dispose()


def _files(settings: Settings, account_id: str) -> dict[str, bytes]:
    root = Path(settings.files_root) / account_id
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _probes(a: Crm) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, request arguments, expectation) with A's IDs everywhere."""
    rec, ent = a.record, a.entity
    link_body = {"relationshipTypeId": a.rtype, "sourceEntityId": ent, "sourceRecordId": rec,
                 "targetEntityId": a.companies, "targetRecordId": a.company}  # fmt: skip
    cond = {"operator": "AND", "conditions": [{"field": f"data.{a.stage}", "operator": "eq",
                                                "value": "LEAD"}]}  # fmt: skip
    png = {"files": {"file": ("x.png", image(), "image/png")}}
    return [
        ("POST", "/activities", {"json": {"recordId": rec, "activityType": "CALL", "subject": "x"}}, "404"),
        ("GET", "/activities", {"params": {"recordId": rec}}, "404|empty"),
        ("GET", "/activities", {"params": {"entityId": ent}}, "404|empty"),
        ("GET", f"/activities/record/{rec}/scheduled", {}, "404"),
        ("GET", f"/activities/{a.activity}", {}, "404"),
        ("PATCH", f"/activities/{a.activity}", {"json": {"subject": "taken"}}, "404"),
        ("DELETE", f"/activities/{a.activity}", {}, "404"),
        ("GET", f"/entities/{ent}", {}, "404"),
        ("PATCH", f"/entities/{ent}", {"json": {"name": "Taken"}}, "404"),
        ("DELETE", f"/entities/{ent}", {}, "404"),
        ("DELETE", f"/entities/{ent}", {"params": {"permanent": "true"}}, "404"),
        ("POST", f"/entities/{ent}/restore", {}, "404"),
        ("POST", "/entities/reorder", {"json": {"entityIds": [ent]}}, "400"),
        ("POST", "/events", {"json": {"entityId": ent, "recordId": rec, "eventType": "X"}}, "404"),
        ("POST", "/events/bulk", {"json": {"events": [{"entityId": ent, "recordId": rec, "eventType": "X"}]}}, "404"),
        ("GET", "/events", {"params": {"entityId": ent}}, "404|empty"),
        ("GET", "/events", {"params": {"entityId": ent, "recordId": rec}}, "404|empty"),
        ("GET", "/events/summaries", {"params": {"entityId": ent}}, "404|empty"),
        ("GET", "/properties", {"params": {"entityId": ent}}, "404|empty"),
        ("POST", "/properties", {"json": {"entityId": ent, "name": "X", "fieldType": "TEXT"}}, "404"),
        ("POST", "/properties/bulk", {"json": {"properties": [{"entityId": ent, "name": "X", "fieldType": "TEXT"}]}}, "404"),
        ("GET", f"/properties/{a.stage}", {}, "404"),
        ("PATCH", f"/properties/{a.stage}", {"json": {"name": "Taken"}}, "404"),
        ("DELETE", f"/properties/{a.stage}", {}, "404"),
        ("GET", "/property-groups", {"params": {"entityId": ent}}, "404|empty"),
        ("POST", "/property-groups", {"json": {"entityId": ent, "name": "X"}}, "404"),
        ("GET", f"/property-groups/{a.group}", {}, "404"),
        ("PATCH", f"/property-groups/{a.group}", {"json": {"name": "Taken"}}, "404"),
        ("DELETE", f"/property-groups/{a.group}", {}, "404"),
        ("GET", "/records", {"params": {"entityId": ent}}, "404"),
        ("GET", "/records", {"params": {"segmentId": a.segment}}, "404"),
        ("GET", "/records", {"params": {"startKey": a.cursor, "limit": 1}}, "400"),
        ("GET", "/records/count", {"params": {"entityId": ent}}, "404"),
        ("POST", "/records", {"json": {"entityId": ent, "name": "x"}}, "404"),
        ("GET", "/records/trash", {"params": {"entityId": ent}}, "404|empty"),
        ("POST", "/records/search/advanced", {"json": {"entityId": ent, "conditionGroup": cond}}, "404"),
        ("GET", f"/records/search/fulltext/{ent}", {"params": {"q": "Acme"}}, "404"),
        ("POST", "/records/bulk/delete", {"json": {"recordIds": [rec, a.company]}}, "skipped"),
        ("POST", "/records/bulk/delete", {"json": {"recordIds": [rec], "permanent": True}}, "skipped"),
        ("POST", "/records/bulk/restore", {"json": {"recordIds": [a.trashed]}}, "skipped"),
        ("GET", f"/records/{rec}", {}, "404"),
        ("GET", f"/records/{a.trashed}", {"params": {"includeDeleted": "true"}}, "404"),
        ("PATCH", f"/records/{rec}", {"json": {"name": "taken"}}, "404"),
        ("DELETE", f"/records/{rec}", {}, "404"),
        ("POST", f"/records/{a.trashed}/restore", {}, "404"),
        ("GET", f"/records/{rec}/logs", {}, "404"),
        ("POST", f"/records/{rec}/profile-image", png, "404"),
        ("DELETE", f"/records/{rec}/profile-image", {}, "404"),
        ("POST", f"/records/{rec}/images", png, "404"),
        ("DELETE", f"/records/{rec}/images/{a.image}", {}, "404"),
        ("POST", f"/records/{rec}/attachments", {"files": {"file": ("a.txt", b"x", "text/plain")}}, "404"),
        ("DELETE", f"/records/{rec}/attachments/{a.attachment}", {}, "404"),
        ("POST", "/records/export/request", {"json": {"entityId": ent, "format": "csv"}}, "404"),
        ("POST", "/records/export/request", {"json": {"entityId": ent, "format": "csv", "segmentId": a.segment}}, "404"),
        ("GET", f"/records/export/{a.export_job}/status", {}, "failed"),
        ("GET", f"/records/import/{a.import_job}/status", {}, "failed"),
        ("POST", "/records/import/excel", {"files": {"file": ("a.csv", b"Name\nx\n", "text/csv")}, "data": {"entityId": ent}}, "404"),
        ("POST", "/records/import/excel/preview", {"files": {"file": ("a.csv", b"Name\nx\n", "text/csv")}, "data": {"entityId": ent}}, "404"),
        ("GET", "/relationships/types", {"params": {"entityId": ent}}, "404"),
        ("POST", "/relationships/types", {"json": {"name": "X", "sourceEntityId": ent, "targetEntityId": a.companies}}, "404"),
        ("GET", f"/relationships/types/{a.rtype}", {}, "404"),
        ("PATCH", f"/relationships/types/{a.rtype}", {"json": {"name": "Taken"}}, "404"),
        ("DELETE", f"/relationships/types/{a.rtype}", {}, "404"),
        ("POST", "/relationships", {"json": link_body}, "404"),
        ("POST", "/relationships/bulk", {"json": {"relationshipTypeId": a.rtype, "sourceEntityId": ent, "sourceRecordIds": [rec], "targetEntityId": a.companies, "targetRecordIds": [a.company]}}, "404"),
        ("POST", "/relationships/bulk-match", {"json": {"relationshipTypeId": a.rtype, "sourceEntityId": ent, "sourceRecordIds": [rec], "criteria": [{"myField": {"type": "name"}, "counterField": {"type": "name"}}], "matchMode": "ALL"}}, "404"),
        ("GET", "/relationships/list", {"params": {"relationshipTypeId": a.rtype}}, "404|empty"),
        ("GET", "/relationships/list", {"params": {"recordId": rec}}, "404|empty"),
        ("GET", f"/relationships/type/{a.rtype}", {}, "404"),
        ("GET", f"/relationships/record/{rec}", {}, "404"),
        ("GET", f"/relationships/{a.link}", {}, "404"),
        ("PATCH", f"/relationships/{a.link}", {"json": {"metadata": {"x": 1}}}, "404"),
        ("DELETE", f"/relationships/{a.link}", {}, "404"),
        ("GET", "/segments", {"params": {"entityId": ent}}, "404|empty"),
        ("POST", "/segments", {"json": {"entityId": ent, "name": "X", "conditionGroup": cond}}, "404"),
        ("GET", f"/segments/{a.segment}", {}, "404"),
        ("PATCH", f"/segments/{a.segment}", {"json": {"name": "Taken"}}, "404"),
        ("DELETE", f"/segments/{a.segment}", {}, "404"),
    ]  # fmt: skip


def _as_expected(expected: str, response: Response) -> bool:
    status = response.status_code
    for allowed in expected.split("|"):
        if allowed == "404" and status == 404:
            return bool(response.json()["errorCode"] == "ResourceNotFound")
        if (allowed == "400" and status == 400) or (allowed == "empty" and status == 200):
            return True
        if allowed == "skipped" and status == 200:
            result = response.json()
            return bool(result.get("deleted", result.get("restored")) == 0)
        if allowed == "failed" and status == 200:
            return bool(response.json()["status"] == "failed")
    return False


def test_another_tenant_can_neither_see_nor_touch_anything(
    settings: Settings, tenants: TenantFactory
) -> None:
    a_owner, b_owner = tenants.account(), tenants.account()
    a, b = _build(a_owner), _build(b_owner)
    before, files_before = _dump(settings, a_owner.account_id), _files(settings, a_owner.account_id)
    assert all(before[t] for t in ("records", "files", "jobs", "relationships", "activities"))
    a_ids = set(a.ids())
    failures: list[str] = []
    for method, path, arguments, expected in _probes(a):
        response = b_owner.request(method, path, **arguments)
        status, body = response.status_code, response.text
        # An ID B sent may be echoed back (a job status names its jobId); any other is a leak.
        sent = path + json.dumps(arguments, default=repr)
        leaked = any(i in body for i in a_ids if i not in sent)
        ok = _as_expected(expected, response)
        if leaked:
            ok = False
        if not ok:
            failures.append(f"{method} {path} {arguments.get('params', '')}: {status} {body[:200]}")
    # A's download link is a capability: it works for anyone holding it (that is its purpose),
    # but the path with B's credentials is not a way in to other files.
    assert b_owner.client.get(a.download).status_code == 200
    assert failures == []
    assert _dump(settings, a_owner.account_id) == before
    assert _files(settings, a_owner.account_id) == files_before
    assert b.entity != a.entity

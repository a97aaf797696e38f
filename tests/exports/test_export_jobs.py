"""X1 in async mode and X2: the job writes the same file in batches, survives a crash by
starting over, fails with a reason when its entity goes, and is visible to its requester only."""

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.exports import service as export_service
from crmcore.exports.service import Exporter
from crmcore.jobs.runner import JobRunner
from crmcore.jobs.service import JOB_NOT_FOUND
from crmcore.kernel.context import Context
from crmcore.kernel.wire import utc_now
from crmcore.models import Job
from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory, body_of
from tests.exports.support import (
    HEADER,
    Deals,
    counts,
    exported,
    in_export_order,
    make_deals,
    request_export,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NOT_FOUND = {"status": "failed", "error": JOB_NOT_FOUND}


@pytest.fixture
def app_factory(settings: Settings) -> Iterator[Any]:
    """Apps on the test database with export_sync_max 2 (and the given job workers)."""
    clients: list[TestClient] = []
    factories: list[TenantFactory] = []

    def make(workers: int) -> tuple[TestClient, TenantFactory]:
        lowered = settings.model_copy(update={"export_sync_max": 2, "job_workers": workers})
        client = TestClient(create_app(lowered), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        factories.append(TenantFactory(lowered, client))
        return client, factories[-1]

    yield make
    for factory in factories:
        factory.close()
    for client in clients:
        client.__exit__(None, None, None)


def _status(tenant: Tenant, job_id: str) -> Any:
    return body_of(tenant.get(f"/records/export/{job_id}/status"))


def _wait(tenant: Tenant, job_id: str) -> Any:
    """Poll X2 until the job has ended (bounded: a stuck job fails the test)."""
    for _ in range(400):
        status = _status(tenant, job_id)
        if status["status"] in ("completed", "failed"):
            return status
        assert status["status"] in ("pending", "processing")
        time.sleep(0.025)
    raise AssertionError(f"the job did not end: {status}")


def _fill(deals: Deals, tenant: Tenant, count: int) -> list[Any]:
    return in_export_order(
        [deals.record(tenant, f"R{index}", Amount=index) for index in range(count)]
    )


def _csv(records: list[Any], owner: Tenant) -> str:
    lines = [",".join(HEADER)]
    for record in records:
        number = record["name"][1:]
        lines.append(
            ",".join([record["recordId"], record["name"], "", number, *[""] * 8, owner.member_id,
                      record["dateCreated"], record["dateUpdated"]])
        )  # fmt: skip
    return "".join(line + "\r\n" for line in lines)


@pytest.mark.parametrize("file_format", ["csv", "excel"])
def test_more_than_the_sync_maximum_runs_as_a_job(
    settings: Settings, app_factory: Any, file_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_service, "BATCH", 2)  # several batches, each checkpointed
    _client, tenants = app_factory(1)
    owner = tenants.account()
    deals = make_deals(owner)
    records = _fill(deals, owner, 5)
    answer = body_of(request_export(owner, deals.entity_id, file_format))
    assert set(answer) == {"mode", "jobId"}
    assert answer["mode"] == "async"
    assert UUID4.match(answer["jobId"])
    status = _wait(owner, answer["jobId"])
    assert set(status) == {"status", "progress", "total", "downloadUrl"}
    assert (status["status"], status["progress"], status["total"]) == ("completed", 5, 5)
    file = exported(settings, status["downloadUrl"])
    assert file.expires_at - file.date_created == timedelta(hours=24)
    assert file.link_expires == int(file.expires_at.timestamp())
    extension = "csv" if file_format == "csv" else "xlsx"
    assert re.fullmatch(rf"deals-\d{{14}}\.{extension}", file.file_name)
    if file_format == "csv":
        assert file.text() == _csv(records, owner)
    else:
        rows = file.rows()
        assert rows[0] == HEADER
        assert [(row[0], row[1], row[3]) for row in rows[1:]] == [
            (r["recordId"], r["name"], int(r["name"][1:])) for r in records
        ]
    again = _status(owner, answer["jobId"])
    assert again["status"] == "completed"
    assert exported(settings, again["downloadUrl"]).content == file.content
    # Up to the maximum, the answer is immediate.
    small = body_of(request_export(owner, deals.entity_id, filters='{"name": "R1"}'))
    assert small["mode"] == "sync"


def test_job_status_is_private_to_its_requester(app_factory: Any) -> None:
    _client, tenants = app_factory(1)
    owner = tenants.account()
    deals = make_deals(owner)
    _fill(deals, owner, 3)
    job_id = body_of(request_export(owner, deals.entity_id))["jobId"]
    assert _wait(owner, job_id)["status"] == "completed"
    stranger = tenants.account()
    colleague = owner.member(Role.MEMBER)
    for tenant in (stranger, colleague):
        assert _status(tenant, job_id) == NOT_FOUND
    for unknown in (str(uuid.uuid4()), "not-a-uuid", "0" * 300):
        assert _status(owner, unknown) == NOT_FOUND


def _run_one(client: TestClient, job_id: str) -> None:
    runner: JobRunner = client.app.state.jobs  # type: ignore[attr-defined]
    run = runner.claim(job_id)
    assert run is not None
    runner.run(run)


def _expire_lease(settings: Settings, job_id: str) -> None:
    """What a crashed worker leaves: a processing job whose lease has run out."""
    engine = make_engine(settings)
    try:
        with Session(engine) as session, session.begin():
            past = utc_now() - timedelta(minutes=5)
            session.execute(update(Job).where(Job.job_id == job_id).values(lease_until=past))
    finally:
        engine.dispose()


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so the runner records nothing."""


def test_an_interrupted_job_starts_over_and_leaves_no_scratch_file(
    settings: Settings, app_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_service, "BATCH", 2)
    client, tenants = app_factory(0)
    owner = tenants.account()
    deals = make_deals(owner)
    records = _fill(deals, owner, 5)
    job_id = body_of(request_export(owner, deals.entity_id))["jobId"]
    assert _status(owner, job_id) == {"status": "pending", "total": 5}

    write_batch = Exporter.write_batch
    batches = 0

    def crash_on_second_batch(self: Exporter, ctx: Context) -> bool:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Crash
        return write_batch(self, ctx)

    monkeypatch.setattr(Exporter, "write_batch", crash_on_second_batch)
    with pytest.raises(Crash):
        _run_one(client, job_id)
    assert _status(owner, job_id) == {"status": "processing", "progress": 2, "total": 5}
    assert list((settings.files_root / "tmp").iterdir()) == []
    assert counts(settings) == (0, 1)

    _expire_lease(settings, job_id)
    _run_one(client, job_id)
    status = _status(owner, job_id)
    assert (status["status"], status["progress"], status["total"]) == ("completed", 5, 5)
    assert exported(settings, status["downloadUrl"]).text() == _csv(records, owner)
    assert list((settings.files_root / "tmp").iterdir()) == []
    assert counts(settings) == (1, 1)


def test_a_job_whose_entity_went_to_the_trash_fails_with_the_reason(
    settings: Settings, app_factory: Any
) -> None:
    client, tenants = app_factory(0)
    owner = tenants.account()
    deals = make_deals(owner)
    _fill(deals, owner, 3)
    job_id = body_of(request_export(owner, deals.entity_id))["jobId"]
    body_of(owner.delete(f"/entities/{deals.entity_id}"))
    _run_one(client, job_id)
    assert _status(owner, job_id) == {
        "status": "failed",
        "total": 3,
        "error": f"The export stopped: Entity '{deals.entity_id}' is in the trash",
    }
    assert counts(settings) == (0, 1)
    assert list((settings.files_root / "tmp").iterdir()) == []


def test_total_is_what_was_written_when_records_change_meanwhile(
    settings: Settings, app_factory: Any
) -> None:
    client, tenants = app_factory(0)
    owner = tenants.account()
    deals = make_deals(owner)
    records = _fill(deals, owner, 3)
    job_id = body_of(request_export(owner, deals.entity_id))["jobId"]
    body_of(owner.delete(f"/records/{records[0]['recordId']}"))
    _run_one(client, job_id)
    status = _status(owner, job_id)
    assert (status["status"], status["progress"], status["total"]) == ("completed", 2, 2)
    assert exported(settings, status["downloadUrl"]).text() == _csv(records[1:], owner)

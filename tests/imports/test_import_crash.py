"""An import survives its server being killed: a second server takes the job over once the
first one's lease has expired and resumes after the last committed batch. Nothing is written
twice, nothing is lost, nothing is half-written."""

import signal
import time
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.imports.helpers import csv_bytes
from tests.live import server_process

ROWS = 30_000
BATCH = 500
LEASE_SECONDS = "2"


@pytest.fixture
def quiet(settings: Settings) -> Iterator[TenantFactory]:
    """Tenants made through an in-process app that runs no jobs itself (only the real server
    processes of the test do)."""
    no_jobs = settings.model_copy(update={"job_workers": 0})
    with TestClient(create_app(no_jobs), raise_server_exceptions=False) as client:
        factory = TenantFactory(no_jobs, client)
        yield factory
        factory.close()


def _status(base_url: str, owner: Tenant, job_id: str) -> dict[str, object]:
    response = httpx2.get(
        f"{base_url}/crm-core/v1/records/import/{job_id}/status", headers=owner.headers()
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _names(settings: Settings, entity_id: str) -> tuple[int, int]:
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT count(*), count(DISTINCT name) FROM records WHERE entity_id = :e"),
                {"e": entity_id},
            ).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


@pytest.mark.concurrency
def test_a_killed_import_resumes_on_another_server_without_duplicates(
    settings: Settings, quiet: TenantFactory
) -> None:
    owner = quiet.account()
    entity_id = str(create(owner, "people")["entityId"])
    content = csv_bytes([["Name"], *([f"row {i}"] for i in range(ROWS))])
    env = {"CRMCORE_JOB_LEASE_SECONDS": LEASE_SECONDS, "CRMCORE_IMPORT_BATCH_ROWS": str(BATCH)}
    with server_process(settings, environment=env) as (first, base_url):
        response = httpx2.post(
            base_url + "/crm-core/v1/records/import/excel",
            files={"file": ("people.csv", content, "text/csv")},
            data={"entityId": entity_id},
            headers=owner.headers(),
        )
        assert response.status_code == 200, response.text
        job_id = response.json()["jobId"]
        deadline = time.monotonic() + 60
        while True:
            progress = _status(base_url, owner, job_id)["progress"]
            assert isinstance(progress, int)
            if progress >= 2 * BATCH:
                break
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
    # What the killed server committed is whole batches, each counted by the job.
    written, distinct = _names(settings, entity_id)
    assert written == distinct
    assert written % BATCH == 0
    assert 2 * BATCH <= written < ROWS, "the kill came too late to prove anything"
    with server_process(settings, environment=env) as (_second, base_url):
        deadline = time.monotonic() + 120
        while (status := _status(base_url, owner, job_id))["status"] != "completed":
            assert status["status"] in ("processing", "pending"), status
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
    assert status == {
        "jobId": job_id, "status": "completed", "progress": ROWS, "total": ROWS,
        "created": ROWS, "failed": 0, "errors": [],
    }  # fmt: skip
    assert _names(settings, entity_id) == (ROWS, ROWS)

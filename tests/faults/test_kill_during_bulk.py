"""A server killed (SIGKILL) in the middle of bulk writes: every bulk request it acknowledged is
applied in full, every other one is applied in full or not at all; nothing is half-written."""

import signal
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from tests.builders import Tenant, TenantFactory, body_of
from tests.entities.test_entities_create_get import create
from tests.imports.helpers import csv_bytes, upload, wait_for
from tests.live import server_process

SETS = 40
PER_SET = 250


@pytest.fixture
def factory(settings: Settings) -> Iterator[TenantFactory]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        tenants = TenantFactory(settings, client)
        yield tenants
        tenants.close()


def _sets(settings: Settings, entity_id: str) -> dict[int, dict[str, bool]]:
    """Per set (names are ``s<set>-<n>``): record ID -> whether it is in the trash."""
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT record_id, name, is_deleted FROM records WHERE entity_id = :e"),
                {"e": entity_id},
            ).all()
    finally:
        engine.dispose()
    sets: dict[int, dict[str, bool]] = {}
    for record_id, name, is_deleted in rows:
        sets.setdefault(int(name[1:].split("-")[0]), {})[record_id] = bool(is_deleted)
    return sets


@pytest.mark.concurrency
def test_bulk_deletes_are_all_or_nothing_when_the_server_is_killed(
    settings: Settings, factory: TenantFactory
) -> None:
    owner: Tenant = factory.account()
    entity_id = str(create(owner, "people")["entityId"])
    names = [["Name"], *([f"s{s}-{n}"] for s in range(SETS) for n in range(PER_SET))]
    job = body_of(upload(owner, "", csv_bytes(names), entityId=entity_id))["jobId"]
    assert wait_for(owner, job, seconds=120)["created"] == SETS * PER_SET
    sets = _sets(settings, entity_id)
    acknowledged: set[int] = set()
    started: set[int] = set()
    with server_process(settings) as (server, base_url):

        def send(numbers: list[int]) -> None:
            with httpx2.Client(base_url=base_url + "/crm-core/v1", timeout=30) as http:
                for number in numbers:
                    started.add(number)
                    try:
                        response = http.post(
                            "/records/bulk/delete",
                            json={"recordIds": list(sets[number])},
                            headers=owner.headers(),
                        )
                    except httpx2.TransportError:
                        return  # the server is gone
                    if response.status_code == 200:
                        assert response.json()["deleted"] == PER_SET
                        acknowledged.add(number)

        clients = [threading.Thread(target=send, args=(list(range(i, SETS, 2)),)) for i in range(2)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        server.wait()
        for client in clients:
            client.join()
    assert len(acknowledged) >= 4, "the server was killed before the load started"
    assert len(started) < SETS, "the kill came after the last request: nothing was proven"
    for number, states in _sets(settings, entity_id).items():
        trashed = sum(states.values())
        if number in acknowledged:
            assert trashed == PER_SET, number
        else:
            assert trashed in (0, PER_SET), (number, trashed)

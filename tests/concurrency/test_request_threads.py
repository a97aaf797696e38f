"""More concurrent requests than pooled connections: requests queue for a thread instead of
opening (and closing) a database connection each beyond the pool."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier, Lock

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from crmcore.app import create_app
from crmcore.config import Settings
from tests.builders import TenantFactory

pytestmark = pytest.mark.concurrency

POOL = 2
CLIENTS = 12
CALLS = 8


@pytest.fixture
def narrow(settings: Settings) -> Iterator[tuple[TestClient, TenantFactory]]:
    narrow = settings.model_copy(update={"db_pool_size": POOL, "job_workers": 0})
    with TestClient(create_app(narrow), raise_server_exceptions=False) as client:
        tenants = TenantFactory(narrow, client)
        try:
            yield client, tenants
        finally:
            tenants.close()


def test_requests_beyond_the_pool_wait_for_a_connection_and_never_open_one(
    narrow: tuple[TestClient, TenantFactory],
) -> None:
    client, tenants = narrow
    owner = tenants.account()
    engine: Engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    opened: list[object] = []
    in_use = peak = 0
    lock = Lock()

    def on_checkout(*_: object) -> None:
        nonlocal in_use, peak
        with lock:
            in_use += 1
            peak = max(peak, in_use)

    def on_checkin(*_: object) -> None:
        nonlocal in_use
        with lock:
            in_use -= 1

    event.listen(engine, "connect", lambda connection, _: opened.append(connection))
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    start = Barrier(CLIENTS)

    def calls(index: int) -> list[int]:
        start.wait()
        statuses = []
        for _ in range(CALLS):
            response = client.get("/crm-core/v1/entities", headers=owner.headers())
            statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        answers = [status for each in clients.map(calls, range(CLIENTS)) for status in each]

    assert answers == [200] * (CLIENTS * CALLS)
    # The pool may still be filling up to its size; beyond it, no connection is ever opened.
    assert peak <= POOL
    assert len(opened) <= POOL

"""Racing clients for the concurrency tests: two server processes on one database, and scripts
of signed calls sent by one thread each, released together."""

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2

from crmcore.config import Settings
from tests.builders import Tenant
from tests.live import running_server


@contextmanager
def two_servers(settings: Settings) -> Iterator[list[str]]:
    """Two server processes on one database, started side by side (each takes seconds)."""
    managers = [running_server(settings), running_server(settings)]
    with ExitStack() as stack:
        with ThreadPoolExecutor(max_workers=len(managers)) as pool:
            started = [pool.submit(manager.__enter__) for manager in managers]
        for manager, future in zip(managers, started, strict=True):
            if future.exception() is None:
                stack.push(manager)
        yield [future.result() for future in started]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None
    #: A file sent as the multipart part ``file`` (name, content) instead of a JSON body.
    file: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class Answer:
    call: Call
    status: int
    body: Any


def client(url: str) -> httpx2.Client:
    return httpx2.Client(base_url=url + "/crm-core/v1", timeout=60)


def send(http: httpx2.Client, tenant: Tenant, call: Call) -> Answer:
    """One signed request; the body is kept as text when it is not JSON (e.g. a plain 500)."""
    if call.file is not None:
        files = {"file": (*call.file, "text/plain")}
        response = http.request(call.method, call.path, files=files, headers=tenant.headers())
    else:
        response = http.request(call.method, call.path, json=call.body, headers=tenant.headers())
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(call, response.status_code, body)


def race(urls: list[str], tenant: Tenant, scripts: Sequence[Sequence[Call]]) -> list[list[Answer]]:
    """One client thread per script, each on its own connection to one of the servers (in
    turn); all of them wait at a barrier, then send their calls one after the other."""
    barrier = threading.Barrier(len(scripts), timeout=60)

    def run(index: int) -> list[Answer]:
        with client(urls[index % len(urls)]) as http:
            barrier.wait()
            return [send(http, tenant, call) for call in scripts[index]]

    with ThreadPoolExecutor(max_workers=len(scripts)) as pool:
        return list(pool.map(run, range(len(scripts))))


def flat(answers: list[list[Answer]]) -> list[Answer]:
    return [answer for script in answers for answer in script]


def statuses(answers: Sequence[Answer]) -> Counter[int]:
    return Counter(answer.status for answer in answers)

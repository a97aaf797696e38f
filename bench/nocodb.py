"""The side-by-side peer: NocoDB 0.262.5 on the same machine and the same PostgreSQL server,
given the same table (the 12 properties of ``bench.seed.PROPERTIES`` plus the record name as
its Title) with the same generated rows, measured with the same ``bench.load`` machinery on the
workloads it has an equivalent for.

NocoDB is installed by ``bench/nocodb/install.sh`` into a cache directory outside the
repository and run by ``bench/nocodb/server.js`` (Express + ``Noco.init``) on loopback, with
``NC_DB`` pointing at a database of its own. Its open-source build has no rate limit to raise:
the API limiter guards of 0.262.x are no-ops (``install.sh`` checks it) and no throttler module
is registered; an error column would show 429s if that changed.
"""

import asyncio
import inspect
import os
import random
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx2
import orjson
import psycopg
from tests.live import free_port

from bench import load
from bench.seed import CHANNELS, PROPERTIES, REGIONS, STAGES, Tenant, copy_records, record_rows

HERE = Path(__file__).resolve().parent / "nocodb"
RESULTS = HERE.parent / "results"
# A throwaway super user of a server that listens on loopback only, for one benchmark run.
ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = "Bench-password-1"

#: crmcore field type -> NocoDB column type (``uidt``); the titles are crmcore's property names.
COLUMN_TYPES = {
    "TEXT": "SingleLineText",
    "TEXTAREA": "LongText",
    "NUMBER": "Number",
    "PHONE": "PhoneNumber",
    "EMAIL": "Email",
    "CHECKBOX": "Checkbox",
    "MULTI_CHECKBOX": "MultiSelect",
    "DATE": "Date",
    "DATETIME": "DateTime",
    "DROPDOWN": "SingleSelect",
    "RADIO": "SingleSelect",
    "URL": "URL",
}
TITLES = {spec["fieldType"]: spec["name"] for spec in PROPERTIES}
WHERE_MATCH = "(Deal size,gte,500000)~and(Stage,eq,CLOSED_WON)"
WORDS = ["alpha", "tango", "zulu 12", "echo", "kilo"]  # as crmcore's full-text workload
SEED_CHUNK = 1000  # rows a bulk insert request
SEED_PARALLEL = 2  # bulk insert requests in flight


def install() -> Path:
    """Run the (idempotent) install script; returns the installation directory."""
    done = subprocess.run(
        ["bash", str(HERE / "install.sh")], check=True, stdout=subprocess.PIPE, text=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


def versions(directory: Path) -> dict[str, str]:
    package = orjson.loads((directory / "node_modules" / "nocodb" / "package.json").read_bytes())
    node = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True)
    return {"nocodb": package["version"], "node": node.stdout.strip()}


@dataclass
class Peer:
    process: subprocess.Popen[bytes]
    base_url: str
    database_url: str  # NocoDB's own database, for ANALYZE after the seed
    database: str
    token: str = ""  # an API token (xc-token)
    table_id: str = ""
    rows: int = 0
    seed_seconds: float | None = None  # None: reused
    sample_ids: list[int] = field(default_factory=list)
    offsets: dict[str, int] = field(default_factory=dict)  # of the deep pages, as measured

    def url(self, suffix: str = "") -> str:
        return f"{self.base_url}/api/v2/tables/{self.table_id}/records{suffix}"

    @property
    def headers(self) -> dict[str, str]:
        return {"xc-token": self.token}


def _meta_url(admin_url: str, database: str) -> str:
    """NocoDB's ``NC_DB`` (``pg://host:port?u=user&p=password&d=database``) for the PostgreSQL
    server of ``admin_url``; with trust authentication the password is empty."""
    parsed = urlsplit(admin_url)
    user = quote(unquote(parsed.username or "postgres"))
    password = quote(unquote(parsed.password or ""))
    host = parsed.hostname or "127.0.0.1"
    return f"pg://{host}:{parsed.port or 5432}?u={user}&p={password}&d={database}"


def start(directory: Path, admin_url: str, database: str, *, fresh: bool) -> Peer:
    if fresh:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{database}"')
    port = free_port()
    env = {
        **os.environ,
        "NC_DB": _meta_url(admin_url, database),
        "NC_AUTH_JWT_SECRET": secrets.token_hex(16),
        "NC_ADMIN_EMAIL": ADMIN_EMAIL,
        "NC_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "NC_DISABLE_TELE": "true",
        "NC_DISABLE_ERR_REPORTS": "true",
        "NODE_ENV": "production",  # as NocoDB's own Docker image
        "PORT": str(port),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = (RESULTS / f"{database}.log").open("ab")
    process = subprocess.Popen(
        ["node", str(HERE / "server.js"), str(directory)],
        cwd=directory,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()  # the server holds its own descriptor
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"NocoDB exited ({process.returncode}); see {log.name}")
        try:
            if httpx2.get(base_url + "/api/v1/health").status_code == 200:
                database_url = admin_url.rsplit("/", 1)[0] + "/" + database
                return Peer(process, base_url, database_url, database)
        except httpx2.TransportError:
            pass
        time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"NocoDB did not start; see {log.name}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _columns() -> list[dict[str, Any]]:
    options = {"MULTI_CHECKBOX": CHANNELS, "DROPDOWN": STAGES, "RADIO": REGIONS}
    columns: list[dict[str, Any]] = [
        {"column_name": "id", "title": "Id", "uidt": "ID"},
        {"column_name": "title", "title": "Title", "uidt": "SingleLineText", "pv": True},
    ]
    for spec in PROPERTIES:
        kind = spec["fieldType"]
        column: dict[str, Any] = {
            "column_name": spec["name"].lower().replace(" ", "_"),
            "title": spec["name"],
            "uidt": COLUMN_TYPES[kind],
        }
        if kind in options:
            column["colOptions"] = {"options": [{"title": value} for value in options[kind]]}
        columns.append(column)
    return columns


def _state_file(database: str) -> Path:
    return RESULTS / f"{database}.json"


def load_state(database: str) -> dict[str, Any] | None:
    """What an earlier run left of a seeded NocoDB database (for ``--reuse``)."""
    path = _state_file(database)
    return orjson.loads(path.read_bytes()) if path.exists() else None


def save_state(peer: Peer, records: int) -> None:
    state = {"token": peer.token, "table_id": peer.table_id, "records": records}
    _state_file(peer.database).write_bytes(orjson.dumps(state))


def reopen(peer: Peer, state: dict[str, Any]) -> None:
    """Reuse the table and API token of an earlier run."""
    peer.token, peer.table_id = state["token"], state["table_id"]
    response = httpx2.get(peer.url("/count"), headers=peer.headers, timeout=600)
    if response.status_code != 200:
        raise RuntimeError(
            f"NocoDB table of {_state_file(peer.database)} not usable ({response.status_code}); "
            "delete that file to seed again"
        )
    peer.rows = int(response.json()["count"])


def create_table(peer: Peer) -> None:
    """Sign in as the super user, create an API token, a base and the table."""
    with httpx2.Client(base_url=peer.base_url, timeout=120) as http:
        signin = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        response = http.post("/api/v1/auth/user/signin", json=signin)
        response.raise_for_status()
        auth = {"xc-auth": response.json()["token"]}
        token = http.post("/api/v1/tokens", json={"description": "bench"}, headers=auth)
        token.raise_for_status()
        base = http.post("/api/v2/meta/bases", json={"title": "Bench"}, headers=auth)
        base.raise_for_status()
        table = http.post(
            f"/api/v2/meta/bases/{base.json()['id']}/tables",
            json={"table_name": "deals", "title": "Deals", "columns": _columns()},
            headers=auth,
        )
        table.raise_for_status()
    peer.token, peer.table_id = token.json()["token"], table.json()["id"]


def rows(tenant: Tenant, count: int) -> Iterator[dict[str, Any]]:
    """crmcore's seeded records (``seed.record_rows`` in ``copy_records``'s batches, so the same
    random streams), as NocoDB rows: the name as Title, each property under its name."""
    batch: int = inspect.signature(copy_records).parameters["batch"].default
    by_key = {data_key: kind for kind, data_key in tenant.data_keys.items()}
    for start in range(0, count, batch):
        for row in record_rows(tenant, min(batch, count - start), start):
            item: dict[str, Any] = {"Title": row[4]}
            for data_key, value in orjson.loads(row[5]).items():
                kind = by_key[data_key]
                item[TITLES[kind]] = ",".join(value) if kind == "MULTI_CHECKBOX" else value
            yield item


async def _seed(peer: Peer, tenant: Tenant, count: int, chunk: int, parallel: int) -> None:
    queue: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(maxsize=parallel * 2)
    done = 0
    failures: list[str] = []

    async def sender(client: httpx2.AsyncClient) -> None:
        nonlocal done
        while (items := await queue.get()) is not None:
            if failures:
                continue  # keep draining, so the producer never blocks
            try:
                response = await client.post(peer.url(), json=items, headers=peer.headers)
            except httpx2.HTTPError as error:
                failures.append(repr(error))
                continue
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:500]}")
                continue
            done += len(items)
            if done % 50_000 < len(items) or done == count:
                print(f"  NocoDB: inserted {done:,} / {count:,} rows", flush=True)

    async with httpx2.AsyncClient(timeout=600) as client:
        senders = [asyncio.create_task(sender(client)) for _ in range(parallel)]
        items: list[dict[str, Any]] = []
        for item in rows(tenant, count):
            if failures:
                break
            items.append(item)
            if len(items) == chunk:
                await queue.put(items)
                items = []
        if items:
            await queue.put(items)
        for _ in senders:
            await queue.put(None)
        await asyncio.gather(*senders)
    if failures:
        raise RuntimeError(f"NocoDB bulk insert failed: {failures[0]}")


def seed(
    peer: Peer, tenant: Tenant, count: int, chunk: int = SEED_CHUNK, parallel: int = SEED_PARALLEL
) -> None:
    """NocoDB's fastest correct path: its bulk insert API, ``chunk`` rows a request,
    ``parallel`` requests in flight; then ANALYZE, which crmcore's seed runs too."""
    started = time.monotonic()
    asyncio.run(_seed(peer, tenant, count, chunk, parallel))
    peer.seed_seconds = time.monotonic() - started
    peer.rows = count
    with psycopg.connect(peer.database_url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def choose_sample(peer: Peer, count: int = 5000) -> None:
    """Random existing row IDs (bulk inserts number them 1..rows)."""
    seeded = max(1, peer.rows)
    peer.sample_ids = random.Random(3).sample(range(1, seeded + 1), min(count, seeded))


async def measure(
    peer: Peer, seconds: float, deep_list: int, deep_search: int
) -> list[load.Result]:
    """The workloads of crmcore's ``measure()`` that NocoDB has an equivalent for, with the same
    names, counts and concurrency. Deep pages are offsets (NocoDB has no cursor): page N is
    ``offset=(N-1)*50``, capped to NocoDB's last page (NocoDB answers 422 past its rows; the
    row counts of the two sides drift apart with their time-bounded creates)."""
    ids = peer.sample_ids
    rng = random.Random(7)
    h = peer.headers
    target = Tenant(peer.base_url, "", "", "", [], "", {})  # load.run_workload needs one

    async def get(client: load.Client, i: int) -> load.Response:
        return await client.get(peer.url(f"/{ids[i % len(ids)]}"), headers=h)

    async def create(client: load.Client, i: int) -> load.Response:
        body = {
            "Title": f"Bench {i}", "Company": "Created Co", "Deal size": i,
            "Email": f"new{i}@example.com", "Active": True, "Close date": "2026-04-23",
            "Stage": "LEAD", "Region": "EAST", "Phone": "010-1234-5678", "Notes": "hello",
            "Channels": "EMAIL", "Last contact": "2026-04-23T09:15:30.000Z",
            "Website": "https://example.com",
        }  # fmt: skip
        return await client.post(peer.url(), json=body, headers=h)

    async def update(client: load.Client, i: int) -> load.Response:
        body = {"Id": ids[(i * 7) % len(ids)], "Deal size": rng.randint(0, 1_000_000)}
        return await client.patch(peer.url(), json=body, headers=h)

    def list_page(offset: int) -> load.Request:
        params = {"limit": "50", "offset": str(offset), "sort": "-Id"}

        async def request(client: load.Client, i: int) -> load.Response:
            return await client.get(peer.url(), params=params, headers=h)

        return request

    def search_page(offset: int) -> load.Request:
        params = {"where": WHERE_MATCH, "sort": "-Close date", "limit": "50", "offset": str(offset)}

        async def request(client: load.Client, i: int) -> load.Response:
            return await client.get(peer.url(), params=params, headers=h)

        return request

    async def fulltext(client: load.Client, i: int) -> load.Response:
        params = {"where": f"(Title,like,%{WORDS[i % len(WORDS)]}%)", "limit": "20", "sort": "-Id"}
        return await client.get(peer.url(), params=params, headers=h)

    async def count_matches(client: load.Client, i: int) -> load.Response:
        return await client.get(peer.url("/count"), params={"where": WHERE_MATCH}, headers=h)

    async def last_offset(page: int, where: dict[str, str]) -> int:
        async with httpx2.AsyncClient(timeout=600) as client:
            response = await client.get(peer.url("/count"), params=where, headers=h)
        response.raise_for_status()
        rows = int(response.json()["count"])
        return max(0, min((page - 1) * 50, (rows - 1) // 50 * 50))

    writes: list[tuple[str, load.Request, int, int]] = [
        ("get one record", get, 3000, 1),
        ("get one record", get, 6000, 8),
        ("create record", create, 6000, 16),
        ("update record", update, 3000, 8),
    ]
    results = [await _run(target, *item, seconds) for item in writes]
    peer.offsets = {
        "list": await last_offset(deep_list, {}),
        "search": await last_offset(deep_search, {"where": WHERE_MATCH}),
    }
    reads: list[tuple[str, load.Request, int, int]] = [
        ("list page 1", list_page(0), 300, 1),
        (f"list page {deep_list}", list_page(peer.offsets["list"]), 300, 1),
        ("advanced search page 1", search_page(0), 300, 1),
        (f"advanced search page {deep_search}", search_page(peer.offsets["search"]), 300, 1),
        ("full-text search", fulltext, 300, 1),
        ("count matches (2 conditions)", count_matches, 100, 1),
    ]
    results += [await _run(target, *item, seconds) for item in reads]
    return results


async def _run(
    target: Tenant, name: str, request: load.Request, count: int, concurrency: int, seconds: float
) -> load.Result:
    result = await load.run_workload(
        target, name, request, count=count, concurrency=concurrency, seconds=seconds
    )
    print(orjson.dumps({"side": "NocoDB", **result.row()}).decode(), flush=True)
    return result


def process_usage(pid: int) -> tuple[float, float]:
    """CPU seconds and peak RSS (MiB) of one process (NocoDB runs in one Node process)."""
    try:
        tail = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2]
        fields = tail.split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        peak = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1])
        return cpu, peak / 1024
    except OSError:
        return 0.0, 0.0

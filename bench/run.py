"""One command: seed (or reuse) a PostgreSQL tenant, start ``crmcore serve``, measure, report.

.venv/bin/python -m bench.run --records 100000
.venv/bin/python -m bench.run --records 100000 --nocodb --floor   # side by side, see README
"""

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import orjson
import psycopg
import sqlalchemy
from tests.live import free_port

from bench import compare, load
from bench.seed import (
    Tenant,
    analyze,
    company_ids,
    copy_records,
    copy_relationships,
    create_deals,
    create_schema,
    read_data_keys,
)
from crmcore import __version__
from crmcore.accounts import service as account_service
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.migrate import upgrade
from crmcore.db.session import make_session_factory
from crmcore.kernel.secrets import SecretBox
from crmcore.models.account import PlanTier, Role

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECRET_KEY = "crmcore-benchmark-secret-key"
#: The indexes a large benchmark entity gets (properties/indexing.py): one per property but the
#: MULTI_CHECKBOX one (11), a GIN over its values and one over its names' trigrams.
ENTITY_INDEXES = 13


def _db_url(admin_url: str, database: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + database


def prepare_database(admin_url: str, database: str) -> tuple[str, str, str, list[str]]:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    settings = Settings(database_url=_db_url(admin_url, database), secret_key=SECRET_KEY)
    upgrade(settings)
    engine = make_engine(settings)
    box = SecretBox(SECRET_KEY)
    with make_session_factory(engine).begin() as session:
        account = account_service.create_account(session, box, PlanTier.ENTERPRISE)
        members = [account.credentials.member_id]
        for _ in range(2):
            extra = account_service.create_member(session, box, account.account_id, Role.MEMBER)
            members.append(extra.member_id)
    engine.dispose()
    credentials = account.credentials
    return account.account_id, credentials.api_key, credentials.api_secret, members


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "CRMCORE_DATABASE_URL": database_url,
        "CRMCORE_SECRET_KEY": SECRET_KEY,
        "CRMCORE_PURGE_INTERVAL_SECONDS": "0",
        "CRMCORE_LOG_LEVEL": "WARNING",
        # Seeded rows arrive by COPY, behind the server's back: look for the entities they made
        # large every few seconds (the default minute would only delay the measurements).
        "CRMCORE_PROPERTY_INDEX_CHECK_SECONDS": "5",
        # Import uploads are stored while the job runs; keep them out of the working directory.
        "CRMCORE_FILES_DIR": os.environ.get("CRMCORE_FILES_DIR", str(RESULTS / "files")),
    }
    command = [str(ROOT / ".venv" / "bin" / "crmcore"), "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(base_url + "/crm-core/v1/public/openapi/json").status_code == 200:
                return process, base_url
        except httpx2.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def _proc_stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat, numbered as in proc(5) from 0 (a command name may hold
    spaces, so split around its parentheses)."""
    head, _, tail = Path(f"/proc/{pid}/stat").read_text().rpartition(")")
    return [*head.split(" (", 1), *tail.split()]


def server_pids(process: subprocess.Popen[bytes]) -> list[int]:
    pids = [process.pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = _proc_stat(entry.name)
            except OSError:
                continue
            if int(stat[3]) == process.pid:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            stat = _proc_stat(pid)
            total += (int(stat[13]) + int(stat[14])) / ticks
        except OSError:
            pass
    return total


def peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024


def _entity_indexes(connection: psycopg.Connection[Any], entity_id: str) -> int:
    """The entity's own indexes (per property, and its two GINs); the valid ones only: a build
    that failed leaves an INVALID index, to be built again."""
    row = connection.execute(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'records'::regclass AND i.indisvalid AND c.relname ~ '^ix_r[pvt]_' "
        "AND pg_get_expr(i.indpred, i.indrelid) LIKE %s",
        (f"%'{entity_id}'%",),
    ).fetchone()
    return row[0] if row else 0


def wait_for_indexes(database_url: str, entity_id: str, timeout: float = 1800) -> None:
    """Until the entity has all ``ENTITY_INDEXES`` of its own."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            if _entity_indexes(connection, entity_id) >= ENTITY_INDEXES:
                return
            time.sleep(0.5)
    raise RuntimeError("the entity's indexes were not built in time")


def import_workload(database_url: str, tenant: Tenant, pids: list[int], rows: int) -> str:
    """Import a generated CSV of ``rows`` rows (one in 1,000 bad) through the API into a new
    entity with the same 12 properties: upload, then the job until ``completed``, then the
    wait for its indexes (a new entity is small: they are built after the import).
    The entity is deleted for good afterwards, so the seeded data stays as it was."""
    from bench import imports  # imports uses this module's server helpers: import it late

    with (
        tempfile.TemporaryDirectory() as scratch,
        httpx2.Client(base_url=tenant.base_url + "/crm-core/v1", timeout=60) as http,
    ):

        def call(method: str, path: str, body: Any) -> Any:
            response = http.request(method, path, json=body, headers=tenant.headers())
            response.raise_for_status()
            return response.json()

        path = Path(scratch) / "deals.csv"
        bad = imports.write_csv(path, rows)
        mib = path.stat().st_size / 2**20
        entity_id, _ = create_deals(call, "Imported deals", f"imported-{time.time_ns()}")
        try:
            with imports.RssSampler(pids) as rss:
                figures = imports.run_import(
                    tenant.base_url, tenant.api_key, tenant.api_secret, entity_id, path
                )
            ended = time.monotonic()
            wait_for_indexes(database_url, entity_id)
            indexed_s = time.monotonic() - ended
        finally:
            call("DELETE", f"/entities/{entity_id}?permanent=true", None)
            # The deleted rows would otherwise stay as dead tuples until autovacuum comes by, and
            # slow the next run on this database (--reuse): 200,000 of them in the 100k one.
            with psycopg.connect(database_url, autocommit=True) as connection:
                connection.execute("VACUUM (ANALYZE) records, record_logs")
    if figures["failed"] != bad or figures["created"] != rows - bad:
        raise RuntimeError(f"import: expected {rows - bad} created and {bad} failed: {figures}")
    return (
        f"Import of a {rows:,}-row CSV ({mib:.0f} MiB, {bad:,} bad rows "
        f"reported) into a new entity with the same 12 properties, while the server "
        f"holds the data above: {figures['total_s']:.1f} s end to end (upload "
        f"{figures['upload_s']:.1f} s), **{rows / figures['total_s']:,.0f} rows/s**; server "
        f"peak RSS during the import {rss.peak_mib:.0f} MiB; the entity's "
        f"{ENTITY_INDEXES} indexes were built {indexed_s:.1f} s after."
    )


async def measure(
    tenant: Tenant, sample_ids: list[str], companies: list[str], seconds: float
) -> list[load.Result]:
    p = tenant.property_ids
    entity = tenant.entity_id
    rng = random.Random(7)
    results: list[load.Result] = []

    async def get(client: load.Client, i: int) -> load.Response:
        return await client.get(
            f"/records/{sample_ids[i % len(sample_ids)]}", headers=load.signed(tenant)
        )

    async def create(client: load.Client, i: int) -> load.Response:
        body = {
            "entityId": entity,
            "name": f"Bench {i}",
            "data": {
                p["TEXT"]: "Created Co", p["NUMBER"]: i, p["EMAIL"]: f"new{i}@example.com",
                p["CHECKBOX"]: True, p["DATE"]: "2026-04-23", p["DROPDOWN"]: "LEAD",
                p["RADIO"]: "EAST", p["PHONE"]: "010-1234-5678", p["TEXTAREA"]: "hello",
                p["MULTI_CHECKBOX"]: ["EMAIL"], p["DATETIME"]: "2026-04-23T09:15:30.000Z",
                p["URL"]: "https://example.com",
            },
            "tags": ["bench"],
        }  # fmt: skip
        return await client.post("/records", json=body, headers=load.signed(tenant))

    async def update(client: load.Client, i: int) -> load.Response:
        record_id = sample_ids[(i * 7) % len(sample_ids)]
        body = {"data": {p["NUMBER"]: rng.randint(0, 1_000_000)}}
        return await client.patch(f"/records/{record_id}", json=body, headers=load.signed(tenant))

    list_params = {"entityId": entity, "limit": "50"}
    search_body: dict[str, Any] = {
        "entityId": entity,
        "conditionGroup": {
            "operator": "AND",
            "conditions": [
                {"field": f"data.{p['NUMBER']}", "operator": "gte", "value": 500_000},
                {"field": f"data.{p['DROPDOWN']}", "operator": "eq", "value": "CLOSED_WON"},
            ],
        },
        "sortFields": [f"-data.{p['DATE']}"],
        "limit": 50,
    }

    async def cursor_at(page: int, search: bool) -> tuple[str, int]:
        """The cursor of ``page`` (or of the last full page when there are fewer)."""
        async with httpx2.AsyncClient(base_url=tenant.base_url + "/crm-core/v1", timeout=120) as c:
            key: str | None = None
            reached = 1
            for _ in range(page - 1):
                if search:
                    body = {**search_body, **({"startKey": key} if key else {})}
                    response = await c.post(
                        "/records/search/advanced", json=body, headers=load.signed(tenant)
                    )
                else:
                    params = {**list_params, **({"startKey": key} if key else {})}
                    response = await c.get("/records", params=params, headers=load.signed(tenant))
                response.raise_for_status()
                following = response.json().get("nextKey")
                if following is None:
                    break
                key, reached = following, reached + 1
            assert key is not None
            return key, reached

    list_500, list_page_no = await cursor_at(500, search=False)
    search_500, search_page_no = await cursor_at(500, search=True)

    links_params = {"limit": "50"}

    async def links_cursor_at(page: int) -> tuple[str, int]:
        async with httpx2.AsyncClient(base_url=tenant.base_url + "/crm-core/v1", timeout=120) as c:
            key: str | None = None
            reached = 1
            for _ in range(page - 1):
                params = {**links_params, **({"startKey": key} if key else {})}
                response = await c.get(
                    "/relationships/list", params=params, headers=load.signed(tenant)
                )
                response.raise_for_status()
                following = response.json().get("nextKey")
                if following is None:
                    break
                key, reached = following, reached + 1
            assert key is not None
            return key, reached

    links_500, links_page_no = await links_cursor_at(500)

    def links_page(key: str | None) -> load.Request:
        async def request(client: load.Client, i: int) -> load.Response:
            params = {**links_params, **({"startKey": key} if key else {})}
            return await client.get(
                "/relationships/list", params=params, headers=load.signed(tenant)
            )

        return request

    async def related(client: load.Client, i: int) -> load.Response:
        company = companies[(i * 31) % len(companies)]
        return await client.get(
            f"/relationships/record/{company}", params={"limit": "50"}, headers=load.signed(tenant)
        )

    async def link(client: load.Client, i: int) -> load.Response:
        body = {
            "relationshipTypeId": tenant.spare_type_id,
            "sourceEntityId": tenant.entity_id,
            "sourceRecordId": sample_ids[i % len(sample_ids)],
            "targetEntityId": tenant.company_entity_id,
            "targetRecordId": companies[i % len(companies)],
        }
        return await client.post("/relationships", json=body, headers=load.signed(tenant))

    def list_page(key: str | None) -> load.Request:
        async def request(client: load.Client, i: int) -> load.Response:
            params = {**list_params, **({"startKey": key} if key else {})}
            return await client.get("/records", params=params, headers=load.signed(tenant))

        return request

    def search_page(key: str | None) -> load.Request:
        async def request(client: load.Client, i: int) -> load.Response:
            body = {**search_body, **({"startKey": key} if key else {})}
            return await client.post(
                "/records/search/advanced", json=body, headers=load.signed(tenant)
            )

        return request

    words = ["alpha", "tango", "zulu 12", "echo", "kilo"]

    async def fulltext(client: load.Client, i: int) -> load.Response:
        params = {"q": words[i % len(words)], "limit": "20"}
        return await client.get(
            f"/records/search/fulltext/{entity}", params=params, headers=load.signed(tenant)
        )

    count_filters = orjson.dumps(
        {p["NUMBER"]: {"op": "gte", "value": 500_000}, p["DROPDOWN"]: "CLOSED_WON"}
    ).decode()

    async def count_matches(client: load.Client, i: int) -> load.Response:
        params = {"entityId": entity, "filters": count_filters}
        return await client.get("/records/count", params=params, headers=load.signed(tenant))

    async def bulk(client: load.Client, i: int) -> load.Response:
        # Each pair of calls trashes then restores the same 1000 records.
        ids = sample_ids[((i // 2) * 1000) % len(sample_ids) :][:1000]
        path = "/records/bulk/delete" if i % 2 == 0 else "/records/bulk/restore"
        return await client.post(path, json={"recordIds": ids}, headers=load.signed(tenant))

    plan: list[tuple[str, load.Request, int, int]] = [
        ("get one record", get, 3000, 1),
        ("get one record", get, 6000, 8),
        ("create record", create, 6000, 16),
        ("update record", update, 3000, 8),
        ("list page 1", list_page(None), 300, 1),
        (f"list page {list_page_no}", list_page(list_500), 300, 1),
        ("advanced search page 1", search_page(None), 300, 1),
        (f"advanced search page {search_page_no}", search_page(search_500), 300, 1),
        ("full-text search", fulltext, 300, 1),
        ("count matches (2 conditions)", count_matches, 100, 1),
        ("bulk delete/restore 1000", bulk, 10, 1),
        ("relationship list page 1", links_page(None), 300, 1),
        (f"relationship list page {links_page_no}", links_page(links_500), 300, 1),
        ("related list of a record", related, 300, 1),
        ("create relationship", link, min(len(sample_ids), 3000), 8),
    ]
    for name, request, count, concurrency in plan:
        result = await load.run_workload(
            tenant, name, request, count=count, concurrency=concurrency, seconds=seconds
        )
        print(json.dumps(result.row()), flush=True)
        results.append(result)
    return results


def clear_spare_links(database_url: str, tenant: Tenant) -> None:
    """The create-relationship workload links sample deals through the spare type; links an
    earlier run (``--reuse``) left there would answer 409, so every run starts without them."""
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "DELETE FROM relationships WHERE account_id = %s AND relationship_type_id = %s",
            (tenant.account_id, tenant.spare_type_id),
        )


def sample_record_ids(database_url: str, entity_id: str, count: int) -> list[str]:
    """Live deals (not companies: the workloads write deal properties)."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT record_id FROM records TABLESAMPLE SYSTEM (5) "
            "WHERE is_deleted = false AND entity_id = %s LIMIT %s",
            (entity_id, count),
        ).fetchall()
    ids = [row[0] for row in rows]
    random.Random(3).shuffle(ids)
    return ids


def write_report(
    records: int,
    relationships: int,
    workers: int,
    results: list[load.Result],
    cpu: float,
    rss: float,
    wall: float,
) -> str:
    pg_version = (
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        .execute("SHOW server_version")
        .fetchone()
    )
    lines = [
        f"### {records:,} records, {relationships:,} relationships, {workers} server workers, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"PostgreSQL {pg_version[0] if pg_version else '?'}; SQLAlchemy {sqlalchemy.__version__}; "
        f"crmcore {__version__}. Load generator: one Python asyncio process on the same machine.",
        "",
        "| workload | concurrency | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        row = result.row()
        lines.append(
            f"| {row['workload']} | {row['concurrency']} | {row['requests']} | {row['errors']} | "
            f"{row['rps']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} |"
        )
    lines += [
        "",
        f"Server CPU: {cpu:.1f} s over {wall:.0f} s of load; peak RSS per process: {rss:.0f} MiB.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database")
    parser.add_argument("--relationships", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--import-rows", type=int, default=100_000, help="rows of the import workload (0: skip)"
    )
    parser.add_argument("--nocodb", action="store_true", help="also measure NocoDB, same data")
    parser.add_argument("--floor", action="store_true", help="also measure the psycopg floor")
    args = parser.parse_args()
    database = args.database or f"crmcore_bench_{args.records}"
    database_url = _db_url(args.pg_url, database)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tenant_file = RESULTS / f"{database}.json"

    if not args.reuse:
        print(f"Preparing {database} ...", flush=True)
        account_id, key, secret, members = prepare_database(args.pg_url, database)
    process, base_url = start_server(database_url, args.workers)
    try:
        if args.reuse:
            saved = json.loads(tenant_file.read_text())
            tenant = Tenant(**{**saved, "base_url": base_url})
            read_data_keys(database_url, tenant)
            # A server of a newer version may build indexes the database lacks (an upgrade).
            wait_for_indexes(database_url, tenant.entity_id)
        else:
            tenant = create_schema(base_url, account_id, key, secret, members)
            read_data_keys(database_url, tenant)
            tenant_file.write_text(json.dumps({**tenant.__dict__, "base_url": ""}))
            started = time.monotonic()
            copy_records(database_url, tenant, args.records)
            copy_relationships(
                database_url, tenant, args.records, args.companies, args.relationships
            )
            print(
                f"Seeded in {time.monotonic() - started:.0f} s; waiting for indexes ...", flush=True
            )
            wait_for_indexes(database_url, tenant.entity_id)
            analyze(database_url)
        sample = sample_record_ids(database_url, tenant.entity_id, 5000)
        clear_spare_links(database_url, tenant)
        pids = server_pids(process)
        cpu_before, wall_before = cpu_seconds(pids), time.monotonic()
        companies = company_ids(args.companies)
        results = asyncio.run(measure(tenant, sample, companies, args.seconds))
        cpu, wall = cpu_seconds(pids) - cpu_before, time.monotonic() - wall_before
        report = write_report(
            args.records, args.relationships, args.workers, results, cpu, peak_rss_mb(pids), wall
        )
        if args.import_rows:
            report += import_workload(database_url, tenant, pids, args.import_rows) + "\n"
        print(report)
        if args.nocodb or args.floor:
            os.killpg(process.pid, signal.SIGTERM)  # the other sides get the machine alone
            process.wait(timeout=30)
            side = compare.side_by_side(
                admin_url=args.pg_url, database=database, database_url=database_url,
                records=args.records, tenant=tenant, sample=sample, crmcore=results,
                seconds=args.seconds, with_floor=args.floor, with_nocodb=args.nocodb,
                reuse=args.reuse,
            )  # fmt: skip
            print(side)
            report += "\n" + side
        if not args.no_write:
            target = ROOT / "docs" / "benchmarks.md"
            with target.open("a") as handle:
                handle.write("\n" + report)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()

"""The side-by-side part of a run (``--nocodb``, ``--floor``): run the peer and the floor on the
same data after crmcore's own workloads, and render one table of the three with their ratios."""

import asyncio
import re
import time

import psycopg

from bench import floor as psycopg_floor
from bench import load, nocodb
from bench.seed import Tenant

NO_EQUIVALENT = (
    "No NocoDB equivalent, so crmcore-only above: bulk delete/restore (NocoDB deletes rows for "
    "good, it has no trash to restore from) and the relationship workloads (the compared table "
    "has no links); the floor covers the record workloads only."
)


def deep_pages(results: list[load.Result]) -> tuple[int, int]:
    """The deep page numbers crmcore reached (``list page N``, ``advanced search page N``)."""
    pages = {"list": 2, "advanced search": 2}
    for result in results:
        found = re.fullmatch(r"(list|advanced search) page (\d+)", result.workload)
        if found and int(found[2]) > 1:
            pages[found[1]] = int(found[2])
    return pages["list"], pages["advanced search"]


def _open_peer(
    admin_url: str, database: str, tenant: Tenant, records: int, *, reuse: bool
) -> tuple[nocodb.Peer, dict[str, str]]:
    directory = nocodb.install()
    versions = nocodb.versions(directory)
    state = nocodb.load_state(database)
    reusable = reuse and state is not None and state.get("records") == records
    print(f"Starting NocoDB {versions['nocodb']} ({database}) ...", flush=True)
    peer = nocodb.start(directory, admin_url, database, fresh=not reusable)
    try:
        if reusable and state is not None:
            nocodb.reopen(peer, state)
        else:
            nocodb.create_table(peer)
            nocodb.seed(peer, tenant, records)
            nocodb.save_state(peer, records)
            print(f"NocoDB seeded in {peer.seed_seconds:.0f} s", flush=True)
        nocodb.choose_sample(peer)
    except BaseException:
        nocodb.stop(peer.process)
        raise
    return peer, versions


def side_by_side(
    *,
    admin_url: str,
    database: str,
    database_url: str,
    records: int,
    tenant: Tenant,
    sample: list[str],
    crmcore: list[load.Result],
    seconds: float,
    with_floor: bool,
    with_nocodb: bool,
    reuse: bool,
) -> str:
    list_page, search_page = deep_pages(crmcore)
    notes: list[str] = []
    floors: dict[str, list[load.Result]] = {}
    if with_floor:
        floors = asyncio.run(
            psycopg_floor.measure(database_url, tenant, sample, seconds, list_page, search_page)
        )
        notes.append(
            f"Floor: psycopg {psycopg.__version__} from one asyncio process, one connection per "
            'concurrent worker, against crmcore\'s database: "request" = every statement '
            "crmcore sends for the request (the API-key lookup claiming the signature, "
            "committed on its own, the entity lookup, the workload's statements, the files of "
            "the returned records; a create is one statement that checks the key, claims the "
            "signature and writes the record and its log), "
            '"workload" = the workload\'s own statements only (see `bench/floor.py`).'
        )
    peer_results: list[load.Result] = []
    if with_nocodb:
        peer, versions = _open_peer(admin_url, f"{database}_nocodb", tenant, records, reuse=reuse)
        try:
            cpu_before, started = nocodb.process_usage(peer.process.pid)[0], time.monotonic()
            peer_results = asyncio.run(nocodb.measure(peer, seconds, list_page, search_page))
            cpu_after, rss = nocodb.process_usage(peer.process.pid)
            wall = time.monotonic() - started
        finally:
            nocodb.stop(peer.process)
        seeded = (
            f"loaded through its bulk insert API in {peer.seed_seconds:.0f} s "
            f"({nocodb.SEED_CHUNK:,} rows a request, {nocodb.SEED_PARALLEL} in flight)"
            if peer.seed_seconds is not None
            else "loaded by an earlier run (--reuse)"
        )
        notes.insert(
            0,
            f"NocoDB {versions['nocodb']} on Node {versions['node']} (one process behind a "
            "ten-line Express wrapper, `NODE_ENV=production`, no rate limit in its open-source "
            f"build), `NC_DB` on the same PostgreSQL server (database `{peer.database}`); the "
            f"same 12 columns plus Title and the same {records:,} generated rows, {seeded}. "
            f"NocoDB CPU: {cpu_after - cpu_before:.1f} s over {wall:.0f} s of load; peak RSS "
            f"{rss:.0f} MiB.",
        )
        notes.append(
            "Differences to keep in mind: NocoDB pages by offset, so its deep pages are "
            "`offset=(N-1)*50`, capped to its last page (here list page "
            f"{list_page} = offset {peer.offsets['list']:,}, search page {search_page} = "
            f"offset {peer.offsets['search']:,}) where crmcore follows its cursor; NocoDB's "
            "list and search responses also count all matches (`pageInfo.totalRows`) on every "
            "page; its API creates no index beyond the primary "
            "key (crmcore has per-property expression indexes and a trigram index on names); "
            "its full-text equivalent is `where=(Title,like,%term%)` newest first, where crmcore "
            "reads exact, prefix, then contains matches; creates carry no tags (no such column)."
        )
        notes.append(NO_EQUIVALENT)
    return render(
        crmcore, peer_results, floors.get("request", []), floors.get("workload", []), notes
    )


def _cell(result: load.Result | None) -> tuple[str, str]:
    if result is None:
        return "", ""
    row = result.row()
    return f"{row['rps']}", f"{row['p50_ms']} / {row['p95_ms']} / {row['p99_ms']}"


def _ratio(numerator: float, denominator: float) -> str:
    if not denominator or numerator != numerator or denominator != denominator:  # NaN
        return ""
    return f"{numerator / denominator:.2f}"


def render(
    crmcore: list[load.Result],
    peer: list[load.Result],
    floor_request: list[load.Result],
    floor_workload: list[load.Result],
    notes: list[str],
) -> str:
    def by_key(results: list[load.Result]) -> dict[tuple[str, int], load.Result]:
        return {(r.workload, r.concurrency): r for r in results}

    ours, theirs = by_key(crmcore), by_key(peer)
    request, workload = by_key(floor_request), by_key(floor_workload)
    keys = list(dict.fromkeys([*theirs, *request, *workload]))
    header = ["workload", "conc.", "crmcore req/s", "crmcore p50 / p95 / p99 ms"]
    title = "#### Side by side"
    if peer:
        title += " with NocoDB"
        header += ["NocoDB req/s", "NocoDB p50 / p95 / p99 ms"]
        header += ["p50 crmcore/NocoDB", "req/s crmcore/NocoDB"]
    if floor_request:
        title += " and the psycopg floor" if peer else " with the psycopg floor"
        header += ["floor req/s", "floor p50 / p95 / p99 ms", "p50 crmcore/floor"]
        header += ["workload-only floor p50 / p95 / p99 ms", "p50 crmcore/workload-only"]
    header.append("errors")
    lines = [title, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key in keys:
        mine = ours.get(key)
        rps, ms = _cell(mine)
        cells = [key[0], str(key[1]), rps, ms]
        errors = [str(mine.errors) if mine else "-"]
        if peer:
            other = theirs.get(key)
            cells += [*_cell(other)]
            cells.append(
                _ratio(mine.percentile(50), other.percentile(50)) if mine and other else ""
            )
            cells.append(_ratio(mine.throughput, other.throughput) if mine and other else "")
            errors.append(str(other.errors) if other else "-")
        if floor_request:
            full, bare = request.get(key), workload.get(key)
            cells += [*_cell(full)]
            cells.append(_ratio(mine.percentile(50), full.percentile(50)) if mine and full else "")
            cells.append(_cell(bare)[1])
            cells.append(_ratio(mine.percentile(50), bare.percentile(50)) if mine and bare else "")
            errors += [str(full.errors) if full else "-", str(bare.errors) if bare else "-"]
        cells.append(" / ".join(errors))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Ratios: p50 crmcore/X below 1 means crmcore answers faster than X; req/s crmcore/NocoDB "
        "above 1 means crmcore serves more requests per second. `p50 crmcore/floor` is the "
        "API's overhead over the database work it does (HTTP, Python, and the Python load "
        "generator's own client). Errors: crmcore"
        + (" / NocoDB" if peer else "")
        + (" / floor / workload-only floor" if floor_request else "")
        + ".",
        "",
    ]
    for note in notes:
        lines += [note, ""]
    return "\n".join(lines)

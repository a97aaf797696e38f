"""The import workload: a generated CSV (12 typed columns, a few bad rows) uploaded to a running
``crmcore serve`` and imported into PostgreSQL; reports rows per second end to end (upload and
job), the server's peak memory, and the same for a file 10x smaller (memory must not grow with
the file: rows are streamed).

.venv/bin/python -m bench.imports --rows 1000000
"""

import argparse
import csv
import os
import platform
import random
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import psycopg
from tests.signing import sign

from bench.run import (
    ENTITY_INDEXES,
    ROOT,
    _db_url,
    prepare_database,
    server_pids,
    start_server,
    wait_for_indexes,
)
from bench.seed import CHANNELS, PROPERTIES, REGIONS, STAGES, WORDS, create_schema
from crmcore import __version__

#: One row in this many carries a value its field type refuses (reported, not imported).
BAD_EVERY = 1000


def write_csv(path: Path, rows: int, seed: int = 11) -> int:
    """The file a user would export from a spreadsheet; returns the number of bad rows."""
    rng = random.Random(seed)
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Name", *(p["name"] for p in PROPERTIES), "Tags"])
        for i in range(rows):
            word = WORDS[i % len(WORDS)]
            amount: str = str(rng.randint(0, 1_000_000))
            if i % BAD_EVERY == BAD_EVERY - 1:
                amount, bad = "n/a", bad + 1
            out.writerow(
                [
                    f"{word.title()} {i}", f"{word} corp", f"notes about {word} {i}", amount,
                    f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                    f"{word}{i}@example.com", rng.choice(("TRUE", "FALSE")),
                    ", ".join(rng.sample(CHANNELS, 2)).title(),
                    f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:30:00Z",
                    rng.choice(STAGES), rng.choice(REGIONS), f"https://{word}.example.com/{i}",
                    "bench, import",
                ]
            )  # fmt: skip
    return bad


class RssSampler:
    """Peak resident memory of the server processes, sampled (VmHWM would keep start-up peaks)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self.pids:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total = max(total, int(line.split()[1]))
                except OSError:
                    pass
            self.peak_mib = max(self.peak_mib, total / 1024)
            self._stop.wait(0.2)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run_import(
    base_url: str, key: str, secret: str, entity_id: str, path: Path
) -> dict[str, float]:
    started = time.monotonic()
    with (
        httpx2.Client(base_url=base_url + "/crm-core/v1", timeout=3600) as http,
        path.open("rb") as handle,
    ):
        response = http.post(
            "/records/import/excel",
            files={"file": (path.name, handle, "text/csv")},
            data={"entityId": entity_id},
            headers={"Authorization": sign(key, secret)},
        )
        response.raise_for_status()
        uploaded = time.monotonic()
        job_id = response.json()["jobId"]
        while True:
            status = http.get(
                f"/records/import/{job_id}/status", headers={"Authorization": sign(key, secret)}
            ).json()
            if status["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
    done = time.monotonic()
    if status["status"] != "completed":
        raise RuntimeError(f"import failed: {status}")
    return {
        "rows": status["total"],
        "created": status["created"],
        "failed": status["failed"],
        "upload_s": uploaded - started,
        "total_s": done - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    database = "crmcore_bench_import"
    database_url = _db_url(args.pg_url, database)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for rows in (args.rows // 10, args.rows):
            path = Path(scratch) / f"deals-{rows}.csv"
            bad = write_csv(path, rows)
            account_id, key, secret, members = prepare_database(args.pg_url, database)
            os.environ["CRMCORE_FILES_DIR"] = str(Path(scratch) / "files")
            process, base_url = start_server(database_url, 1)
            try:
                tenant = create_schema(base_url, account_id, key, secret, members)
                with RssSampler(server_pids(process)) as rss:
                    figures = run_import(base_url, key, secret, tenant.entity_id, path)
                # The entity was small when the import began: its indexes are built
                # once, after the job (properties/indexing.py). Reported beside the import.
                ended = time.monotonic()
                wait_for_indexes(database_url, tenant.entity_id)
                indexed_s = time.monotonic() - ended
                assert figures["failed"] == bad, figures
                assert figures["created"] == rows - bad, figures
                rate = rows / figures["total_s"]
                line = (
                    f"| {rows:,} | {path.stat().st_size / 2**20:.0f} MiB | "
                    f"{figures['upload_s']:.1f} | {figures['total_s']:.1f} | {rate:,.0f} | "
                    f"{int(figures['failed']):,} | {rss.peak_mib:.0f} MiB | {indexed_s:.1f} |"
                )
                print(line, flush=True)
                lines.append(line)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
    pg = psycopg.connect(args.pg_url).execute("SHOW server_version").fetchone()
    report = "\n".join(
        [
            f"### Import of a CSV file into PostgreSQL, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
            f"{platform.python_version()}; PostgreSQL {pg[0] if pg else '?'}; crmcore "
            f"{__version__}; one server worker; the 12-property entity of the main benchmark, "
            f"new and empty; one row in {BAD_EVERY} has a bad number. Time is end to "
            "end: upload, row count and checks, then the job until `completed`. The entity's "
            f"{ENTITY_INDEXES} indexes are built after the job (the entity was "
            "small when it began); the last column is how long that took.",
            "",
            "| rows | file | upload s | total s | rows/s | bad rows reported | server peak RSS "
            "| entity indexes built, s after |",
            "|---|---|---|---|---|---|---|---|",
            *lines,
            "",
        ]
    )
    print(report)
    if not args.no_write:
        with (ROOT / "docs" / "benchmarks.md").open("a") as handle:
            handle.write("\n" + report)


if __name__ == "__main__":
    main()

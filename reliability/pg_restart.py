"""PostgreSQL restarted under load: while it is down the server answers 503 with the SOLAPI error
body (never another 5xx, never a hang), it recovers by itself once the database is back, and
every write it acknowledged is in the database afterwards.

It restarts the machine's PostgreSQL cluster (``pg_ctlcluster``): run it on a machine where
nothing else uses that server at the time.

    .venv/bin/python -m reliability.pg_restart [--down-seconds 5] [--clients 4]
"""

import argparse
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import psycopg
from tests.live import server_process
from tests.signing import sign

from crmcore.config import Settings
from crmcore.db.migrate import upgrade
from reliability.fuzz import create_tenant

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "crmcore_pg_restart"


@dataclass
class Tally:
    phases: dict[str, Counter[str]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, phase: str, outcome: str) -> None:
        with self.lock:
            self.phases.setdefault(phase, Counter())[outcome] += 1


def _cluster(action: str) -> None:
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True
    )


def _wait_for_database(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(ADMIN_URL, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--down-seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    arguments = parser.parse_args()
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url=url, secret_key="pg-restart", files_dir=Path(directory))
        upgrade(settings)
        key, secret = create_tenant(settings)
        with server_process(settings) as (_server, base_url):
            api = base_url + "/crm-core/v1"
            headers = {"Authorization": sign(key, secret)}
            entity = httpx2.post(
                api + "/entities", json={"name": "Load", "slug": "load"}, headers=headers
            ).json()["entityId"]
            tally = Tally()
            phase = ["before"]
            stop = threading.Event()

            def client(number: int) -> None:
                with httpx2.Client(base_url=api, timeout=30) as http:
                    i = 0
                    while not stop.is_set():
                        i += 1
                        name = f"c{number}-{i}"
                        try:
                            response = http.post(
                                "/records",
                                json={"entityId": entity, "name": name},
                                headers={"Authorization": sign(key, secret)},
                            )
                        except httpx2.TransportError as error:
                            tally.count(phase[0], f"transport error {type(error).__name__}")
                            continue
                        outcome = str(response.status_code)
                        if response.status_code >= 400:
                            body = response.json()
                            if set(body) != {"errorCode", "errorMessage"}:
                                tally.bad.append(f"{response.status_code} {response.text[:200]}")
                            outcome += " " + body.get("errorCode", "?")
                            if response.status_code >= 500 and response.status_code != 503:
                                tally.bad.append(f"{response.status_code} {response.text[:200]}")
                        elif response.status_code == 200:
                            with tally.lock:
                                tally.created.append(name)
                        tally.count(phase[0], outcome)
                        if response.status_code == 503:
                            time.sleep(0.05)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(arguments.clients)]
            for thread in threads:
                thread.start()
            time.sleep(3)
            phase[0] = "down"
            _cluster("stop")
            time.sleep(arguments.down_seconds)
            _cluster("start")
            _wait_for_database()
            phase[0] = "after"
            time.sleep(5)
            phase[0] = "end"
            stop.set()
            for thread in threads:
                thread.join()
        with psycopg.connect(url) as connection:
            stored = {
                row[0]
                for row in connection.execute(
                    "SELECT name FROM records WHERE entity_id = %s", (entity,)
                )
            }
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    lost = [name for name in tally.created if name not in stored]
    for name, counts in tally.phases.items():
        print(f"{name:7s} {dict(counts)}")
    print(f"acknowledged creates: {len(tally.created)}; lost: {len(lost)}; "
          f"bad answers: {len(tally.bad)}")  # fmt: skip
    for line in tally.bad[:10]:
        print("  bad:", line)
    after = tally.phases.get("after", Counter())
    recovered = after.get("200", 0) > 0
    print("recovered by itself:", recovered)
    if lost or tally.bad or not recovered:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

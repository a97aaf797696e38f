"""Fuzz every operation of the served OpenAPI document with schemathesis, signing each request.

python -m reliability.fuzz [--base-url URL --key K --secret S] [--examples N] [--seconds T]

Without ``--base-url`` it migrates a fresh database (SQLite in a temporary directory, or
``--database-url``), creates a tenant and starts a server of its own. Every response must be
free of 5xx, carry a documented status, match its documented schema, and every 4xx must have the
``{"errorCode", "errorMessage"}`` body. Exits 1 when anything broke, listing reproductions.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from schemathesis import BaseSchema, GenerationMode
from schemathesis.core.result import Ok
from tests.live import running_server

from crmcore.accounts import service as account_service
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.migrate import upgrade
from crmcore.db.session import make_session_factory
from crmcore.kernel.secrets import SecretBox
from crmcore.models.account import PlanTier
from reliability.checks import AnyCase, AnyOperation, Violation, check, violation
from reliability.seeding import IdPool, Seed, SigningAuth, seed_is_intact, seed_tenant
from reliability.substitution import DrawChooser, SeededChooser, Substituter

OPENAPI = "/crm-core/v1/public/openapi/json"
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: The phases run for each operation: schemathesis' deterministic boundary cases, then fuzzing.
PHASES = ("coverage", *MODES)
#: A dead server answers nothing; stop rather than record the same failure thousands of times.
MAX_CONSECUTIVE_TRANSPORT_ERRORS = 20
#: uvicorn's HTTP parser refuses a request line over 64 KiB with a plain-text 400 of its own,
#: before any application code runs (negative examples of a 4,096-character parameter get there).
HTTP_LAYER_REFUSAL = "Invalid HTTP request received."
LONGEST_PARSED_URL = 64 * 1024


@dataclass(frozen=True)
class FuzzOptions:
    base_url: str
    api_key: str
    api_secret: str
    examples: int = 100  # per operation and generation mode
    coverage: int | None = None  # boundary cases per operation (None: all of them)
    seconds: float | None = None  # the whole run's budget, shared fairly between operations
    seed: int | None = None
    derandomize: bool = False  # a fixed seed derived from each test (CI)
    request_timeout: float = 30.0


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # requests per operation
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, NXX)
    error_codes: Counter[tuple[str, str]] = field(default_factory=Counter)  # 4xx errorCodes
    unfuzzable: list[str] = field(default_factory=list)  # the document defeats generation
    requests: int = 0
    setup_requests: int = 0
    server_errors: int = 0  # 5xx responses, counted every time
    refused_urls: int = 0  # over 64 KiB: refused by the HTTP server, never seen by the app
    violations: list[Violation] = field(default_factory=list)  # first occurrence of each
    occurrences: Counter[tuple[str, str, int | None]] = field(default_factory=Counter)
    seconds: float = 0.0
    stopped: str | None = None

    def record(self, found: Violation) -> None:
        if found.key not in self.occurrences:
            self.violations.append(found)
        self.occurrences[found.key] += 1

    @property
    def schema_violations(self) -> list[Violation]:
        return [found for found in self.violations if not found.server_error]

    @property
    def failed(self) -> bool:
        return bool(self.violations or self.unfuzzable or self.stopped)

    def table(self) -> str:
        """Requests and status classes per operation: how deep the fuzzing got."""
        lines = []
        for operation in self.operations:
            classes = ", ".join(
                f"{status}xx {self.statuses[operation, status]}"
                for status in (2, 4, 5)
                if self.statuses[operation, status]
            )
            codes = Counter(
                {code: n for (name, code), n in self.error_codes.items() if name == operation}
            )
            common = ", ".join(f"{code} {n}" for code, n in codes.most_common(3))
            lines.append(f"{self.sent[operation]:>7}  {operation}  ({classes}; {common})")
        return "\n".join(lines)

    def summary(self) -> str:
        distinct_5xx = sum(1 for found in self.violations if found.server_error)
        lines = [
            f"operations fuzzed: {len(self.operations)}",
            f"requests sent:     {self.requests} (+{self.setup_requests} to seed the tenant)",
            f"5xx responses:     {self.server_errors} ({distinct_5xx} distinct)",
            f"URLs over 64 KiB:  {self.refused_urls} (refused by uvicorn, not the app)",
            f"schema violations: {sum(self.occurrences[v.key] for v in self.schema_violations)}"
            f" ({len(self.schema_violations)} distinct)",
            f"duration:          {self.seconds:.1f} s",
        ]
        if self.stopped:
            lines.append(f"STOPPED EARLY: {self.stopped}")
        lines.extend(f"UNFUZZABLE: {problem}" for problem in self.unfuzzable)
        for found in self.violations:
            lines.append(f"\n[{self.occurrences[found.key]}x] {found.describe()}")
        return "\n".join(lines)


class _OutOfTime(Exception):
    """Ends one operation's share of the time budget (Hypothesis has no other way to stop)."""


class _ServerGone(Exception):
    pass


class Fuzzer:
    def __init__(self, options: FuzzOptions, log: Callable[[str], None]) -> None:
        self.options = options
        self.log = log
        self.report = FuzzReport()
        self.pool = IdPool()
        self.substituter = Substituter()
        self.session = requests.Session()
        self.session.auth = SigningAuth(options.api_key, options.api_secret)
        self.transport_errors = 0
        self.deadline = float("inf")
        self.paths: set[str] = set()

    def run(self) -> FuzzReport:
        started = time.monotonic()
        schema = schemathesis.openapi.from_url(
            self.options.base_url + OPENAPI, config=schemathesis.Config(), timeout=30
        )
        operations: list[AnyOperation] = []
        for result in schema.get_all_operations():
            if isinstance(result, Ok):
                operations.append(result.ok())
            else:
                self.report.unfuzzable.append(str(result.err()))
        # Deletions last, so that fewer operations find the seeded objects gone.
        operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
        self.paths = {operation.path for operation in operations}
        seed = self._seed()
        units = [(operation, phase) for operation in operations for phase in PHASES]
        previous: AnyOperation | None = None
        try:
            for index, (operation, phase) in enumerate(units):
                if phase == PHASES[0]:
                    # Only a write can have deleted the seeded objects.
                    if previous is not None and previous.method.upper() != "GET":
                        seed = seed if self._seed_intact(seed) else self._seed()
                    self.report.operations.append(operation.label)
                    previous = operation
                self._set_deadline(started, index, len(units) - index)
                self.substituter.freeze(self.pool)
                if isinstance(phase, GenerationMode):
                    self._fuzz(operation, phase)
                else:
                    self._cover(schema, operation)
        except _ServerGone as error:
            self.report.stopped = str(error)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _seed(self) -> Seed:
        seed = seed_tenant(self.session, self.options.base_url, self.pool, self.paths)
        self.report.setup_requests += seed.requests
        return seed

    def _seed_intact(self, seed: Seed) -> bool:
        """Checked after each write operation, so that each starts with real IDs that exist."""
        intact, sent = seed_is_intact(self.session, self.options.base_url, seed)
        self.report.setup_requests += sent
        return intact

    def _set_deadline(self, started: float, units_done: int, units_left: int) -> None:
        """Within ``seconds``: a phase may run long while the others are expected to fit in what
        is left, and gets an equal share of what is left once they are not, so that no
        operation is starved by the ones before it."""
        if self.options.seconds is None:
            return
        now = time.monotonic()
        left = max(self.options.seconds - (now - started), 0.0)
        share = left / units_left
        typical = (now - started) / units_done if units_done else share / 2
        reserve = min(share, typical)  # kept for each later phase
        self.deadline = now + max(share, left - (units_left - 1) * reserve)

    def _out_of_time(self) -> bool:
        """Past this phase's share of the budget (each phase still sends one request)."""
        return time.monotonic() > self.deadline

    def _cover(self, schema: BaseSchema, operation: AnyOperation) -> None:
        """schemathesis' coverage phase: boundary values, missing and wrongly typed fields,
        unexpected methods. Deterministic; ``coverage`` keeps an evenly spread sample."""
        limit = self.options.coverage
        if limit == 0:
            return
        self.log(f"{operation.label} (coverage)")
        config = schema.config.generation_for(operation=operation, phase="coverage")
        cases = list(
            schema.iter_coverage_cases(
                operation, generation_modes=list(MODES), generation_config=config
            )
        )
        # Every operation answers an unexpected method alike (405): one such case is enough.
        unexpected = [case for case in cases if case.method.upper() != operation.method.upper()]
        cases = [case for case in cases if case not in unexpected[1:]]
        if limit is not None and len(cases) > limit:
            cases = [cases[index * len(cases) // limit] for index in range(limit)]
        chooser = SeededChooser(random.Random(f"{self.options.seed}:{operation.label}"))
        for index, case in enumerate(cases):
            if index and self._out_of_time():
                return
            self.substituter.apply(case, chooser)
            self._send(case)

    def _fuzz(self, operation: AnyOperation, mode: GenerationMode) -> None:
        self.log(f"{operation.label} ({mode.value})")
        options = self.options
        sent_before = self.report.sent[operation.label]

        @hypothesis.settings(
            max_examples=options.examples,
            deadline=None,
            derandomize=options.derandomize,
            database=None,
            # Shrinking re-sends requests to a server whose state has moved on; every
            # violation is recorded (not raised) with the request that showed it instead.
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def fuzz_one(case: AnyCase, data: st.DataObject) -> None:
            self.substituter.apply(case, DrawChooser(data))
            # After every draw: Hypothesis replays the example that raised, and the replay must
            # draw exactly what the first run drew.
            if self.report.sent[operation.label] > sent_before and self._out_of_time():
                raise _OutOfTime
            self._send(case)

        if options.seed is not None and not options.derandomize:
            fuzz_one = hypothesis.seed(options.seed)(fuzz_one)
        with suppress(_OutOfTime):
            fuzz_one()

    def _send(self, case: AnyCase) -> None:
        self.report.requests += 1
        self.report.sent[case.operation.label] += 1
        if isinstance(case.body, dict | list):
            # Serialized here: requests refuses NaN, and a client may well send it.
            case.body = json.dumps(case.body, allow_nan=True).encode()
        try:
            response = case.call(
                base_url=self.options.base_url,
                session=self.session,
                timeout=self.options.request_timeout,
            )
        except requests.RequestException as error:
            self.report.record(violation(case, "no response", repr(error), None))
            self.transport_errors += 1
            if self.transport_errors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS:
                message = f"{self.transport_errors} requests in a row got no response"
                raise _ServerGone(message) from error
            return
        self.transport_errors = 0
        if _refused_by_http_layer(response):
            self.report.refused_urls += 1
            return
        self.report.statuses[case.operation.label, response.status_code // 100] += 1
        if response.status_code >= 500:
            self.report.server_errors += 1
        for found in check(case, response):
            self.report.record(found)
        try:
            body = response.json()
        except ValueError:
            return
        if response.status_code == 200:
            self.pool.learn(body)
        elif isinstance(body, dict) and isinstance(body.get("errorCode"), str):
            self.report.error_codes[case.operation.label, body["errorCode"]] += 1


def _refused_by_http_layer(response: schemathesis.Response) -> bool:
    return (
        response.status_code == 400
        and response.text == HTTP_LAYER_REFUSAL
        and len(response.request.url or "") > LONGEST_PARSED_URL
    )


def run_fuzz(options: FuzzOptions, log: Callable[[str], None] | None = None) -> FuzzReport:
    return Fuzzer(options, log or (lambda _message: None)).run()


def create_tenant(settings: Settings) -> tuple[str, str]:
    """An ENTERPRISE account's OWNER key (no plan quota gets in the fuzzer's way)."""
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            created = account_service.create_account(
                session, SecretBox(settings.secret_key or ""), PlanTier.ENTERPRISE
            )
    finally:
        engine.dispose()
    return created.credentials.api_key, created.credentials.api_secret


@contextmanager
def own_server(database_url: str | None) -> Iterator[tuple[str, str, str]]:
    """A migrated database with one tenant, served on loopback: (base URL, key, secret)."""
    with tempfile.TemporaryDirectory(prefix="crmcore-fuzz-") as directory:
        url = database_url or f"sqlite:///{os.path.join(directory, 'fuzz.db')}"
        settings = Settings(
            database_url=url,
            secret_key="crmcore-fuzz-secret-key",
            files_dir=Path(directory) / "files",
        )
        upgrade(settings)
        key, secret = create_tenant(settings)
        with running_server(settings, CRMCORE_PURGE_INTERVAL_SECONDS="0") as base_url:
            yield base_url, key, secret


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability.fuzz", description=__doc__)
    parser.add_argument("--base-url", help="a running server; without it one is started")
    parser.add_argument("--key", help="API key (with --base-url)")
    parser.add_argument("--secret", help="API secret (with --base-url)")
    parser.add_argument(
        "--database-url", help="database of the server started without --base-url (fresh!)"
    )
    parser.add_argument(
        "--examples", type=int, default=100, help="examples per operation and mode (100)"
    )
    parser.add_argument(
        "--coverage", type=int, help="boundary cases per operation (default: all of them)"
    )
    parser.add_argument("--seconds", type=float, help="time budget of the whole run")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default: a random one)")
    arguments = parser.parse_args(argv)
    if arguments.base_url and not (arguments.key and arguments.secret):
        parser.error("--base-url needs --key and --secret")
    return arguments


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    arguments = _arguments(argv)
    seed = arguments.seed if arguments.seed is not None else int.from_bytes(os.urandom(4))

    def fuzz(base_url: str, key: str, secret: str) -> FuzzReport:
        print(f"fuzzing {base_url} with seed {seed}", file=out, flush=True)
        options = FuzzOptions(
            base_url,
            key,
            secret,
            examples=arguments.examples,
            coverage=arguments.coverage,
            seconds=arguments.seconds,
            seed=seed,
        )
        return run_fuzz(options, lambda message: print("  " + message, file=out, flush=True))

    if arguments.base_url:
        report = fuzz(arguments.base_url.rstrip("/"), arguments.key, arguments.secret)
    else:
        with own_server(arguments.database_url) as (base_url, key, secret):
            report = fuzz(base_url, key, secret)
    print("\n" + report.table() + "\n\n" + report.summary(), file=out)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

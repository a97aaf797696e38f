"""The OpenAPI fuzzer, bounded for CI: every operation of the served document, against a real
server process with signed requests, on each database. ``python -m reliability.fuzz`` is the
long version (docs/reliability.md)."""

import httpx2
import pytest
from reliability.fuzz import OPENAPI, FuzzOptions, create_tenant, run_fuzz

from crmcore.config import Settings
from tests.live import running_server

#: Per operation: fuzzed examples of each generation mode, and sampled boundary cases: about 20
#: requests per operation, some 30 s per database on an idle 2-core machine (62 operations).
EXAMPLES = 5
COVERAGE = 10
#: The cap as operations are added or the machine is busy: each operation then gets an equal
#: share, still at least one request per phase. The requests are the same on every run (fixed
#: seed); a slow run only sends fewer of them.
BUDGET_SECONDS = 50


@pytest.mark.concurrency
def test_every_operation_answers_within_its_documented_contract(settings: Settings) -> None:
    key, secret = create_tenant(settings)
    with running_server(settings, CRMCORE_PURGE_INTERVAL_SECONDS="0") as base_url:
        document = httpx2.get(base_url + OPENAPI).json()
        options = FuzzOptions(
            base_url,
            key,
            secret,
            examples=EXAMPLES,
            coverage=COVERAGE,
            seconds=BUDGET_SECONDS,
            derandomize=True,  # no random choices: what one run finds, the next finds again
        )
        report = run_fuzz(options)

    served = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert not report.failed, report.summary()
    assert set(report.operations) == served
    assert not [operation for operation in served if report.sent[operation] == 0]

"""Bounded HTTP load against a running server: each workload stops after ``count`` requests or
``seconds``, whichever comes first, and reports throughput and latency percentiles."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from tests.signing import sign

from bench.seed import Tenant

Request = Callable[[httpx2.AsyncClient, int], Awaitable[httpx2.Response]]


@dataclass
class Result:
    workload: str
    concurrency: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
        }


async def run_workload(
    tenant: Tenant, name: str, request: Request, *, count: int, concurrency: int, seconds: float
) -> Result:
    result = Result(name, concurrency)
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(
        base_url=tenant.base_url + "/crm-core/v1", limits=limits, timeout=60
    ) as client:
        next_index = 0
        deadline = time.monotonic() + seconds
        started = time.monotonic()

        async def worker() -> None:
            nonlocal next_index
            while next_index < count and time.monotonic() < deadline:
                index = next_index
                next_index += 1
                begin = time.perf_counter()
                response = await request(client, index)
                result.latencies_ms.append((time.perf_counter() - begin) * 1000)
                result.requests += 1
                if response.status_code != 200:
                    result.errors += 1
                    if result.errors <= 3:
                        print(f"  {name}: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.monotonic() - started
    return result


def signed(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": sign(tenant.api_key, tenant.api_secret)}

"""A real ``crmcore`` server process on loopback, for tests that need processes and real sockets."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from crmcore.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(settings: Settings, **environment: str) -> Iterator[str]:
    with server_process(settings, environment=environment) as (_process, base_url):
        yield base_url


@contextmanager
def server_process(
    settings: Settings,
    output: Path | None = None,
    access_log: bool = False,
    environment: dict[str, str] | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A server process and its base URL; the test may kill the process itself. ``output``: a
    file that receives everything the server writes (its logs)."""
    port = free_port()
    env = {
        **os.environ,
        "CRMCORE_DATABASE_URL": settings.database_url,
        "CRMCORE_SECRET_KEY": settings.secret_key or "",
        **({"CRMCORE_FILES_DIR": str(settings.files_dir)} if settings.files_dir else {}),
        **(environment or {}),
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "crmcore.app:create_app_from_environment",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "info" if access_log else "warning",
        "--access-log" if access_log else "--no-access-log",
    ]  # fmt: skip
    sink = output.open("wb") if output is not None else None
    process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx2.get(base_url + "/crm-core/v1/public/openapi/json").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 30 seconds")
            time.sleep(0.1)
        yield process, base_url
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if sink is not None:
            sink.close()

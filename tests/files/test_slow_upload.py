"""An upload's body arrives before its transaction begins: a slow client blocks nobody."""

import json
import socket
import time

import httpx2
import pytest

from crmcore.config import Settings
from tests.files.helpers import Crm, fetch
from tests.live import running_server

BOUNDARY = "slow-upload-boundary"


def _body(content: bytes) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="slow.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _response(connection: socket.socket) -> tuple[int, bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, rest = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += connection.recv(65536)
    return int(head.split(b" ", 2)[1]), rest[:length]


@pytest.mark.concurrency
def test_writes_go_on_while_an_upload_is_still_arriving(crm: Crm, settings: Settings) -> None:
    body = _body(b"x" * 200_000)
    with running_server(settings) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        path = f"/crm-core/v1/records/{crm.alice}/attachments"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {crm.tenant.headers()['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection((host, int(port)), timeout=30) as slow:
            slow.sendall(head.encode() + body[: len(body) // 2])
            time.sleep(0.5)  # the server is now waiting for the rest of the body

            started = time.monotonic()
            other = httpx2.post(
                f"{base_url}/crm-core/v1/records",
                json={"entityId": crm.people, "name": "Bob"},
                headers=crm.tenant.headers(),
                timeout=10,
            )
            assert other.status_code == 200, other.text
            assert time.monotonic() - started < 5

            slow.sendall(body[len(body) // 2 :])
            status, content = _response(slow)
    assert status == 200, content
    assert json.loads(content)["fileName"] == "slow.txt"
    assert [a["fileName"] for a in fetch(crm.tenant, crm.alice)["attachments"]] == ["slow.txt"]

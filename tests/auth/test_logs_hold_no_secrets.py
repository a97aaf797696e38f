"""What a server writes to its logs never holds an API secret, a request signature, an
Authorization header or a download link's signature, whatever the request and its outcome."""

import re
from pathlib import Path

import httpx2
import pytest

from crmcore.config import Settings
from tests.builders import Tenant, body_of, new_record
from tests.entities.test_entities_create_get import create
from tests.files.helpers import image
from tests.live import server_process
from tests.signing import sign


@pytest.mark.concurrency
def test_logs_hold_no_secrets_or_signatures(
    owner: Tenant, settings: Settings, tmp_path: Path
) -> None:
    entity = str(create(owner, "people")["entityId"])
    record = new_record(owner, entity, "Kim")
    log_file = tmp_path / "server.log"
    headers_sent: list[str] = []
    links: list[str] = []

    def signed() -> dict[str, str]:
        header = sign(owner.api_key, owner.api_secret)
        headers_sent.append(header)
        return {"Authorization": header}

    with server_process(settings, output=log_file, access_log=True) as (_process, base_url):
        api = base_url + "/crm-core/v1"
        with httpx2.Client(base_url=api, timeout=30) as http:
            assert http.get("/entities", headers=signed()).status_code == 200
            replayed = signed()
            http.get("/entities", headers=replayed)
            assert http.get("/entities", headers=replayed).status_code == 403
            wrong = sign(owner.api_key, "X" * 32)
            headers_sent.append(wrong)
            assert http.get("/entities", headers={"Authorization": wrong}).status_code == 403
            uploaded = http.post(
                f"/records/{record}/images",
                files={"file": ("kim.png", image(), "image/png")},
                headers=signed(),
            )
            links += [body_of(uploaded)["url"], body_of(uploaded)["thumbnailUrl"]]
            exported = http.post(
                "/records/export/request", json={"entityId": entity, "format": "csv"},
                headers=signed(),
            )  # fmt: skip
            links.append(body_of(exported)["downloadUrl"])
            for link in links:
                assert httpx2.get(link.replace("http://testserver", base_url)).status_code == 200
            assert http.post("/records", content=b"{", headers=signed()).status_code == 400
    logs = log_file.read_text()
    assert "GET /crm-core/v1/entities" in logs  # the access log was on
    assert "signature=REDACTED" in logs  # and saw the download links
    assert owner.api_secret not in logs
    for header in headers_sent:
        assert header not in logs
        signature = re.search(r"signature=([0-9a-f]+)", header)
        assert signature is not None
        assert signature.group(1) not in logs
    for link in links:
        link_signature = re.search(r"signature=([0-9a-f]+)", link)
        assert link_signature is not None
        assert link_signature.group(1) not in logs

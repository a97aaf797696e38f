"""A real server on loopback accepts requests signed the way SOLAPI's SDKs sign them."""

import httpx2
import pytest

from crmcore.config import Settings
from tests.builders import Tenant
from tests.live import running_server
from tests.signing import node_date, python_sdk_date, sign


@pytest.mark.concurrency
def test_python_sdk_and_node_signatures_against_a_running_server(
    settings: Settings, owner: Tenant
) -> None:
    python_sdk = sign(
        owner.api_key, owner.api_secret, date_format=python_sdk_date, python_sdk_names=True
    )
    node_docs = sign(owner.api_key, owner.api_secret, date_format=node_date)
    with running_server(settings) as base_url, httpx2.Client(base_url=base_url) as http:
        created = http.post(
            "/crm-core/v1/entities",
            json={"name": "Customers", "slug": "customers"},
            headers={"Authorization": python_sdk},
        )
        assert created.status_code == 200, created.text
        listed = http.get("/crm-core/v1/entities", headers={"Authorization": node_docs})
        assert listed.status_code == 200
        assert [e["entityId"] for e in listed.json()] == [created.json()["entityId"]]

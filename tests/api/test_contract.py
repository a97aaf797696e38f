"""Every operation in the OpenAPI document refuses unsigned and badly signed requests with the
SOLAPI error body, before looking at anything else."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_openapi import OPERATIONS, UNAUTHENTICATED
from tests.builders import Tenant
from tests.signing import sign

PROTECTED = sorted(set(OPERATIONS) - UNAUTHENTICATED)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    concrete = path
    for part in path.split("/"):
        if part.startswith("{"):
            concrete = concrete.replace(part, "CRMXX1260423081530123ABC11122233")
    body: dict[str, Any] | None = {} if method in ("post", "patch") else None
    return client.request(method.upper(), concrete, headers=headers, json=body)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_unsigned_requests_are_401(client: TestClient, method: str, path: str) -> None:
    response = _call(client, method, path, {})
    assert response.status_code == 401, (method, path, response.text)
    assert set(response.json()) == {"errorCode", "errorMessage"}
    assert response.json()["errorCode"] == "Unauthorized"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_wrong_secret_is_403(owner: Tenant, method: str, path: str) -> None:
    headers = {"Authorization": sign(owner.api_key, "not-the-secret")}
    response = _call(owner.client, method, path, headers)
    assert response.status_code == 403, (method, path, response.text)
    assert response.json()["errorCode"] == "SignatureDoesNotMatch"

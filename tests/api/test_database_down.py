"""When the database cannot be reached, requests answer 503 with the error body, never a 500."""

from fastapi.testclient import TestClient

from crmcore.app import create_app
from crmcore.config import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.signing import sign


def test_unreachable_postgresql_answers_503_with_the_error_body() -> None:
    settings = Settings(
        database_url="postgresql://postgres@127.0.0.1:9/unreachable",
        secret_key=TEST_SECRET_KEY,
        purge_interval_seconds=0,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        headers = {"Authorization": sign("NCSANYKEY0000000", "secret")}
        response = client.get("/crm-core/v1/entities", headers=headers)
    assert response.status_code == 503
    assert response.json() == {
        "errorCode": "ServiceUnavailable",
        "errorMessage": "The database is not reachable",
    }

"""Every failure has the SOLAPI body; routing errors too."""

from fastapi.testclient import TestClient

from tests.builders import Tenant


def test_unknown_route_is_404_with_error_body(owner: Tenant) -> None:
    response = owner.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"errorCode": "NotFound", "errorMessage": "No such route"}


def test_unknown_route_without_credentials_is_404(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert set(response.json()) == {"errorCode", "errorMessage"}


def test_wrong_method_is_405_with_error_body(owner: Tenant) -> None:
    response = owner.request("PUT", "/entities")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "MethodNotAllowed"


def test_oversized_body_is_413_and_nothing_is_written(owner: Tenant) -> None:
    huge = {"name": "Big", "slug": "big", "description": "x" * (6 * 1024 * 1024)}
    response = owner.post("/entities", json=huge)
    assert response.status_code == 413
    assert response.json()["errorCode"] == "PayloadTooLarge"
    assert owner.get("/entities").json() == []


def test_oversized_chunked_body_is_413(owner: Tenant) -> None:
    def chunks() -> object:
        for _ in range(7):
            yield b"x" * (1024 * 1024)

    response = owner.post(
        "/entities", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errorCode"] == "PayloadTooLarge"


def test_deeply_nested_json_is_a_400(owner: Tenant) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    response = owner.post(
        "/entities", content=nested.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ValidationError"


def test_dates_are_utc_with_milliseconds(owner: Tenant) -> None:
    body = owner.post("/entities", json={"name": "A", "slug": "a"}).json()
    assert body["dateCreated"].endswith("Z")
    assert len(body["dateCreated"]) == len("2026-04-22T15:30:00.000Z")

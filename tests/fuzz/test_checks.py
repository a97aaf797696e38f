"""The fuzzer's verdicts on hand-made responses: each kind of broken contract is caught (so the
bounded fuzz test can fail), and a conforming response is not."""

import json
from typing import Any

import pytest
import requests
import schemathesis
from reliability.checks import ERROR_BODY, AnyCase, check
from reliability.seeding import IdPool

from crmcore.app import create_app
from crmcore.config import Settings

PATH = "/crm-core/v1/entities/{entityId}"
URL = "http://127.0.0.1:9/crm-core/v1/entities/CRMET1"


@pytest.fixture(scope="module")
def case() -> AnyCase:
    # The served document, built without a database: only the routes are needed.
    document = create_app(Settings(database_url="sqlite://", secret_key="k")).openapi()
    schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    made: AnyCase = schema[PATH]["GET"].Case(path_parameters={"entityId": "CRMET1"})
    return made


def response(status: int, body: Any) -> schemathesis.Response:
    request = requests.Request("GET", URL).prepare()
    headers = {"content-type": ["application/json"]}
    return schemathesis.Response(status, headers, json.dumps(body).encode(), request, 0.01, True)


def titles(case: AnyCase, status: int, body: Any) -> list[str]:
    return [found.title for found in check(case, response(status, body))]


def test_a_server_error_is_reported_once(case: AnyCase) -> None:
    body = {"errorCode": "InternalServerError", "errorMessage": "An unexpected error occurred"}
    assert titles(case, 500, body) == ["Server error"]


def test_an_undocumented_status_is_reported(case: AnyCase) -> None:
    assert titles(case, 418, {"errorCode": "Teapot", "errorMessage": "short and stout"}) == [
        "Undocumented status code"
    ]


def test_a_body_that_breaks_its_schema_is_reported(case: AnyCase) -> None:
    assert set(titles(case, 200, {"entityId": 5})) == {"Response violates schema"}


def test_a_4xx_without_the_error_body_is_reported(case: AnyCase) -> None:
    assert ERROR_BODY in titles(case, 404, {"detail": "Not Found"})


def test_a_conforming_error_is_not_reported(case: AnyCase) -> None:
    assert titles(case, 404, {"errorCode": "ResourceNotFound", "errorMessage": "gone"}) == []


def test_a_violation_names_the_request_that_shows_it(case: AnyCase) -> None:
    [found] = check(case, response(500, {"errorCode": "X", "errorMessage": "Y"}))
    assert (found.method, found.path, found.status) == ("GET", "/crm-core/v1/entities/CRMET1", 500)
    assert "GET /crm-core/v1/entities/CRMET1" in found.describe()


def test_ids_are_learned_from_responses_and_borrowed_by_suffix() -> None:
    pool = IdPool(seeded={"recordId": ["CRMRC1"]})
    pool.learn({"data": [{"relationshipId": "CRMRL1", "sourceRecordId": "CRMRC2"}], "nextKey": "k"})
    assert pool.candidates("relationshipId") == ["CRMRL1"]
    assert pool.candidates("recordId") == ["CRMRC1"]
    assert pool.candidates("targetRecordId") == ["CRMRC1"]
    assert pool.candidates("sourceRecordId") == ["CRMRC2"]
    assert pool.candidates("startKey") == ["k"]
    assert pool.candidates("name") == []

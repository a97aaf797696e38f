"""Signed HTTP requests against the app: what is accepted, and every way a request is refused."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crmcore.accounts import service as account_service
from crmcore.app import create_app
from crmcore.config import Settings
from crmcore.models.account import MemberStatus, Role, UsedSignature
from tests.builders import Tenant, TenantFactory
from tests.signing import (
    DateFormat,
    nanoseconds_date,
    node_date,
    offset_seconds_date,
    python_sdk_date,
    seconds_z_date,
    sign,
)

PROBE = "/crm-core/v1/entities"
SALT = "0123456789abcdef0123456789abcdef"


def assert_error(response: Response, status: int, code: str) -> None:
    """The status, and SOLAPI's error body: exactly errorCode and errorMessage."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorCode", "errorMessage"}, body
    assert body["errorCode"] == code, body
    assert isinstance(body["errorMessage"], str)
    assert body["errorMessage"]


def probe(client: TestClient, authorization: str | None) -> Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.get(PROBE, headers=headers)


def header(
    api_key: str,
    signature: str,
    date: str,
    salt: str = SALT,
    *,
    scheme: str = "HMAC-SHA256",
) -> str:
    return f"{scheme} apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


def hmac_hex(secret: str, date: str, salt: str) -> str:
    return hmac.new(secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()


# --- accepted ----------------------------------------------------------------------------------


def test_signed_request_is_accepted(owner: Tenant) -> None:
    response = owner.get("/entities")
    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize(
    "date_format",
    [
        pytest.param(node_date, id="node-toISOString"),
        pytest.param(python_sdk_date, id="python-isoformat"),
        pytest.param(seconds_z_date, id="seconds-z"),
        pytest.param(offset_seconds_date, id="date-fns-offset"),
        pytest.param(nanoseconds_date, id="java-nanoseconds"),
    ],
)
def test_every_sdk_date_format_is_accepted(owner: Tenant, date_format: DateFormat) -> None:
    response = probe(owner.client, sign(owner.api_key, owner.api_secret, date_format=date_format))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("date_format", [node_date, python_sdk_date], ids=["node", "python"])
def test_python_sdk_capitalised_names_are_accepted(owner: Tenant, date_format: DateFormat) -> None:
    authorization = sign(
        owner.api_key, owner.api_secret, date_format=date_format, python_sdk_names=True
    )
    assert authorization.startswith("HMAC-SHA256 ApiKey=")
    response = probe(owner.client, authorization)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("upper", [False, True], ids=["lowercase-hex", "uppercase-hex"])
def test_signature_hex_case_does_not_matter(owner: Tenant, upper: bool) -> None:
    date = node_date(datetime.now(UTC))
    signature = hmac_hex(owner.api_secret, date, SALT)
    if upper:
        signature = signature.upper()
        assert any(char in "ABCDEF" for char in signature)
    response = probe(owner.client, header(owner.api_key, signature, date))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("scheme", ["hmac-sha256", "Hmac-Sha256"])
def test_scheme_keyword_is_case_insensitive(owner: Tenant, scheme: str) -> None:
    date = node_date(datetime.now(UTC))
    signature = hmac_hex(owner.api_secret, date, SALT)
    response = probe(owner.client, header(owner.api_key, signature, date, scheme=scheme))
    assert response.status_code == 200, response.text


def test_parameters_without_spaces_are_accepted(owner: Tenant) -> None:
    date = node_date(datetime.now(UTC))
    signature = hmac_hex(owner.api_secret, date, SALT)
    authorization = (
        f"HMAC-SHA256 apiKey={owner.api_key},date={date},salt={SALT},signature={signature}"
    )
    response = probe(owner.client, authorization)
    assert response.status_code == 200, response.text


# --- refused: key, secret, signature -----------------------------------------------------------


def test_unknown_key_is_invalid_api_key(owner: Tenant) -> None:
    response = probe(owner.client, sign("NCSXXXXXXXXXXXXX", owner.api_secret))
    assert_error(response, 403, "InvalidAPIKey")


def test_key_of_wrong_case_is_invalid_api_key(owner: Tenant) -> None:
    response = probe(owner.client, sign(owner.api_key.lower(), owner.api_secret))
    assert_error(response, 403, "InvalidAPIKey")


def test_wrong_secret_is_signature_does_not_match(owner: Tenant) -> None:
    response = probe(owner.client, sign(owner.api_key, owner.api_secret + "X"))
    assert_error(response, 403, "SignatureDoesNotMatch")


def test_another_members_secret_does_not_sign_for_this_key(owner: Tenant) -> None:
    other = owner.member()
    response = probe(owner.client, sign(owner.api_key, other.api_secret))
    assert_error(response, 403, "SignatureDoesNotMatch")


def test_signature_over_a_different_date_does_not_match(owner: Tenant) -> None:
    now = datetime.now(UTC)
    signature = hmac_hex(owner.api_secret, python_sdk_date(now), SALT)
    response = probe(owner.client, header(owner.api_key, signature, node_date(now)))
    assert_error(response, 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("g" * 64, id="non-hex-letters"),
        pytest.param("not-a-signature", id="words"),
        pytest.param("0x" + "a" * 62, id="0x-prefix"),
        pytest.param("a" * 63, id="63-hex"),
    ],
)
def test_malformed_signature_is_refused(owner: Tenant, signature: str) -> None:
    date = node_date(datetime.now(UTC))
    response = probe(owner.client, header(owner.api_key, signature, date))
    assert_error(response, 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    ("length", "accepted"),
    [
        pytest.param(11, False, id="11"),
        pytest.param(12, True, id="12"),
        pytest.param(64, True, id="64"),
        pytest.param(65, False, id="65"),
    ],
)
def test_salt_length_must_be_12_to_64(owner: Tenant, length: int, accepted: bool) -> None:
    salt = ("a1B2c3D4e5" * 7)[:length]
    response = probe(owner.client, sign(owner.api_key, owner.api_secret, salt=salt))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_error(response, 403, "SignatureDoesNotMatch")


# --- refused: clock skew -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "accepted"),
    [
        pytest.param(-16, False, id="16-min-old"),
        pytest.param(16, False, id="16-min-ahead"),
        pytest.param(-14, True, id="14-min-old"),
        pytest.param(14, True, id="14-min-ahead"),
        pytest.param(-60 * 24, False, id="a-day-old"),
    ],
)
def test_date_must_be_within_15_minutes(owner: Tenant, minutes: int, accepted: bool) -> None:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    response = probe(owner.client, sign(owner.api_key, owner.api_secret, moment=moment))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_error(response, 403, "RequestTimeTooSkewed")


@pytest.mark.parametrize(
    "date_format",
    [
        pytest.param(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S"), id="no-offset"),
        pytest.param(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%f"), id="no-offset-us"),
        pytest.param(lambda moment: moment.strftime("%Y-%m-%d"), id="date-only"),
    ],
)
def test_date_without_offset_is_too_skewed(owner: Tenant, date_format: DateFormat) -> None:
    authorization = sign(owner.api_key, owner.api_secret, date_format=date_format)
    assert_error(probe(owner.client, authorization), 403, "RequestTimeTooSkewed")


def test_skew_is_checked_before_the_signature(owner: Tenant) -> None:
    moment = datetime.now(UTC) - timedelta(hours=1)
    response = probe(owner.client, sign(owner.api_key, "wrong", moment=moment))
    assert_error(response, 403, "RequestTimeTooSkewed")


def test_key_is_checked_before_the_skew(owner: Tenant) -> None:
    moment = datetime.now(UTC) - timedelta(hours=1)
    response = probe(owner.client, sign("NCSXXXXXXXXXXXXX", "wrong", moment=moment))
    assert_error(response, 403, "InvalidAPIKey")


# --- refused: replay ---------------------------------------------------------------------------


def test_same_header_twice_is_duplicated_signature(owner: Tenant) -> None:
    authorization = sign(owner.api_key, owner.api_secret)
    assert probe(owner.client, authorization).status_code == 200
    assert_error(probe(owner.client, authorization), 403, "DuplicatedSignature")
    assert_error(probe(owner.client, authorization), 403, "DuplicatedSignature")


def test_replay_with_uppercased_signature_is_duplicated(owner: Tenant) -> None:
    date = node_date(datetime.now(UTC))
    signature = hmac_hex(owner.api_secret, date, SALT)
    assert probe(owner.client, header(owner.api_key, signature, date)).status_code == 200
    replay = header(owner.api_key, signature.upper(), date)
    assert_error(probe(owner.client, replay), 403, "DuplicatedSignature")


def test_replay_with_python_sdk_names_is_duplicated(owner: Tenant) -> None:
    moment = datetime.now(UTC)
    first = sign(owner.api_key, owner.api_secret, moment=moment, salt=SALT)
    again = sign(owner.api_key, owner.api_secret, moment=moment, salt=SALT, python_sdk_names=True)
    assert first != again
    assert probe(owner.client, first).status_code == 200
    assert_error(probe(owner.client, again), 403, "DuplicatedSignature")


def test_replay_on_another_endpoint_is_duplicated(owner: Tenant) -> None:
    authorization = sign(owner.api_key, owner.api_secret)
    assert probe(owner.client, authorization).status_code == 200
    response = owner.client.get(PROBE + "/trash", headers={"Authorization": authorization})
    assert_error(response, 403, "DuplicatedSignature")


def test_future_dated_header_is_spent_too(owner: Tenant) -> None:
    moment = datetime.now(UTC) + timedelta(minutes=14)
    authorization = sign(owner.api_key, owner.api_secret, moment=moment)
    assert probe(owner.client, authorization).status_code == 200
    assert_error(probe(owner.client, authorization), 403, "DuplicatedSignature")


def test_fresh_headers_of_the_same_key_keep_working(owner: Tenant) -> None:
    for _ in range(5):
        response = owner.get("/entities")
        assert response.status_code == 200, response.text


def test_refused_signature_is_not_spent(owner: Tenant) -> None:
    """A header refused before its signature was checked may be sent again once valid."""
    moment = datetime.now(UTC)
    good = sign(owner.api_key, owner.api_secret, moment=moment, salt=SALT)
    bad_salt = good.replace(f"salt={SALT}", "salt=short")
    assert_error(probe(owner.client, bad_salt), 403, "SignatureDoesNotMatch")
    assert probe(owner.client, good).status_code == 200


def _spent(sessions: sessionmaker[Session], account_id: str) -> int:
    with sessions() as session:
        statement = select(func.count()).where(UsedSignature.account_id == account_id)
        return int(session.scalar(statement) or 0)


# A server that has seen the key before checks a header with the secret it remembers, before
# reading the key; one that has not reads the key first. Both must answer alike.
REMEMBERED = pytest.mark.parametrize("remembered", [False, True], ids=["new-key", "remembered"])


def _remember(owner: Tenant, remembered: bool) -> None:
    if remembered:
        assert owner.get("/entities").status_code == 200


@REMEMBERED
def test_refused_headers_write_nothing(
    owner: Tenant, sessions: sessionmaker[Session], remembered: bool
) -> None:
    """Headers refused by the checks leave no trace in the replay store (on PostgreSQL the
    signature is claimed in the key lookup's statement, before the checks: the refusal rolls
    the claim back), so nobody can fill the store with signatures they could not make."""
    _remember(owner, remembered)
    before = _spent(sessions, owner.account_id)
    moment = datetime.now(UTC)
    good = sign(owner.api_key, owner.api_secret, moment=moment, salt=SALT)
    forged = good.replace(f"salt={SALT}", f"salt={SALT[::-1]}")
    stale = sign(owner.api_key, owner.api_secret, moment=moment - timedelta(minutes=20))
    unreadable_date = header(owner.api_key, "ab" * 32, "yesterday")
    for refused, code in (
        (forged, "SignatureDoesNotMatch"),
        (stale, "RequestTimeTooSkewed"),
        (unreadable_date, "RequestTimeTooSkewed"),
    ):
        assert_error(probe(owner.client, refused), 403, code)
    assert _spent(sessions, owner.account_id) == before
    assert probe(owner.client, good).status_code == 200
    assert _spent(sessions, owner.account_id) == before + 1


def test_failed_request_still_spends_its_signature(owner: Tenant) -> None:
    authorization = sign(owner.api_key, owner.api_secret)
    headers = {"Authorization": authorization}
    failed = owner.client.post(PROBE, headers=headers, json={"name": "Customers"})
    assert_error(failed, 400, "ValidationError")
    assert_error(owner.client.get(PROBE, headers=headers), 403, "DuplicatedSignature")
    valid = {"name": "Customers", "slug": "customers"}
    assert_error(owner.client.post(PROBE, headers=headers, json=valid), 403, "DuplicatedSignature")
    assert owner.get("/entities").json() == []


def test_request_failing_in_the_service_still_spends_its_signature(owner: Tenant) -> None:
    body = {"name": "Customers", "slug": "customers"}
    assert owner.post("/entities", json=body).status_code == 200
    headers = {"Authorization": sign(owner.api_key, owner.api_secret)}
    assert_error(owner.client.post(PROBE, headers=headers, json=body), 409, "DuplicateEntity")
    assert_error(owner.client.get(PROBE, headers=headers), 403, "DuplicatedSignature")


def test_request_with_unparseable_json_still_spends_its_signature(owner: Tenant) -> None:
    headers = {"Authorization": sign(owner.api_key, owner.api_secret)}
    json_headers = {**headers, "Content-Type": "application/json"}
    failed = owner.client.post(PROBE, headers=json_headers, content=b"{not json")
    assert_error(failed, 400, "ValidationError")
    assert_error(owner.client.get(PROBE, headers=headers), 403, "DuplicatedSignature")


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        pytest.param(None, 401, "Unauthorized", id="missing"),
        pytest.param("Bearer xyz", 401, "Unauthorized", id="bearer"),
        pytest.param("HMAC-SHA256 garbage", 401, "Unauthorized", id="hmac-garbage"),
        pytest.param(sign("NCSXXXXXXXXXXXXX", "secret"), 403, "InvalidAPIKey", id="unknown-key"),
    ],
)
def test_authentication_comes_before_json_parsing(
    client: TestClient, authorization: str | None, status: int, code: str
) -> None:
    """Spec §6.2 order: authentication (401/403) before validation (400), for any body."""
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    assert_error(client.post(PROBE, headers=headers, content=b"{not json"), status, code)


def test_authentication_comes_before_body_validation(client: TestClient) -> None:
    assert_error(client.post(PROBE, json={"name": 1}), 401, "Unauthorized")


# --- refused: malformed or missing Authorization -----------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("Bearer xyz", id="bearer"),
        pytest.param("HMAC-SHA256 garbage", id="hmac-garbage"),
        pytest.param("HMAC-SHA256", id="scheme-only"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic"),
    ],
)
def test_missing_or_malformed_header_is_unauthorized(
    client: TestClient, authorization: str | None
) -> None:
    assert_error(probe(client, authorization), 401, "Unauthorized")


@pytest.mark.parametrize("missing", ["apiKey", "date", "salt", "signature"])
def test_header_lacking_a_parameter_is_unauthorized(owner: Tenant, missing: str) -> None:
    date = node_date(datetime.now(UTC))
    values = {
        "apiKey": owner.api_key,
        "date": date,
        "salt": SALT,
        "signature": hmac_hex(owner.api_secret, date, SALT),
    }
    parts = ", ".join(f"{name}={value}" for name, value in values.items() if name != missing)
    assert_error(probe(owner.client, f"HMAC-SHA256 {parts}"), 401, "Unauthorized")


def test_hmac_md5_is_not_accepted(owner: Tenant) -> None:
    date = node_date(datetime.now(UTC))
    signature = hmac.new(owner.api_secret.encode(), (date + SALT).encode(), "md5").hexdigest()
    authorization = header(owner.api_key, signature, date, scheme="HMAC-MD5")
    assert_error(probe(owner.client, authorization), 401, "Unauthorized")


# --- keys and members --------------------------------------------------------------------------


def test_revoked_key_stops_working_at_once(owner: Tenant, tenants: TenantFactory) -> None:
    colleague = owner.member()
    assert owner.get("/entities").status_code == 200
    tenants.revoke(owner.api_key)
    assert_error(owner.get("/entities"), 403, "InvalidAPIKey")
    assert colleague.get("/entities").status_code == 200


def test_revoking_one_key_keeps_the_members_other_key(
    owner: Tenant, tenants: TenantFactory, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        credentials = account_service.create_key(session, tenants.box, owner.member_id)
    second = Tenant(
        owner.client,
        owner.account_id,
        credentials.member_id,
        credentials.api_key,
        credentials.api_secret,
        tenants,
    )
    assert second.api_key != owner.api_key
    assert second.get("/entities").status_code == 200
    tenants.revoke(owner.api_key)
    assert_error(owner.get("/entities"), 403, "InvalidAPIKey")
    assert second.get("/entities").status_code == 200


@REMEMBERED
def test_revoked_key_is_refused_even_with_a_stale_or_broken_header(
    owner: Tenant, tenants: TenantFactory, remembered: bool
) -> None:
    _remember(owner, remembered)
    tenants.revoke(owner.api_key)
    old = datetime.now(UTC) - timedelta(hours=1)
    assert_error(probe(owner.client, sign(owner.api_key, "x", moment=old)), 403, "InvalidAPIKey")
    good = sign(owner.api_key, owner.api_secret)
    assert_error(probe(owner.client, good), 403, "InvalidAPIKey")


def test_inactive_member_is_forbidden(owner: Tenant, sessions: sessionmaker[Session]) -> None:
    colleague = owner.member(Role.MEMBER)
    assert colleague.get("/entities").status_code == 200
    with sessions.begin() as session:
        account_service.set_member_status(session, colleague.member_id, MemberStatus.INACTIVE)
    assert_error(colleague.get("/entities"), 403, "Forbidden")
    assert owner.get("/entities").status_code == 200
    with sessions.begin() as session:
        account_service.set_member_status(session, colleague.member_id, MemberStatus.ACTIVE)
    assert colleague.get("/entities").status_code == 200


@REMEMBERED
def test_inactive_owner_is_forbidden_and_the_header_is_spent(
    owner: Tenant, sessions: sessionmaker[Session], remembered: bool
) -> None:
    _remember(owner, remembered)
    with sessions.begin() as session:
        account_service.set_member_status(session, owner.member_id, MemberStatus.INACTIVE)
    authorization = sign(owner.api_key, owner.api_secret)
    assert_error(probe(owner.client, authorization), 403, "Forbidden")
    with sessions.begin() as session:
        account_service.set_member_status(session, owner.member_id, MemberStatus.ACTIVE)
    assert_error(probe(owner.client, authorization), 403, "DuplicatedSignature")


def test_key_encrypted_under_another_server_key_is_invalid(
    owner: Tenant, settings: Settings
) -> None:
    other_settings = settings.model_copy(update={"secret_key": "another-server-key"})
    with TestClient(create_app(other_settings), raise_server_exceptions=False) as other:
        response = probe(other, sign(owner.api_key, owner.api_secret))
    assert_error(response, 403, "InvalidAPIKey")


def test_replay_is_refused_by_another_server_process(owner: Tenant, settings: Settings) -> None:
    """The replay store is shared: a second app on the same database refuses a spent header."""
    authorization = sign(owner.api_key, owner.api_secret)
    assert probe(owner.client, authorization).status_code == 200
    with TestClient(create_app(settings), raise_server_exceptions=False) as second:
        assert_error(probe(second, authorization), 403, "DuplicatedSignature")
        assert probe(second, sign(owner.api_key, owner.api_secret)).status_code == 200


def test_tenants_are_isolated_by_key(tenants: TenantFactory) -> None:
    first, second = tenants.account(), tenants.account()
    assert first.post("/entities", json={"name": "A", "slug": "a"}).status_code == 200
    assert [e["slug"] for e in first.get("/entities").json()] == ["a"]
    assert second.get("/entities").json() == []

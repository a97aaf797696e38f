"""The pure functions of ``crmcore.auth.signature``: parsing, dates, freshness, signatures."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crmcore.auth.signature import (
    SignedHeader,
    check_freshness,
    check_signature,
    compute_signature,
    parse_authorization,
    parse_date,
)
from crmcore.kernel.errors import (
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    Unauthenticated,
)

SECRET = "test-secret"
SALT = "0123456789abcdef0123456789abcdef"
SKEW = timedelta(minutes=15)
KST = timezone(timedelta(hours=9))
INSTANT = datetime(2026, 4, 23, 9, 15, 30, tzinfo=UTC)


def _signed(
    date: str = "2026-04-23T09:15:30.000Z",
    salt: str = SALT,
    signature: str | None = None,
    secret: str = SECRET,
) -> SignedHeader:
    if signature is None:
        signature = compute_signature(secret, date, salt)
    return SignedHeader(
        algorithm="HMAC-SHA256",
        api_key="NCSAYU7YDBXYORXC",
        date=date,
        salt=salt,
        signature=signature,
    )


# --- compute_signature: the spec's self-computed vectors (§2.3) ------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        pytest.param(
            "2026-04-23T09:15:30.000Z",
            "136410dd81666239c75158190ca8a3073c7b84b0304f8ca0d3a39bc91cd48d54",
            id="utc-millis",
        ),
        pytest.param(
            "2026-04-23T18:15:30+09:00",
            "fa59a4305178195bb9791bb8f82b59807ba0b0939f40e886d996154e856e9b4b",
            id="kst-offset-same-instant",
        ),
    ],
)
def test_compute_signature_matches_spec_vectors(date: str, expected: str) -> None:
    assert compute_signature(SECRET, date, SALT) == expected
    assert compute_signature(SECRET, date, SALT, "HMAC-SHA256") == expected


def test_compute_signature_is_over_the_original_date_string() -> None:
    utc = compute_signature(SECRET, "2026-04-23T09:15:30.000Z", SALT)
    kst = compute_signature(SECRET, "2026-04-23T18:15:30+09:00", SALT)
    assert parse_date("2026-04-23T09:15:30.000Z") == parse_date("2026-04-23T18:15:30+09:00")
    assert utc != kst


# --- parse_authorization ---------------------------------------------------------------------


def test_parse_authorization_reads_every_parameter() -> None:
    signed = parse_authorization(
        "HMAC-SHA256 apiKey=NCSAYU7YDBXYORXC, date=2019-07-01T00:41:48Z, salt=jqsba2jxjnrjor, "
        "signature=1779eac71a24cbeeadfa7263cb84b7ea0af1714f5c0270aa30ffd34600e363b4"
    )
    assert signed == SignedHeader(
        algorithm="HMAC-SHA256",
        api_key="NCSAYU7YDBXYORXC",
        date="2019-07-01T00:41:48Z",
        salt="jqsba2jxjnrjor",
        signature="1779eac71a24cbeeadfa7263cb84b7ea0af1714f5c0270aa30ffd34600e363b4",
    )


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("HMAC-SHA256 ApiKey=K1, Date=D1, salt=S1, signature=AB", id="python-sdk"),
        pytest.param("HMAC-SHA256 APIKEY=K1, DATE=D1, SALT=S1, SIGNATURE=AB", id="upper-names"),
        pytest.param("hmac-sha256 apiKey=K1, date=D1, salt=S1, signature=AB", id="lower-scheme"),
        pytest.param("HMAC-SHA256 apiKey=K1,date=D1,salt=S1,signature=AB", id="no-spaces"),
        pytest.param(
            "  HMAC-SHA256   apiKey = K1 ,  date=D1, salt=S1 , signature=AB  ", id="extra-spaces"
        ),
        pytest.param("HMAC-SHA256 signature=AB, salt=S1, date=D1, apiKey=K1", id="any-order"),
    ],
)
def test_parse_authorization_is_lenient(header: str) -> None:
    signed = parse_authorization(header)
    assert (signed.algorithm, signed.api_key, signed.date, signed.salt, signed.signature) == (
        "HMAC-SHA256",
        "K1",
        "D1",
        "S1",
        "AB",
    )


def test_parse_authorization_splits_on_the_first_equals_sign() -> None:
    signed = parse_authorization("HMAC-SHA256 apiKey=K=1, date=D, salt=S==, signature=AB")
    assert (signed.api_key, signed.salt) == ("K=1", "S==")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("Bearer xyz", id="bearer"),
        pytest.param("sso token", id="sso"),
        pytest.param("HMAC-MD5 apiKey=K, date=D, salt=S, signature=AB", id="md5-unsupported"),
        pytest.param("HMAC-SHA256", id="scheme-only"),
        pytest.param("HMAC-SHA256 garbage", id="garbage"),
        pytest.param("HMAC-SHA256 apiKey=K, date=D, signature=AB", id="no-salt"),
        pytest.param("HMAC-SHA256 date=D, salt=S, signature=AB", id="no-api-key"),
        pytest.param("HMAC-SHA256 apiKey=K, salt=S, signature=AB", id="no-date"),
        pytest.param("HMAC-SHA256 apiKey=K, date=D, salt=S", id="no-signature"),
        pytest.param("HMAC-SHA256 apiKey=K, date=D, salt=, signature=AB", id="empty-salt"),
        pytest.param("HMAC-SHA256 apiKey=K, date=D, salt=S, signature=AB, junk", id="junk-part"),
    ],
)
def test_parse_authorization_rejects_as_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthenticated) as caught:
        parse_authorization(header)
    assert caught.value.code == "Unauthorized"
    assert caught.value.message


# --- parse_date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-04-23T09:15:30Z", INSTANT, id="seconds-z"),
        pytest.param("2026-04-23T09:15:30z", INSTANT, id="seconds-lower-z"),
        pytest.param(
            "2026-04-23T09:15:30.123Z", INSTANT.replace(microsecond=123000), id="node-millis"
        ),
        pytest.param("2026-04-23T18:15:30+09:00", INSTANT, id="date-fns-offset"),
        pytest.param("2026-04-23T18:15:30+0900", INSTANT, id="compact-offset"),
        pytest.param("2026-04-23T05:15:30-04:00", INSTANT, id="negative-offset"),
        pytest.param(
            "2026-04-23T18:15:30.123456+09:00",
            INSTANT.replace(microsecond=123456),
            id="python-sdk-micros",
        ),
        pytest.param(
            "2026-04-23T09:15:30.123456789Z",
            INSTANT.replace(microsecond=123456),
            id="java-nanos",
        ),
        pytest.param("2026-04-23T09:15:30.5Z", INSTANT.replace(microsecond=500000), id="one-digit"),
    ],
)
def test_parse_date_accepts_sdk_formats(value: str, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2026-04-23T09:15:30", id="no-offset"),
        pytest.param("2026-04-23T09:15:30.123", id="no-offset-fraction"),
        pytest.param("2026-04-23 09:15:30Z", id="space-separator"),
        pytest.param("2026-04-23", id="date-only"),
        pytest.param("2026-13-01T00:00:00Z", id="month-13"),
        pytest.param("2026-02-30T00:00:00Z", id="february-30"),
        pytest.param("2026-04-23T24:00:00Z", id="hour-24"),
        pytest.param("2026-04-23T09:15:30.1234567890Z", id="ten-fraction-digits"),
        pytest.param("Thu, 23 Apr 2026 09:15:30 GMT", id="http-date"),
        pytest.param("1776935730", id="epoch"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_date_rejects_as_too_skewed(value: str) -> None:
    with pytest.raises(RequestTimeTooSkewed) as caught:
        parse_date(value)
    assert caught.value.code == "RequestTimeTooSkewed"


# --- check_freshness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(timedelta(0), id="now"),
        pytest.param(timedelta(minutes=-14), id="14-min-old"),
        pytest.param(timedelta(minutes=14), id="14-min-ahead"),
        pytest.param(timedelta(minutes=-15) + timedelta(milliseconds=1), id="just-under-15-old"),
        pytest.param(timedelta(minutes=15) - timedelta(milliseconds=1), id="just-under-15-ahead"),
    ],
)
def test_check_freshness_accepts_within_the_window(offset: timedelta) -> None:
    now = datetime(2026, 4, 23, 9, 15, 30, 500000, tzinfo=UTC)
    moment = now + offset
    date = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert check_freshness(_signed(date=date), now, SKEW) == moment


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(timedelta(minutes=-15), id="exactly-15-old"),
        pytest.param(timedelta(minutes=15), id="exactly-15-ahead"),
        pytest.param(timedelta(minutes=-16), id="16-min-old"),
        pytest.param(timedelta(minutes=16), id="16-min-ahead"),
        pytest.param(timedelta(days=-365), id="a-year-old"),
    ],
)
def test_check_freshness_rejects_outside_the_window(offset: timedelta) -> None:
    now = datetime(2026, 4, 23, 9, 15, 30, tzinfo=UTC)
    date = (now + offset).astimezone(KST).isoformat()
    with pytest.raises(RequestTimeTooSkewed) as caught:
        check_freshness(_signed(date=date), now, SKEW)
    assert caught.value.code == "RequestTimeTooSkewed"


def test_check_freshness_compares_instants_across_offsets() -> None:
    now = datetime(2026, 4, 23, 9, 15, 30, tzinfo=UTC)
    assert check_freshness(_signed(date="2026-04-23T18:15:30+09:00"), now, SKEW) == now


def test_check_freshness_rejects_a_date_without_offset() -> None:
    now = datetime(2026, 4, 23, 9, 15, 30, tzinfo=UTC)
    with pytest.raises(RequestTimeTooSkewed):
        check_freshness(_signed(date="2026-04-23T09:15:30"), now, SKEW)


# --- check_signature ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param(_signed(), id="lowercase-hex"),
        pytest.param(
            _signed(signature=compute_signature(SECRET, _signed().date, SALT).upper()),
            id="uppercase-hex",
        ),
        pytest.param(_signed(salt="a" * 12), id="salt-12"),
        pytest.param(_signed(salt="Z9" * 32), id="salt-64"),
        pytest.param(_signed(salt="jqsba2jxjnrjor"), id="doc-salt-14"),
        pytest.param(_signed(date="2026-04-23T18:15:30+09:00"), id="offset-date"),
    ],
)
def test_check_signature_accepts(signed: SignedHeader) -> None:
    check_signature(signed, SECRET)


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param(_signed(secret="wrong-secret"), id="wrong-secret"),
        pytest.param(_signed(salt="a" * 11), id="salt-11"),
        pytest.param(_signed(salt="a" * 65), id="salt-65"),
        pytest.param(_signed(signature="z" * 64), id="non-hex"),
        pytest.param(_signed(signature="136410dd81666239"), id="truncated"),
        pytest.param(_signed(signature=_signed().signature + "00"), id="too-long"),
        pytest.param(
            _signed(signature=compute_signature(SECRET, "2026-04-23T18:15:30+09:00", SALT)),
            id="signed-other-date",
        ),
        pytest.param(_signed(signature="-" + _signed().signature[1:]), id="one-bad-char"),
    ],
)
def test_check_signature_rejects(signed: SignedHeader) -> None:
    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_signature(signed, SECRET)
    assert caught.value.code == "SignatureDoesNotMatch"

"""Parsing and checking ``Authorization: HMAC-SHA256 apiKey=.., date=.., salt=.., signature=..``.

Pure functions: no I/O, no clock of their own.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from crmcore.kernel.errors import RequestTimeTooSkewed, SignatureDoesNotMatch, Unauthenticated

ALGORITHMS = {"HMAC-SHA256": hashlib.sha256}
SALT_MIN, SALT_MAX = 12, 64
_REQUIRED = ("apikey", "date", "salt", "signature")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# ISO 8601 with a mandatory offset; the fraction may have any number of digits (Java sends 9).
_DATE = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})$"
)


@dataclass(frozen=True, slots=True)
class SignedHeader:
    algorithm: str
    api_key: str
    date: str
    salt: str
    signature: str


def parse_authorization(header: str | None) -> SignedHeader:
    """Split the header; parameter names are case-insensitive (the Python SDK sends ``ApiKey=``)."""
    if not header or not header.strip():
        raise Unauthenticated("The Authorization header is missing")
    scheme, _, rest = header.strip().partition(" ")
    algorithm = scheme.upper()
    if algorithm not in ALGORITHMS:
        raise Unauthenticated(f"Unsupported authentication scheme '{scheme[:32]}'")
    params: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise Unauthenticated("The Authorization header is malformed")
        params[name.strip().lower()] = value.strip()
    missing = [name for name in _REQUIRED if not params.get(name)]
    if missing:
        raise Unauthenticated(f"The Authorization header lacks {', '.join(missing)}")
    return SignedHeader(
        algorithm=algorithm,
        api_key=params["apikey"],
        date=params["date"],
        salt=params["salt"],
        signature=params["signature"],
    )


def parse_date(value: str) -> datetime:
    """Every date format SOLAPI's SDKs send; a date without an offset cannot be placed in time."""
    match = _DATE.match(value)
    if not match:
        raise RequestTimeTooSkewed(f"The date '{value[:40]}' is not an ISO 8601 time with offset")
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    zone = match["zone"].upper().replace("Z", "+00:00")
    if ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(f"{match['base']}.{fraction}{zone}")
    except ValueError as error:
        raise RequestTimeTooSkewed(f"The date '{value[:40]}' is not a valid time") from error


def check_freshness(signed: SignedHeader, now: datetime, skew: timedelta) -> datetime:
    moment = parse_date(signed.date)
    if abs(now - moment) >= skew:
        raise RequestTimeTooSkewed(
            f"The request time differs from the server time by {int(skew.total_seconds() // 60)} "
            "minutes or more"
        )
    return moment


def compute_signature(secret: str, date: str, salt: str, algorithm: str = "HMAC-SHA256") -> str:
    return _hmac_hex(secret, (date + salt).encode(), algorithm)


def _hmac_hex(secret: str, message: bytes, algorithm: str) -> str:
    return hmac.new(secret.encode(), message, ALGORITHMS[algorithm]).hexdigest()


def check_signature(signed: SignedHeader, secret: str) -> None:
    if not SALT_MIN <= len(signed.salt) <= SALT_MAX:
        raise SignatureDoesNotMatch(f"The salt must be {SALT_MIN} to {SALT_MAX} characters long")
    if not _HEX.match(signed.signature):
        raise SignatureDoesNotMatch("The signature does not match")
    # Header values arrive decoded as latin-1: encoding them back gives the exact bytes received.
    message = (signed.date + signed.salt).encode("latin-1", errors="replace")
    expected = _hmac_hex(secret, message, signed.algorithm)
    if not hmac.compare_digest(expected, signed.signature.lower()):
        raise SignatureDoesNotMatch("The signature does not match")

"""Request signing exactly as SOLAPI's SDKs do it, for tests and tools."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

DateFormat = Callable[[datetime], str]


def node_date(moment: datetime) -> str:
    """``new Date().toISOString()``: milliseconds and Z (SOLAPI's CRM samples)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def python_sdk_date(moment: datetime) -> str:
    """``datetime.now().astimezone().isoformat()``: microseconds and a local offset."""
    return moment.astimezone(timezone(timedelta(hours=9))).isoformat()


def seconds_z_date(moment: datetime) -> str:
    """``strftime('%Y-%m-%dT%H:%M:%SZ')`` (the auth docs, Go SDK)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def offset_seconds_date(moment: datetime) -> str:
    """date-fns ``formatISO``: local offset, no fraction."""
    return moment.astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m-%dT%H:%M:%S+09:00")


def nanoseconds_date(moment: datetime) -> str:
    """Java ``Instant.now().toString()``: nine fraction digits."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}123Z"


def sign(
    api_key: str,
    api_secret: str,
    *,
    moment: datetime | None = None,
    date_format: DateFormat = node_date,
    salt: str | None = None,
    python_sdk_names: bool = False,
) -> str:
    date = date_format(moment or datetime.now(UTC))
    salt = salt if salt is not None else secrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    if python_sdk_names:
        return f"HMAC-SHA256 ApiKey={api_key}, Date={date}, salt={salt}, signature={signature}"
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"

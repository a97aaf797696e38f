"""CRM object IDs: ``CRM`` + kind + ``1`` + ``yyMMddHHmmss`` + milliseconds + 11 random characters.

Every ID is 32 characters and sorts by creation time (to the millisecond).
"""

import os
import string
from datetime import datetime
from enum import StrEnum
from functools import cache

from crmcore.kernel.wire import utc_now

_ALPHANUMERIC = string.digits + string.ascii_uppercase + string.ascii_lowercase
_URL_SAFE = _ALPHANUMERIC + "-_"
_UPPER_ALPHANUMERIC = string.digits + string.ascii_uppercase


class IdKind(StrEnum):
    ENTITY = "ET"
    PROPERTY = "PP"
    PROPERTY_GROUP = "PG"
    RECORD = "RC"
    RELATIONSHIP = "RL"
    RELATIONSHIP_TYPE = "RT"
    SEGMENT = "SG"
    ACTIVITY = "AC"
    EVENT = "EV"
    FILE = "FL"
    LOG = "LG"


def _random(alphabet: str, length: int) -> str:
    """``length`` characters drawn uniformly from ``alphabet`` with the OS's CSPRNG.

    Random bytes are mapped to characters by ``bytes.translate`` (bulk writes draw thousands of
    IDs at once; ``secrets.choice``, one call per character, was a quarter of an import's time);
    bytes past the largest multiple of the alphabet's size are dropped so that every character
    stays equally likely.
    """
    table, dropped = _translation(alphabet)
    drawn = b""
    while len(drawn) < length:
        # A quarter more than needed leaves a shortfall (and a second draw) very unlikely.
        drawn += os.urandom(length + length // 4 + 8).translate(table, dropped)
    return drawn[:length].decode("ascii")


@cache
def _translation(alphabet: str) -> tuple[bytes, bytes]:
    """``bytes.translate`` arguments: byte ``b`` becomes ``alphabet[b % size]``; bytes at or past
    the largest multiple of ``size`` are deleted."""
    size = len(alphabet)
    limit = 256 - 256 % size
    table = bytes(ord(alphabet[byte % size]) for byte in range(256))
    return table, bytes(range(limit, 256))


def _prefix(kind: IdKind, moment: datetime) -> str:
    # Cut from isoformat (C, 3 µs) rather than strftime'd (9 µs for an aware datetime; a
    # create makes two IDs).
    iso = moment.isoformat(timespec="milliseconds")  # 2026-04-22T15:30:00.123+00:00
    stamp = iso[2:4] + iso[5:7] + iso[8:10] + iso[11:13] + iso[14:16] + iso[17:19] + iso[20:23]
    return f"CRM{kind.value}1{stamp}"


def new_id(kind: IdKind, now: datetime | None = None) -> str:
    return _prefix(kind, now or utc_now()) + _random(_ALPHANUMERIC, 11)


def new_ids(kind: IdKind, now: datetime, count: int) -> list[str]:
    """``count`` IDs of one moment, sorted (so they keep the order they are handed out in), from
    one draw of random characters (bulk writes create thousands at once)."""
    prefix = _prefix(kind, now)
    pool = _random(_ALPHANUMERIC, 11 * count)
    return sorted(prefix + pool[i : i + 11] for i in range(0, 11 * count, 11))


def new_account_id(now: datetime | None = None) -> str:
    """14 digits: the creation date ``yyMMdd`` then 8 random digits, like SOLAPI's account IDs."""
    moment = now or utc_now()
    return moment.strftime("%y%m%d") + _random(string.digits, 8)


def new_member_id() -> str:
    return "MEM" + _random(_URL_SAFE, 11)


def new_api_key() -> str:
    return "NCS" + _random(_UPPER_ALPHANUMERIC, 13)


def new_api_secret() -> str:
    return _random(_UPPER_ALPHANUMERIC, 32)

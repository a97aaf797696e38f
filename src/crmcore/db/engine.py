"""Engine construction: the SQLite pragmas and the PostgreSQL pool live here."""

import json
import threading
import weakref
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry

from crmcore.config import Settings


def load_json(document: str | bytes) -> Any:
    """JSON columns as read back: numbers beyond 64-bit integers become floats, as the request
    parser makes them. PostgreSQL's JSONB writes a stored 1e19 or 1e300 out as an integer of 20 or
    301 digits, which the response encoder cannot write (a row that could never be read again)."""
    try:
        return orjson.loads(document)
    except orjson.JSONDecodeError:
        # Rows written before request bodies were strict JSON may hold NaN or Infinity.
        return json.loads(document, parse_int=_int_within_64_bits)


def dump_json(value: Any) -> str:
    """JSON columns as written: by orjson (a create writes two documents, json.dumps took ten
    times as long), or by ``json`` for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def _int_within_64_bits(text: str) -> int | float:
    number = int(text)
    return number if -(2**63) <= number < 2**64 else float(number)


def make_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if settings.is_sqlite:
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
        json_serializer=dump_json,
        json_deserializer=load_json,
        # Error messages and logs never show statement parameters (a spent signature, a value).
        hide_parameters=True,
    )


class _WriteWaiters:
    """The threads of this process waiting for SQLite's write lock.

    SQLite's lock is not fair: a waiter sleeps in its busy handler and retries every 100 ms, so
    a job committing batch after batch (a new transaction microseconds after the last) took the
    lock again every time, and a request waiting behind it gave up after its 30 s busy timeout
    (503). Jobs let the waiters in between their transactions (``yield_to_writers``).
    """

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()


_WAITERS: "weakref.WeakKeyDictionary[Engine, _WriteWaiters]" = weakref.WeakKeyDictionary()


def yield_to_writers(engine: Engine, timeout: float = 2.0) -> None:
    """SQLite: wait (up to ``timeout``) until the writers waiting in this process have the lock.
    A no-op elsewhere (PostgreSQL's row locks queue fairly)."""
    waiters = _WAITERS.get(engine)
    if waiters is None:
        return
    with waiters.changed:
        waiters.changed.wait_for(lambda: waiters.count == 0, timeout)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=dump_json,
        json_deserializer=load_json,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver so every transaction can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    waiters = _WriteWaiters()
    _WAITERS[engine] = waiters

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Every request writes (at least its replay record); taking the write lock up front makes
        # read-then-write checks (quotas, uniqueness) race-free and avoids SQLITE_BUSY upgrades.
        with waiters.changed:
            waiters.count += 1
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            with waiters.changed:
                waiters.count -= 1
                waiters.changed.notify_all()

    return engine

"""Replay stores: a signature may be used once within its window, across every server process."""

import time
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crmcore.db.dialect import insert_ignoring_conflicts
from crmcore.db.session import UnitOfWork
from crmcore.kernel.wire import utc_now
from crmcore.models import UsedSignature


class ReplayStore(Protocol):
    def claim(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> bool:
        """Record the signature; False when it was already used."""


class DatabaseReplayStore:
    """Signatures in the request's own transaction, so the happy path costs no extra commit.

    A request that fails still spends its signature: it is written again after the rollback.
    """

    def __init__(self, purge_every: timedelta = timedelta(minutes=1)) -> None:
        self._purge_every = purge_every.total_seconds()
        self._next_purge = 0.0

    def claim(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> bool:
        values = {"account_id": account_id, "signature": signature.lower(), "expires_at": until}
        table = UsedSignature.__table__
        claimed = insert_ignoring_conflicts(uow.session, table, values)  # type: ignore[arg-type]
        if claimed:
            uow.after_rollback(
                lambda session: insert_ignoring_conflicts(session, table, values)  # type: ignore[arg-type]
            )
            self._purge_expired(uow.session)
        return claimed

    def _purge_expired(self, session: Session) -> None:
        monotonic = time.monotonic()
        if monotonic < self._next_purge:
            return
        self._next_purge = monotonic + self._purge_every
        session.execute(delete(UsedSignature).where(UsedSignature.expires_at < utc_now()))


class RedisReplayStore:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def claim(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> bool:
        seconds = max(1, int((until - datetime.now(until.tzinfo)).total_seconds()) + 1)
        key = f"crmcore:sig:{account_id}:{signature.lower()}"
        return bool(self._redis.set(key, b"1", nx=True, ex=seconds))

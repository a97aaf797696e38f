"""Replay stores: a signature may be used once within its window, across every server process."""

import time
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from crmcore.db.dialect import insert_ignoring_conflicts, is_postgresql
from crmcore.db.direct import DirectStatement
from crmcore.db.session import GuardedWrite, UnitOfWork
from crmcore.kernel.wire import utc_now
from crmcore.models import UsedSignature
from crmcore.models.account import KeyStatus

_TABLE = cast(Table, UsedSignature.__table__)


def _values(account_id: str, signature: str, until: datetime) -> dict[str, Any]:
    return {"account_id": account_id, "signature": signature.lower(), "expires_at": until}


class ReplayStore(Protocol):
    def claim(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> bool:
        """Record the signature; False when it was already used."""

    def claiming(
        self, uow: UnitOfWork, lookup: Select[Any], write: GuardedWrite | None = None
    ) -> DirectStatement | None:
        """``lookup`` (at most one row, with ``account_id`` and ``key_status`` columns) made to
        also claim the signature for that account when the key is active, reporting it in a
        boolean ``claimed`` column: one round trip instead of two. Its bound parameters gain
        ``signature`` (lower case) and ``expires_at``. None: this store claims with ``claim``.

        The claim is made before the caller checks the signature; a request that fails its
        checks rolls it back with its transaction, and ``keep`` makes it survive a rollback.

        With ``write``: that write too, guarded by the claim (it writes only when the signature
        was claimed now), and only the booleans ``found`` (the lookup found its row),
        ``claimed`` and ``written`` (the write's RETURNING gave a row)."""

    def keep(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> None:
        """A signature claimed by a ``claiming`` lookup passed the checks: it stays spent even
        if the request's transaction rolls back."""


class DatabaseReplayStore:
    """Signatures in the request's own transaction, so the happy path costs no extra commit.

    A request that fails still spends its signature: it is written again after the rollback.
    """

    def __init__(self, purge_every: timedelta = timedelta(minutes=1)) -> None:
        self._purge_every = purge_every.total_seconds()
        self._next_purge = 0.0
        self._claiming: dict[tuple[int, int], DirectStatement] = {}

    def claim(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> bool:
        values = _values(account_id, signature, until)
        claimed = insert_ignoring_conflicts(uow.session, _TABLE, values)
        if claimed:
            self.keep(uow, account_id, signature, until)
        return claimed

    def claiming(
        self, uow: UnitOfWork, lookup: Select[Any], write: GuardedWrite | None = None
    ) -> DirectStatement | None:
        # SQLite takes no INSERT inside a WITH.
        if not is_postgresql(uow.session):
            return None
        statement = self._claiming.get((id(lookup), id(write)))
        if statement is None:
            found = lookup.cte("found_key")
            claim = (
                pg_insert(_TABLE)
                .from_select(
                    ["account_id", "signature", "expires_at"],
                    select(
                        found.c.account_id,
                        bindparam("signature", type_=_TABLE.c.signature.type),
                        bindparam("expires_at", type_=_TABLE.c.expires_at.type),
                    ).where(found.c.key_status == KeyStatus.ACTIVE),
                )
                .on_conflict_do_nothing()
                .returning(_TABLE.c.account_id)
                .cte("claimed")
            )
            claimed = exists(select(claim.c.account_id))
            if write is None:
                claiming = select(found, claimed.label("claimed"))
                # Run on its own, the claim commits without waiting for the WAL flush (about
                # 50 µs of the database's CPU, and the wait): a write that follows commits
                # durably, which flushes the claim before it; a read has nothing else to keep.
                lazy_commit = func.set_config("synchronous_commit", "off", True).label("lazy")
                statement = DirectStatement(claiming, when_alone=claiming.add_columns(lazy_commit))
            else:
                written = write(claimed).cte("written")
                statement = DirectStatement(
                    select(
                        exists(select(found.c.account_id)).label("found"),
                        claimed.label("claimed"),
                        exists(select(*written.c)).label("written"),
                    )
                )
            self._claiming[id(lookup), id(write)] = statement
        return statement

    def keep(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> None:
        values = _values(account_id, signature, until)

        def spend_again(session: Session) -> None:
            insert_ignoring_conflicts(session, _TABLE, values)

        uow.after_rollback(spend_again)
        self._purge_expired(uow.session)

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

    def claiming(
        self, uow: UnitOfWork, lookup: Select[Any], write: GuardedWrite | None = None
    ) -> DirectStatement | None:
        return None

    def keep(self, uow: UnitOfWork, account_id: str, signature: str, until: datetime) -> None:
        """Nothing to do: Redis keeps a claim whatever the request's transaction does."""

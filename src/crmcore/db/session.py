"""The unit of work: one transaction per request, committed on success, rolled back on error."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Engine, Insert, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from crmcore.db.dialect import is_postgresql

RollbackHook = Callable[[Session], None]
#: An INSERT ... RETURNING built around a condition that must hold for it to write anything (see
#: ``Opening``): a module-level function, whose statement is built once per kind of opening.
GuardedWrite = Callable[[ColumnElement[bool]], Insert]

_OPENING = "crmcore.opening"


class Opening(Protocol):
    """Work a request owes before anything else it does with the database: a signature claimed,
    with the facts of a remembered API key checked (``auth.keys``). It runs as the first
    statement of the session's transaction, or is carried by the request's first statement
    when that statement can do it itself (``run_with``), saving a round trip. A request that
    ends without running it runs it then, before answering."""

    def run_first(self, connection: Connection) -> None:
        """On the connection of the session's transaction, which has run nothing yet; raises
        when it fails."""

    def run_with(
        self, session: Session, write: GuardedWrite, parameters: Mapping[str, Any]
    ) -> bool:
        """``write``, writing only when the opening succeeds, in one statement with it,
        committed on its own. True when the write wrote; raises when the opening failed."""


class UnitOfWork:
    """A session plus work that must survive a rollback (e.g. remembering a used signature)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_rollback: list[RollbackHook] = []
        self._after_commit: list[Callable[[], None]] = []

    def open_with(self, opening: Opening) -> None:
        """``opening`` before anything else of this unit of work (see ``Opening``)."""
        self.session.info[_OPENING] = opening

    def reads_only(self) -> None:
        """The rest of the request only reads: on PostgreSQL, when the transaction has not
        begun, each statement runs on its own, without the BEGIN and COMMIT round trips (at
        READ COMMITTED each statement reads its own snapshot either way). Not for reads that
        set anything for their transaction (``SET LOCAL``). The connection goes back to the
        pool in transaction mode (SQLAlchemy resets the isolation level it was given)."""
        session = self.session
        if session.in_transaction() or not is_postgresql(session):
            return
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Work that must only happen once the transaction is committed (and never otherwise)."""
        self._after_commit.append(hook)

    def run_commit_hooks(self) -> None:
        for hook in self._after_commit:
            hook()

    def after_rollback(self, hook: RollbackHook) -> None:
        self._after_rollback.append(hook)

    def run_rollback_hooks(self, factory: sessionmaker[Session]) -> None:
        for hook in self._after_rollback:
            with factory.begin() as session:
                hook(session)


def has_unflushed_objects(session: Session) -> bool:
    """Objects added, changed or deleted but not yet flushed: work of the transaction too."""
    return bool(session.new or session.dirty or session.deleted)


def take_opening(session: Session) -> Opening | None:
    """The opening a statement about to run alone, on its own connection, must carry: the one
    the session owes, when the session has run nothing yet. The statement takes it over."""
    if session.in_transaction() or has_unflushed_objects(session):
        return None
    opening: Opening | None = session.info.pop(_OPENING, None)
    return opening


def owes_opening(session: Session) -> bool:
    return _OPENING in session.info


def _run_opening(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    opening: Opening | None = session.info.pop(_OPENING, None)
    if opening is not None:
        opening.run_first(connection)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=False)
    event.listen(factory, "after_begin", _run_opening)
    return factory


def _settle_opening(session: Session) -> None:
    """A request that failed before running its opening: run it now, on its own, so that an
    API key that no longer holds is reported instead of the request's own error."""
    if not owes_opening(session):
        return
    try:
        session.connection()  # runs it (``_run_opening``)
        session.commit()
    finally:
        session.close()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    session = factory()
    uow = UnitOfWork(session)
    try:
        yield uow
        if owes_opening(session):
            session.connection()  # nothing ran: the opening is still owed
        # A session that never began (a create: its statements commit on their own) has
        # nothing to commit; adding an object begins one, so no pending object is skipped.
        if session.in_transaction():
            session.commit()
        uow.run_commit_hooks()
    except BaseException:
        session.rollback()
        session.close()
        _settle_opening(session)
        uow.run_rollback_hooks(factory)
        raise
    finally:
        session.close()


def flush_unique(session: Session, conflict: Callable[[], Exception]) -> None:
    """Flush; a unique-index violation (two requests racing for one name) becomes ``conflict()``.

    Services check uniqueness first for a friendly error; the database index has the last word.
    """
    try:
        session.flush()
    except IntegrityError as error:
        raise conflict() from error

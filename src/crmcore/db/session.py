"""The unit of work: one transaction per request, committed on success, rolled back on error."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crmcore.db.dialect import is_postgresql

RollbackHook = Callable[[Session], None]


class UnitOfWork:
    """A session plus work that must survive a rollback (e.g. remembering a used signature)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_rollback: list[RollbackHook] = []
        self._after_commit: list[Callable[[], None]] = []

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


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    session = factory()
    uow = UnitOfWork(session)
    try:
        yield uow
        # A session that never began (a create: its statements commit on their own) has
        # nothing to commit; adding an object begins one, so no pending object is skipped.
        if session.in_transaction():
            session.commit()
        uow.run_commit_hooks()
    except BaseException:
        session.rollback()
        session.close()
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

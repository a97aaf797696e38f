"""Direct statements (``db/direct.py``) behave as the same statements run by SQLAlchemy: same
values written, same rows read, same errors raised, a broken connection never reused."""

from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import Table, bindparam, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crmcore.db.direct import DirectStatement
from crmcore.db.session import unit_of_work
from crmcore.models import Record, UsedSignature

#: For what only PostgreSQL has: SQLite runs direct statements through SQLAlchemy.
postgresql_only = pytest.mark.parametrize(
    "settings", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
sqlite_only = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
SIGNATURES = UsedSignature.__table__
assert isinstance(SIGNATURES, Table)
# A value bound by the statement itself (the literal) beside one given with each execution.
CLAIM = (
    insert(SIGNATURES)
    .from_select(
        ["account_id", "signature", "expires_at"],
        select(
            literal("ACCOUNT1"),
            bindparam("signature", type_=SIGNATURES.c.signature.type),
            bindparam("expires_at", type_=SIGNATURES.c.expires_at.type),
        ),
    )
    .returning(SIGNATURES.c.account_id, SIGNATURES.c.signature)
)


def _values(signature: str) -> dict[str, object]:
    # Given in another zone: the column type's bind processor stores it as UTC.
    moment = datetime(2026, 12, 7, 9, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=9)))
    return {"signature": signature, "expires_at": moment}


def _expiry() -> dict[str, datetime]:
    return {"expires_at": datetime(2026, 12, 7, 9, 0, tzinfo=UTC)}


def test_rows_and_written_values_are_those_of_sqlalchemy(sessions: sessionmaker[Session]) -> None:
    direct = DirectStatement(CLAIM)
    with sessions.begin() as session:
        row = direct.first(session, _values("ab12"))
        assert (row.account_id, row.signature) == ("ACCOUNT1", "ab12")
    with sessions() as session:
        stored = session.scalars(select(UsedSignature)).one()
    assert (stored.account_id, stored.signature) == ("ACCOUNT1", "ab12")
    assert stored.expires_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_no_row_is_none(sessions: sessionmaker[Session]) -> None:
    nothing = DirectStatement(select(SIGNATURES.c.signature).where(SIGNATURES.c.signature == "x"))
    with sessions() as session:
        assert nothing.first(session, {}) is None


def test_a_write_is_part_of_the_sessions_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        DirectStatement(CLAIM).first(session, _values("cd34"))
        session.rollback()
    with sessions() as session:
        assert session.scalars(select(UsedSignature)).all() == []


def test_driver_errors_are_sqlalchemys(sessions: sessionmaker[Session]) -> None:
    direct = DirectStatement(CLAIM)
    with sessions() as session:
        direct.first(session, _values("ef56"))
        with pytest.raises(IntegrityError):
            direct.first(session, _values("ef56"))


@postgresql_only
def test_columns_sqlalchemy_must_read_are_refused(sessions: sessionmaker[Session]) -> None:
    """A column whose type converts what the driver reads (timestamps made UTC) is refused
    rather than read unlike SQLAlchemy would read it."""
    statement = DirectStatement(select(Record.date_created))
    with sessions() as session, pytest.raises(TypeError, match="date_created"):
        statement.first(session, {})


@postgresql_only
def test_a_broken_connection_is_not_reused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        with sessions.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError):
            DirectStatement(CLAIM).first(session, _values("gh78"))
    with sessions.begin() as session:  # a fresh connection, not the dead one
        assert DirectStatement(CLAIM).first(session, _values("gh78")) is not None


def _stored(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(UsedSignature.signature)))


@postgresql_only
def test_alone_first_statement_is_committed_on_its_own(sessions: sessionmaker[Session]) -> None:
    """Run alone before anything else, a write stays when the session then rolls back; what
    the session runs afterwards is a transaction again (rolled back as a whole)."""
    direct = DirectStatement(CLAIM)
    with sessions() as session:
        direct.first(session, _values("alone"), alone=True)
        direct.first(session, _values("after1"))
        direct.first(session, _values("after2"), alone=True)  # the transaction has begun
        session.rollback()
    assert _stored(sessions) == ["alone"]


@postgresql_only
def test_alone_after_other_statements_joins_the_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        session.execute(select(literal(1)))
        DirectStatement(CLAIM).first(session, _values("joined"), alone=True)
        session.rollback()
    assert _stored(sessions) == []


@postgresql_only
def test_a_connection_used_alone_goes_back_to_transactions(
    sessions: sessionmaker[Session],
) -> None:
    """The pool hands the same connection out again: it must not be left in autocommit."""
    direct = DirectStatement(CLAIM)
    with sessions() as session:
        direct.first(session, _values("first"), alone=True)
        session.commit()
    with sessions() as session:
        direct.first(session, _values("second"))
        direct.first(session, _values("third"))
        session.rollback()
    assert _stored(sessions) == ["first"]


@postgresql_only
def test_a_failed_alone_statement_leaves_a_usable_connection(
    sessions: sessionmaker[Session],
) -> None:
    direct = DirectStatement(CLAIM)
    with sessions() as session:
        direct.first(session, _values("dup"), alone=True)
        with pytest.raises(IntegrityError):
            direct.first(session, _values("dup"), alone=True)
        direct.first(session, _values("later"))
        session.rollback()
    assert _stored(sessions) == ["dup"]


@sqlite_only
def test_alone_joins_the_transaction_on_sqlite(sessions: sessionmaker[Session]) -> None:
    """SQLite has one writer: a second commit per request would cost more than it saves."""
    with sessions() as session:
        DirectStatement(CLAIM).first(session, _values("sqlite"), alone=True)
        session.rollback()
    assert _stored(sessions) == []


@postgresql_only
def test_a_broken_pooled_connection_is_not_reused_alone(sessions: sessionmaker[Session]) -> None:
    """A statement run alone takes a connection of its own from the pool: one that died while
    idle there is dropped, and the next statement gets a live one."""
    with sessions() as doomed:
        pid = doomed.scalar(text("SELECT pg_backend_pid()"))
        with sessions() as killer:  # a second connection; the pool then holds both
            killer.connection()
            doomed.commit()
            doomed.close()
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killer.commit()
    direct = DirectStatement(CLAIM)
    failed = []
    for attempt in range(2):  # the pool hands out one, then the other
        with sessions() as session:
            try:
                direct.first(session, _values(f"try{attempt}"), alone=True)
            except OperationalError:
                failed.append(attempt)
    assert len(failed) == 1
    for attempt in range(2):
        with sessions() as session:
            assert direct.first(session, _values(f"live{attempt}"), alone=True) is not None


@postgresql_only
def test_alone_after_an_added_object_joins_the_transaction(
    sessions: sessionmaker[Session],
) -> None:
    """An object added but not flushed is work of the transaction: a statement asked to run
    alone after it joins the transaction rather than commit without it."""
    with sessions() as session:
        pending = UsedSignature(account_id="ACCOUNT1", signature="pending", **_expiry())
        session.add(pending)
        session.connection()  # the transaction has a connection, yet has sent nothing
        DirectStatement(CLAIM).first(session, _values("joined"), alone=True)
        session.rollback()
    assert _stored(sessions) == []


@postgresql_only
def test_the_alone_variant_runs_only_on_its_own(sessions: sessionmaker[Session]) -> None:
    """A cheaper commit asked for by the statement run alone stays with it: the next
    transaction, and a statement joining one, keep the full commit."""
    lazy = select(func.set_config("synchronous_commit", "off", True).label("commit"))
    direct = DirectStatement(select(literal("joined").label("commit")), when_alone=lazy)
    with sessions() as session:
        assert direct.first(session, {}, alone=True).commit == "off"
        assert session.scalar(text("SHOW synchronous_commit")) == "on"
        assert direct.first(session, {}, alone=True).commit == "joined"
        assert session.scalar(text("SHOW synchronous_commit")) == "on"


@postgresql_only
def test_a_read_only_unit_of_work_leaves_no_autocommit_behind(
    sessions: sessionmaker[Session],
) -> None:
    """``reads_only`` runs statements without a transaction; the pool's next user of that
    connection gets transactions again (its writes roll back together)."""
    with unit_of_work(sessions) as uow:
        uow.reads_only()
        assert uow.session.scalar(select(literal(1))) == 1
        driver = uow.session.connection().connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        assert driver.autocommit
    direct = DirectStatement(CLAIM)
    with sessions() as session:  # the pool's only idle connection: the one just used
        assert session.connection().connection.driver_connection is driver
        direct.first(session, _values("w1"))
        direct.first(session, _values("w2"))
        session.rollback()
    assert _stored(sessions) == []


@postgresql_only
def test_reads_only_keeps_a_begun_transaction(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        DirectStatement(CLAIM).first(uow.session, _values("begun"))
        uow.reads_only()
        uow.session.rollback()
    assert _stored(sessions) == []

"""A unit of work's opening (``db.session.Opening``): whatever the request does with the database,
the opening comes first, exactly once, and a request that did nothing still runs it before it
answers."""

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from crmcore.db.direct import DirectStatement
from crmcore.db.session import GuardedWrite, take_opening, unit_of_work
from crmcore.models import UsedSignature
from tests.db.test_direct_statements import CLAIM, _values


class Refused(Exception):
    pass


class OwnError(Exception):
    """The request's own error."""


class Recording:
    """An opening that writes a signature of its own, so that what it did is visible in the
    database (and undone with its transaction)."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.runs = 0
        self.refuse = refuse

    def run_first(self, connection: Connection) -> None:
        self.runs += 1
        # Nothing else of the transaction ran before it.
        assert connection.execute(select(UsedSignature.signature)).all() == []
        connection.execute(CLAIM, _values("opening"))
        if self.refuse:
            raise Refused

    def run_with(
        self, session: Session, write: GuardedWrite, parameters: Mapping[str, Any]
    ) -> bool:
        raise AssertionError("not carried in these tests")


def _fail_before_any_statement(sessions: sessionmaker[Session], opening: Recording) -> None:
    with unit_of_work(sessions) as uow:
        uow.open_with(opening)
        raise OwnError


def _signatures(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(UsedSignature.signature)))


def test_the_opening_runs_first_and_once(sessions: sessionmaker[Session]) -> None:
    opening = Recording()
    with unit_of_work(sessions) as uow:
        uow.open_with(opening)
        DirectStatement(CLAIM).first(uow.session, _values("first"))
        DirectStatement(CLAIM).first(uow.session, _values("second"))
    assert opening.runs == 1
    assert _signatures(sessions) == ["first", "opening", "second"]


def test_a_statement_meant_to_run_alone_joins_the_transaction_the_opening_began(
    sessions: sessionmaker[Session],
) -> None:
    opening = Recording()

    def failing() -> None:
        with unit_of_work(sessions) as uow:
            uow.open_with(opening)
            DirectStatement(CLAIM).first(uow.session, _values("alone"), alone=True)
            raise Refused

    with pytest.raises(Refused):
        failing()
    # Both rolled back together: the statement did not commit on its own after the opening.
    assert opening.runs == 1
    assert _signatures(sessions) == []


def test_a_request_that_ran_nothing_still_runs_its_opening(sessions: sessionmaker[Session]) -> None:
    opening = Recording()
    with unit_of_work(sessions) as uow:
        uow.open_with(opening)
    assert opening.runs == 1
    assert _signatures(sessions) == ["opening"]


def test_a_request_failing_before_any_statement_runs_its_opening_before_its_error(
    sessions: sessionmaker[Session],
) -> None:
    opening = Recording()
    with pytest.raises(OwnError):
        _fail_before_any_statement(sessions, opening)
    assert opening.runs == 1
    assert _signatures(sessions) == ["opening"]


def test_an_opening_that_fails_answers_instead_of_the_requests_error(
    sessions: sessionmaker[Session],
) -> None:
    with pytest.raises(Refused):
        _fail_before_any_statement(sessions, Recording(refuse=True))
    assert _signatures(sessions) == []


def test_only_a_session_that_ran_nothing_hands_its_opening_over(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as uow:
        opening = Recording()
        uow.open_with(opening)
        assert take_opening(uow.session) is opening
        assert take_opening(uow.session) is None  # taken over: the statement carries it
    assert opening.runs == 0
    with unit_of_work(sessions) as uow:
        uow.session.add(UsedSignature(**_values("pending"), account_id="ACCOUNT1"))
        later = Recording()
        uow.open_with(later)
        assert take_opening(uow.session) is None  # a pending object is work of the transaction
    assert later.runs == 1
    assert _signatures(sessions) == ["opening", "pending"]

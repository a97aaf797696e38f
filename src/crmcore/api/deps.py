"""Request dependencies: the unit of work and the authenticated Context."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from crmcore.db.dialect import skip_commit_flush
from crmcore.db.session import UnitOfWork, unit_of_work
from crmcore.kernel.context import Context
from crmcore.kernel.wire import utc_now
from crmcore.storage import FileLinks


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with unit_of_work(request.app.state.session_factory) as uow:
        if request.method == "GET":
            skip_commit_flush(uow.session)
        yield uow


# scope="function": the transaction commits after the endpoint returns and before the response
# is sent, so a client never sees success for a write that did not commit.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


def _context(request: Request, uow: UnitOfWorkDep) -> Context:
    now = utc_now()
    caller = request.app.state.authenticator.authenticate(
        uow, request.headers.get("authorization"), now
    )
    state = request.app.state
    settings = state.settings
    return Context(
        uow=uow,
        caller=caller,
        now=now,
        cursors=state.cursors,
        indexes=state.indexes,
        settings=settings,
        blobs=state.blobs,
        links=FileLinks(state.signer, settings.public_url or str(request.base_url)),
    )


def authenticate_request(request: Request) -> None:
    """Authenticate in a unit of work of its own (for requests that fail before dependencies)."""
    with unit_of_work(request.app.state.session_factory) as uow:
        request.app.state.authenticator.authenticate(
            uow, request.headers.get("authorization"), utc_now()
        )


ContextDep = Annotated[Context, Depends(_context)]

"""Request dependencies: the unit of work and the authenticated Context."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from crmcore.auth.keys import CallerChanged
from crmcore.db.dialect import skip_commit_flush
from crmcore.db.session import UnitOfWork, unit_of_work
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.wire import utc_now
from crmcore.storage import FileLinks

T = TypeVar("T")


@contextmanager
def _request_unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with unit_of_work(request.app.state.session_factory) as uow:
        if request.method == "GET":
            skip_commit_flush(uow.session)
        yield uow


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with _request_unit_of_work(request) as uow:
        yield uow


# scope="function": the transaction commits after the endpoint returns and before the response
# is sent, so a client never sees success for a write that did not commit.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


@contextmanager
def request_context(request: Request, *, claim_late: bool = False) -> Iterator[Context]:
    """The request's unit of work and authenticated caller; committed when the block ends.
    ``claim_late``: see ``Authenticator.authenticate`` (and ``run_in_context``)."""
    with unit_of_work(request.app.state.session_factory) as uow:
        now = utc_now()
        caller = request.app.state.authenticator.authenticate(
            uow, request.headers.get("authorization"), now, claim_late=claim_late
        )
        # A read's only write is its spent signature. Claimed in this transaction, it need not
        # wait for the WAL flush at commit; claimed on its own (a remembered key), it left the
        # transaction unbegun, and a SET now would cost a round trip for nothing.
        if request.method == "GET" and uow.session.in_transaction():
            skip_commit_flush(uow.session)
        yield context_of(request, uow, caller, now)


def run_in_context(request: Request, work: Callable[[Context], T], *, claim_late: bool) -> T:
    """``work`` in the request's Context, committed after it returns.

    ``claim_late``: a remembered API key's signature is claimed, and its facts checked, by the
    request's first statement (one round trip less for a create). When those facts no longer
    hold, nothing was written, and the request runs again from the key's row."""
    if claim_late:
        try:
            with request_context(request, claim_late=True) as ctx:
                return work(ctx)
        except CallerChanged:
            pass
    with request_context(request) as ctx:
        return work(ctx)


def _routed_by_crm_route() -> None:
    raise RuntimeError("ContextDep is opened by CrmRoute: route the endpoint with it")


def _routed_by_crm_route_claiming_late() -> None:
    raise RuntimeError("LateClaimContextDep is opened by CrmRoute: route the endpoint with it")


def context_of(request: Request, uow: UnitOfWork, caller: Caller, now: datetime) -> Context:
    """The Context of an already authenticated caller."""
    return build_context(request.app.state, uow, caller, now, str(request.base_url))


def build_context(
    state: Any, uow: UnitOfWork, caller: Caller, now: datetime, base_url: str
) -> Context:
    """THE way a Context is made from the app's state, for requests and background jobs alike;
    file links point at ``CRMCORE_PUBLIC_URL`` when set, else at ``base_url``."""
    settings = state.settings
    return Context(
        uow=uow,
        caller=caller,
        now=now,
        cursors=state.cursors,
        indexes=state.indexes,
        settings=settings,
        blobs=state.blobs,
        links=FileLinks(state.signer, settings.public_url or base_url),
    )


def authenticate_request(request: Request) -> Caller:
    """Authenticate in a unit of work of its own, committed at once (for requests that fail
    before dependencies, and for uploads, whose body is read between authentication and the
    request's transaction)."""
    with unit_of_work(request.app.state.session_factory) as uow:
        caller: Caller = request.app.state.authenticator.authenticate(
            uow, request.headers.get("authorization"), utc_now()
        )
        return caller


#: The authenticated Context of a sync endpoint routed by ``CrmRoute``, which opens it in the
#: endpoint's worker thread (one trip from the event loop to a thread does authentication, the
#: work and the commit): after every other parameter is read, committed after the endpoint
#: returns and before the response is sent.
ContextDep = Annotated[Context, Depends(_routed_by_crm_route)]

#: A ``ContextDep`` whose signature is claimed by the endpoint's first statement when the key is
#: remembered (``run_in_context``); for endpoints whose first statement can carry the claim (a
#: record's create). Safe for any endpoint: a transaction runs the claim first.
LateClaimContextDep = Annotated[Context, Depends(_routed_by_crm_route_claiming_late)]

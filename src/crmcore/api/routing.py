"""The route class of every CRM endpoint: strict, NUL-free, shallow JSON and NUL-free URLs, and
authentication answered before any of these input errors."""

import asyncio
import contextvars
import functools
import inspect
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, get_type_hints

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from crmcore.api.deps import (
    ContextDep,
    LateClaimContextDep,
    authenticate_request,
    run_in_context,
)
from crmcore.api.errors import NUL_IN_BODY, NUL_IN_URL, TOO_DEEP
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.wire import MAX_JSON_DEPTH, contains_nul, json_depth

T = TypeVar("T")


def _is_body_parse_error(error: RequestValidationError) -> bool:
    return any(item.get("type") == "json_invalid" for item in error.errors())


class StrictJsonRequest(Request):
    """Bodies are read as RFC 8259 JSON (orjson). Python's ``json`` also takes ``NaN``,
    ``Infinity`` and lone surrogates (``"\\ud800"``), which no database column and no response
    encoder accepts, and integers of any size; here those are not JSON, integers beyond 64 bits
    become floats (as JavaScript reads them), and NUL characters and deep nesting are refused."""

    async def json(self) -> Any:
        body = await self.body()
        parsed = orjson.loads(body)  # orjson.JSONDecodeError is a json.JSONDecodeError
        # The parsed value is walked only when the bytes allow the problem: JSON writes NUL
        # as an escape, and nesting needs as many brackets (a create's body has three).
        if b"\\u0000" in body and contains_nul(parsed):
            raise json.JSONDecodeError(NUL_IN_BODY, body.decode("utf-8", "replace"), 0)
        brackets = body.count(b"{") + body.count(b"[")
        if brackets > MAX_JSON_DEPTH and json_depth(parsed) > MAX_JSON_DEPTH:
            raise json.JSONDecodeError(TOO_DEEP, body.decode("utf-8", "replace"), 0)
        return parsed


def _url_has_nul(request: Request) -> bool:
    if "\x00" in request.scope["path"]:  # already percent-decoded
        return True
    raw_query: bytes = request.scope.get("query_string", b"")
    # Decoding makes a NUL only of "%00" or a raw NUL: without either (nearly every request) the
    # query need not be parsed here.
    if b"%00" not in raw_query and b"\x00" not in raw_query:
        return False
    return any("\x00" in name + value for name, value in request.query_params.multi_items())


#: The parameter through which FastAPI hands an endpoint's wrapper the request.
_REQUEST = "crmcore_request"


def request_threads(pool_size: int) -> ThreadPoolExecutor:
    """The threads that run the endpoints of one server process: as many as its pooled
    database connections. A request holds at most one connection at a time, so requests never
    wait for one, and the pool's overflow is never opened and closed per request (a PostgreSQL
    backend started for each: with 40 threads over 10 connections, the bench's creates fell by
    up to a third whenever a process got more than 10 clients). Requests beyond them queue for
    a thread."""
    return ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="crmcore-request")


async def _in_worker(request: Request, work: Callable[[], T]) -> T:
    """``work`` on a request thread, with this task's context variables (as anyio passes them).

    Not anyio's ``to_thread``: its capacity limiter, cancel scopes and run-vars cost about 175k
    instructions a request beyond the hop itself (callgrind, a bare FastAPI app, 861k against
    686k instructions a request), as much as checking a signature."""
    loop = asyncio.get_running_loop()
    threads: ThreadPoolExecutor = request.app.state.request_threads
    return await loop.run_in_executor(threads, contextvars.copy_context().run, work)


def _opening_context(endpoint: Callable[..., Any]) -> Callable[..., Any] | None:
    """The endpoint, made to open its ``ContextDep`` itself (authenticate, run, commit, all in
    one worker thread); None when it takes no Context.

    FastAPI sees the endpoint's parameters with the Context replaced by the request, which it
    passes as is (a dependency in its place would cost a round of dependency solving)."""
    hints = get_type_hints(endpoint, include_extras=True)
    contexts = (ContextDep, LateClaimContextDep)
    names = [name for name, hint in hints.items() if name != "return" and hint in contexts]
    if not names:
        return None
    claim_late = hints[names[0]] == LateClaimContextDep
    if inspect.iscoroutinefunction(endpoint) or len(names) > 1:
        raise TypeError(f"{endpoint.__name__}: ContextDep needs a sync endpoint with one Context")
    name = names[0]
    signature = inspect.signature(endpoint, eval_str=True)
    if _REQUEST in signature.parameters:
        raise TypeError(f"{endpoint.__name__}: '{_REQUEST}' is the request's parameter")
    parameters = [p for p in signature.parameters.values() if p.name != name]
    parameters.append(
        inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
    )

    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        request: Request = values.pop(_REQUEST)

        def work() -> Any:
            return run_in_context(
                request, lambda ctx: endpoint(**values, **{name: ctx}), claim_late=claim_late
            )

        return await _in_worker(request, work)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return run


class CrmRoute(APIRoute):
    """Authentication is answered before any input error: FastAPI validates parameters and
    parses a JSON body before the endpoint opens its Context, so on a validation error the
    credentials are checked first (and the signature spent) before the error is reported; the
    same for a NUL in the URL."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        opening = _opening_context(endpoint)
        self.opens_context = opening is not None
        super().__init__(path, opening or endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        authenticates_first = self.opens_context

        async def route(request: Request) -> Response:
            if _url_has_nul(request):
                await _in_worker(request, functools.partial(authenticate_request, request))
                raise ValidationError(NUL_IN_URL)
            try:
                return await handler(StrictJsonRequest(request.scope, request.receive))
            except RequestValidationError as error:
                if authenticates_first or _is_body_parse_error(error):
                    await _in_worker(request, functools.partial(authenticate_request, request))
                raise

        return route

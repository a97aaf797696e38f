"""The route class of every CRM endpoint: strict, NUL-free, shallow JSON and NUL-free URLs, and
authentication answered before any of these input errors."""

import functools
import inspect
import json
from collections.abc import Callable, Coroutine
from typing import Any, get_type_hints

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from crmcore.api.deps import ContextDep, ContextSlot, authenticate_request, request_context
from crmcore.api.errors import NUL_IN_BODY, NUL_IN_URL, TOO_DEEP
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.wire import MAX_JSON_DEPTH, contains_nul, json_depth


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
        for problem, found in ((NUL_IN_BODY, contains_nul), (TOO_DEEP, _too_deep)):
            if found(parsed):
                raise json.JSONDecodeError(problem, body.decode("utf-8", "replace"), 0)
        return parsed


def _too_deep(value: Any) -> bool:
    return json_depth(value) > MAX_JSON_DEPTH


def _url_has_nul(request: Request) -> bool:
    if "\x00" in request.scope["path"]:  # already percent-decoded
        return True
    raw_query: bytes = request.scope.get("query_string", b"")
    # Decoding makes a NUL only of "%00" or a raw NUL: without either (nearly every request) the
    # query need not be parsed here.
    if b"%00" not in raw_query and b"\x00" not in raw_query:
        return False
    return any("\x00" in name + value for name, value in request.query_params.multi_items())


def _opening_context(endpoint: Callable[..., Any]) -> Callable[..., Any] | None:
    """The endpoint, made to open its ``ContextDep`` itself (authenticate, run, commit, all in
    the worker thread FastAPI runs it in); None when it takes no Context."""
    hints = get_type_hints(endpoint, include_extras=True)
    names = [name for name, hint in hints.items() if name != "return" and hint == ContextDep]
    if not names:
        return None
    if inspect.iscoroutinefunction(endpoint) or len(names) > 1:
        raise TypeError(f"{endpoint.__name__}: ContextDep needs a sync endpoint with one Context")
    name = names[0]

    @functools.wraps(endpoint)  # FastAPI reads the parameters of the wrapped endpoint
    def run(**values: Any) -> Any:
        slot: ContextSlot = values[name]
        with request_context(slot.request) as ctx:
            values[name] = ctx
            return endpoint(**values)

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
                await run_in_threadpool(authenticate_request, request)
                raise ValidationError(NUL_IN_URL)
            try:
                return await handler(StrictJsonRequest(request.scope, request.receive))
            except RequestValidationError as error:
                if authenticates_first or _is_body_parse_error(error):
                    await run_in_threadpool(authenticate_request, request)
                raise

        return route

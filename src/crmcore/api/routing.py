"""The route class of every CRM endpoint: strict, NUL-free, shallow JSON and NUL-free URLs, and
authentication answered before any of these input errors."""

import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from crmcore.api.deps import authenticate_request
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


class CrmRoute(APIRoute):
    """FastAPI parses a JSON body before it runs dependencies, so a malformed body would answer 400
    to a caller who is not even authenticated. Here the credentials are checked first (and the
    signature spent) before the parse error is reported; the same for a NUL in the URL."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if _url_has_nul(request):
                await run_in_threadpool(authenticate_request, request)
                raise ValidationError(NUL_IN_URL)
            try:
                return await handler(StrictJsonRequest(request.scope, request.receive))
            except RequestValidationError as error:
                if _is_body_parse_error(error):
                    await run_in_threadpool(authenticate_request, request)
                raise

        return route

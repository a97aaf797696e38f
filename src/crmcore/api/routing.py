"""The route class of every CRM endpoint: authentication is answered before body parsing errors."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from crmcore.api.deps import authenticate_request


def _is_body_parse_error(error: RequestValidationError) -> bool:
    return any(item.get("type") == "json_invalid" for item in error.errors())


class CrmRoute(APIRoute):
    """FastAPI parses a JSON body before it runs dependencies, so a malformed body would answer 400
    to a caller who is not even authenticated. Here the credentials are checked first (and the
    signature spent) before the parse error is reported."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                if _is_body_parse_error(error):
                    await run_in_threadpool(authenticate_request, request)
                raise

        return route

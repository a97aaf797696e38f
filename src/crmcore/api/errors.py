"""THE mapping from errors to HTTP: status by category; body ``{"errorCode","errorMessage"}``."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from crmcore.api.responses import ErrorBody, error_response
from crmcore.kernel import errors
from crmcore.kernel.wire import MAX_JSON_DEPTH

log = logging.getLogger("crmcore.api")

STATUS: dict[type[errors.CrmError], int] = {
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.AuthRejected: 403,
    errors.Forbidden: 403,
    errors.QuotaExceeded: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PayloadTooLarge: 413,
    errors.Unavailable: 503,
}

_HTTP_CODES = {
    400: "ValidationError",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}


def status_of(error_class: type[errors.CrmError]) -> int:
    for klass in error_class.__mro__:
        if klass in STATUS:
            return STATUS[klass]
    return 500


Responses = dict[int | str, dict[str, Any]]


def ok(model: Any, description: str = "Success") -> Responses:
    """OpenAPI ``responses`` entry of a 200 with the given body model."""
    return {200: {"model": model, "description": description}}


def error_responses(*error_classes: type[errors.CrmError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given errors, plus the authentication errors of every route."""
    by_status: dict[int, list[str]] = {}
    always: list[type[errors.CrmError]] = [
        errors.Unauthenticated,
        errors.AuthRejected,
        errors.ValidationError,
    ]
    for klass in [*always, *error_classes]:
        codes = by_status.setdefault(status_of(klass), [])
        code = "InvalidAPIKey | RequestTimeTooSkewed | SignatureDoesNotMatch | DuplicatedSignature"
        codes.append(code if klass is errors.AuthRejected else klass.code)
    return {
        status: {"model": ErrorBody, "description": " | ".join(dict.fromkeys(codes))}
        for status, codes in sorted(by_status.items())
    }


NUL_IN_BODY = "The request body contains a NUL character (\\u0000), which no field accepts"
NUL_IN_URL = "The URL contains a NUL character (%00), which no parameter accepts"
TOO_DEEP = f"The request body is nested deeper than {MAX_JSON_DEPTH} levels"
#: What the body parser reports besides "not valid JSON" (``api/routing.py``).
BODY_PROBLEMS = (NUL_IN_BODY, TOO_DEEP)


def _describe_validation(error: RequestValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        if item.get("type") == "json_invalid":
            problem = (item.get("ctx") or {}).get("error")
            return problem if problem in BODY_PROBLEMS else "The request body is not valid JSON"
        location = [
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")
        ]
        field = ".".join(location) or "body"
        problems.append(f"{field}: {item.get('msg', 'is invalid')}")
    return "; ".join(problems) or "The request is invalid"


def install_error_handlers(app: FastAPI) -> None:
    async def crm_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, errors.CrmError)
        return error_response(status_of(type(exc)), exc.code, exc.message)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(400, "ValidationError", _describe_validation(exc))

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "HttpError")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404:
            message = "No such route"
        return error_response(exc.status_code, code, message)

    async def database_error(_request: Request, exc: Exception) -> Response:
        if isinstance(exc, PoolTimeoutError) or (
            isinstance(exc, DBAPIError)
            and (exc.connection_invalidated or _is_connection_error(exc))
        ):
            log.warning("database unavailable: %s", type(exc).__name__)
            return error_response(503, "ServiceUnavailable", "The database is not reachable")
        log.exception("database error", exc_info=exc)
        return error_response(500, "InternalServerError", "An unexpected error occurred")

    async def unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "InternalServerError", "An unexpected error occurred")

    app.add_exception_handler(errors.CrmError, crm_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeoutError, database_error)
    app.add_exception_handler(Exception, unexpected)


def _is_connection_error(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)

"""What every fuzzed response must satisfy, and how a violation is written down."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from schemathesis import APIOperation, Case, CheckFunction, Response
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: schemathesis' own checks: no 5xx, a documented status, the documented media type and body.
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ERROR_BODY = "4xx without the error body"
AnyOperation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[AnyOperation]
REPRO_LIMIT = 2000


@dataclass(frozen=True)
class Violation:
    """One broken expectation, with a request that reproduces it."""

    operation: str
    title: str
    detail: str
    status: int | None
    method: str
    path: str
    body: str | None
    response: str

    @property
    def key(self) -> tuple[str, str, int | None]:
        """Violations with the same key are one problem, found again."""
        return (self.operation, self.title, self.status)

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500

    def describe(self) -> str:
        lines = [f"{self.operation}: {self.title} (status {self.status})"]
        if self.detail:
            lines.append(f"    {self.detail}")
        lines.append(f"    reproduce: {self.method} {self.path}")
        if self.body is not None:
            lines.append(f"    body: {self.body}")
        lines.append(f"    response: {self.response}")
        return "\n".join(lines)


def _error_body_problem(response: Response) -> str | None:
    """SOLAPI clients read ``errorCode``/``errorMessage`` from every 4xx: both must be strings."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    missing = [
        name for name in ("errorCode", "errorMessage") if not isinstance(body.get(name), str)
    ]
    return f"{' and '.join(missing)} missing or not a string" if missing else None


def _clip(text: str) -> str:
    return text if len(text) <= REPRO_LIMIT else text[:REPRO_LIMIT] + f"... ({len(text)} chars)"


def _body_text(case: AnyCase) -> str | None:
    body: Any = case.body
    if isinstance(body, bytes):
        return _clip(body.decode("utf-8", "replace"))
    if not isinstance(body, dict | list | str | int | float | bool) and body is not None:
        return None  # schemathesis' NOT_SET: the request had no body
    return _clip(json.dumps(body, ensure_ascii=False, default=repr))


def violation(case: AnyCase, title: str, detail: str, response: Response | None) -> Violation:
    query = urlencode(case.query or {}, doseq=True)
    return Violation(
        operation=case.operation.label,
        title=title,
        detail=_clip(" ".join(detail.split())),
        status=response.status_code if response is not None else None,
        method=case.method.upper(),
        path=quote(case.formatted_path, safe="/") + (f"?{query}" if query else ""),
        body=_body_text(case),
        response=_clip(response.text) if response is not None else "(no response)",
    )


def check(case: AnyCase, response: Response) -> list[Violation]:
    found: list[Violation] = []
    # A 5xx is also "undocumented": report it once, as the server error it is.
    checks = CHECKS[:1] if response.status_code >= 500 else CHECKS
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        found.extend(
            violation(case, failure.title, failure.message, response)
            for failure in group.exceptions
        )
    problem = _error_body_problem(response)
    if problem is not None:
        found.append(violation(case, ERROR_BODY, problem, response))
    return found

"""JSON responses rendered with orjson; the error body shape."""

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ErrorBody(BaseModel):
    errorCode: str
    errorMessage: str


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"errorCode": code, "errorMessage": message}, status_code=status)

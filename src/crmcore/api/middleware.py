"""ASGI middleware: the request body limit, answered in the SOLAPI error shape."""

import re
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crmcore.api.responses import error_response


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing passes it through to the 413 handler."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds {max_bytes} bytes")


#: Room for the multipart envelope (boundaries, part headers, small form fields) around a file.
MULTIPART_OVERHEAD = 1024 * 1024
_UPLOAD_PATH = re.compile(r"^/crm-core/v1/records/[^/]+/(profile-image|images|attachments)$")
_IMPORT_PREFIX = "/crm-core/v1/records/import/"


def body_limit_for(path: str, *, default: int, upload: int, import_: int) -> int:
    """JSON bodies get ``default``; multipart uploads their file limit plus the envelope."""
    if path.startswith(_IMPORT_PREFIX):
        return import_ + MULTIPART_OVERHEAD
    if _UPLOAD_PATH.match(path):
        return upload + MULTIPART_OVERHEAD
    return default


class BodyLimitMiddleware:
    """Refuses bodies over the path's limit, by Content-Length or while streaming a chunked
    body (before any parsing: an oversized upload is never spooled)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await self._refuse(scope, receive, send, limit)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, "PayloadTooLarge", f"The request body exceeds {limit} bytes")
        await response(scope, receive, send)

"""Opaque, tamper-evident cursors: a forged or foreign cursor is a 400, never another page."""

import base64
import hashlib
import hmac
from typing import Any

import orjson

from crmcore.kernel.errors import ValidationError

_TAG_BYTES = 12


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, scope: str, position: list[Any]) -> str:
        """``scope`` binds the cursor to one tenant and one query (entity, filters, sort)."""
        payload = orjson.dumps({"s": _digest(scope), "p": position})
        tag = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
        return _b64(payload) + "." + _b64(tag)

    def decode(self, scope: str, cursor: str) -> list[Any]:
        try:
            payload_part, tag_part = cursor.split(".", 1)
            payload, tag = _unb64(payload_part), _unb64(tag_part)
        except ValueError as error:
            raise ValidationError("startKey: not a cursor issued by this server") from error
        if _b64(payload) != payload_part or _b64(tag) != tag_part:
            # Exactly one spelling per cursor: padding or alphabet variants are not ours.
            raise ValidationError("startKey: not a cursor issued by this server")
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
        if not hmac.compare_digest(tag, expected):
            raise ValidationError("startKey: not a cursor issued by this server")
        body = orjson.loads(payload)
        if body.get("s") != _digest(scope):
            raise ValidationError("startKey: the cursor belongs to another query")
        position = body.get("p")
        if not isinstance(position, list):
            raise ValidationError("startKey: not a cursor issued by this server")
        return position


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if len(text) > 4096:
        raise ValueError("too long")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

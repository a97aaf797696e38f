"""Opaque cursors: encrypted and authenticated (AES-GCM), so they reveal nothing (not even the
sort value of a masked property) and a forged or foreign cursor is a 400, never another page."""

import base64
import hashlib
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crmcore.kernel.errors import ValidationError

_NONCE_BYTES = 12
_NOT_OURS = "startKey: not a cursor issued by this server"


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(hashlib.sha256(key).digest())

    def encode(self, scope: str, position: list[Any]) -> str:
        """``scope`` binds the cursor to one tenant and one query (entity, filters, sort)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, orjson.dumps(position), _digest(scope))
        return _b64(nonce + sealed)

    def decode(self, scope: str, cursor: str) -> list[Any]:
        try:
            raw = _unb64(cursor)
        except ValueError as error:
            raise ValidationError(_NOT_OURS) from error
        if _b64(raw) != cursor or len(raw) <= _NONCE_BYTES:
            raise ValidationError(_NOT_OURS)  # exactly one spelling per cursor
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _digest(scope))
        except InvalidTag as error:
            # Wrong key, tampered bytes, or issued for another tenant or query.
            raise ValidationError("startKey: the cursor belongs to another query") from error
        position = orjson.loads(plain)
        if not isinstance(position, list):
            raise ValidationError(_NOT_OURS)
        return position


def _digest(scope: str) -> bytes:
    return hashlib.sha256(scope.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if len(text) > 4096:
        raise ValueError("too long")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

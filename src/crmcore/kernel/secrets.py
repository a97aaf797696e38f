"""Encryption of API secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    #: Decrypted tokens kept per process: every signed request decrypts its key's secret, and
    #: Fernet's HMAC check plus AES cost more than the rest of the key lookup.
    CACHED = 1024

    def __init__(self, key_material: str) -> None:
        # Any string is accepted as key material; SHA-256 turns it into a 32-byte Fernet key.
        digest = hashlib.sha256(key_material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._decrypted: dict[str, str] = {}

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        plaintext = self._decrypted.get(token)
        if plaintext is not None:
            return plaintext
        try:
            plaintext = self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None
        if len(self._decrypted) >= self.CACHED:
            self._decrypted.clear()
        self._decrypted[token] = plaintext
        return plaintext


def load_or_create_key(configured: str | None, key_file: Path) -> str:
    """The configured key, else the one stored in ``key_file``, else a new one written there."""
    if configured:
        return configured
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key

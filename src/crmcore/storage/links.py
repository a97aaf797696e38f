"""Signed, expiring download links: ``{base}/crm-core/v1/files/{fileId}?expires=&signature=``.

The signature is HMAC-SHA256 over ``fileId|variant|expires`` with a key derived from the server
secret, so a link cannot be altered (another file, a later expiry, the other variant) and
stops working at ``expires`` (unix seconds). Whoever holds an unexpired link may download.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

FILES_PATH = "/crm-core/v1/files/"


class UrlSigner:
    def __init__(self, secret: str, ttl: timedelta) -> None:
        self._key = hashlib.sha256(b"file-links:" + secret.encode()).digest()
        self.ttl = ttl

    def _mac(self, file_id: str, variant: str, expires: int) -> str:
        message = f"{file_id}|{variant}|{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def query(
        self, file_id: str, now: datetime, *, variant: str = "", ttl: timedelta | None = None
    ) -> str:
        expires = int((now + (ttl or self.ttl)).timestamp())
        params = {"expires": str(expires), "signature": self._mac(file_id, variant, expires)}
        if variant:
            params["variant"] = variant
        return urlencode(params)

    def verify(
        self, file_id: str, variant: str, expires: str, signature: str, now: datetime
    ) -> bool:
        if not expires.isdigit() or len(expires) > 12:
            return False
        expected = self._mac(file_id, variant, int(expires))
        return hmac.compare_digest(expected, signature) and int(expires) > now.timestamp()


@dataclass(frozen=True, slots=True)
class FileLinks:
    """Mints links for one request: the signer plus the base URL the client should use."""

    signer: UrlSigner
    base_url: str

    def url(
        self, file_id: str, now: datetime, *, variant: str = "", ttl: timedelta | None = None
    ) -> str:
        query = self.signer.query(file_id, now, variant=variant, ttl=ttl)
        return f"{self.base_url.rstrip('/')}{FILES_PATH}{file_id}?{query}"

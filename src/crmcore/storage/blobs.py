"""A directory of immutable blobs addressed by key (``<accountId>/<fileId>`` and the like).

Writes go to a temporary file in the same directory and are renamed into place, so a reader
never sees half a file and a crash leaves at most a ``.part`` file that the next write replaces.
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}){0,3}$")
_CHUNK = 1024 * 1024


class BlobTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def _chunks(source: BinaryIO | Iterable[bytes]) -> Iterable[bytes]:
    read = getattr(source, "read", None)
    if read is None:
        return source
    return iter(lambda: read(_CHUNK), b"")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        # Keys are built by the server, never taken from a client; the check is a seat belt
        # against a bug turning into a path traversal.
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key

    def write(
        self, key: str, source: BinaryIO | Iterable[bytes], *, max_bytes: int | None = None
    ) -> int:
        """Store ``source`` under ``key``; returns the size. Raises ``BlobTooLarge`` (and stores
        nothing) past ``max_bytes``."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        chunks = _chunks(source)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        size = 0
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(max_bytes)
                    out.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return size

    def write_file(self, key: str, source: Path) -> int:
        """Move (or copy across devices) a finished local file into the store."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        return target.stat().st_size

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def scratch(self, prefix: str) -> Path:
        """A new empty file inside the store's directory (same filesystem: renames are atomic)."""
        directory = self.root / "tmp"
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".part")
        os.close(handle)
        return Path(name)

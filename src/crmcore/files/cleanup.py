"""Removing blobs whose rows are gone (after the delete committed)."""

import logging
from collections.abc import Iterable

from crmcore.storage import BlobStore

log = logging.getLogger("crmcore.files")


def discard(blobs: BlobStore, keys: Iterable[str]) -> None:
    """Delete the blobs; a failure is logged, never raised: the rows are already gone, and a
    left-over blob costs disk space but is unreachable (no row, so no link serves it)."""
    for key in keys:
        try:
            blobs.delete(key)
        except OSError:
            log.warning("could not delete blob %s", key, exc_info=True)

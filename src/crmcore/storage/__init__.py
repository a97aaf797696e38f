"""Files on disk (record files, import uploads, export results) and the signed links to them."""

from crmcore.storage.blobs import BlobStore
from crmcore.storage.links import FileLinks, UrlSigner

__all__ = ["BlobStore", "FileLinks", "UrlSigner"]

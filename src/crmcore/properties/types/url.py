"""URL: an absolute ``http``/``https`` link with a host, at most 2,048 characters."""

import re
from urllib.parse import urlsplit

from crmcore.properties.types.base import FieldType, InvalidValue, StringType

_AUTHORITY_END = re.compile(r"[/?#]")


def host_name(text: str) -> str | None:
    """``urlsplit(text).hostname`` (ValueError included) of a text that starts with ``http://``
    or ``https://`` and holds no space or control character.

    The common case, an ASCII authority without brackets, is read with two partitions: the
    general parse was a tenth of an import's reading. urlsplit still decides anything else
    (IPv6 literals, non-ASCII names and their normalisation checks)."""
    start = text.index("//") + 2
    end = _AUTHORITY_END.search(text, start)
    authority = text[start : end.start() if end else len(text)]
    if not authority.isascii() or "[" in authority or "]" in authority:
        return urlsplit(text).hostname
    host = authority.rpartition("@")[2].partition(":")[0]
    if not host:
        return None
    name, percent, zone = host.partition("%")  # a zone ID keeps its case, as in urlsplit
    return name.lower() + percent + zone


class UrlType(StringType):
    field_type = FieldType.URL
    max_length = 2_048

    def _check(self, text: str) -> str:
        if not text.lower().startswith(("http://", "https://")):
            raise InvalidValue("must start with http:// or https://")
        # Every whitespace character but the plain space is unprintable.
        if " " in text or not text.isprintable():
            raise InvalidValue("must not contain spaces or control characters")
        try:
            host = host_name(text)
        except ValueError:
            raise InvalidValue("must be a valid http or https URL") from None
        if not host:
            raise InvalidValue("must have a host name")
        return text

"""URL: an absolute ``http``/``https`` link with a host, at most 2,048 characters."""

from urllib.parse import urlsplit

from crmcore.properties.types.base import FieldType, InvalidValue, StringType


class UrlType(StringType):
    field_type = FieldType.URL
    max_length = 2_048

    def _check(self, text: str) -> str:
        if not text.lower().startswith(("http://", "https://")):
            raise InvalidValue("must start with http:// or https://")
        if any(ch.isspace() or not ch.isprintable() for ch in text):
            raise InvalidValue("must not contain spaces or control characters")
        try:
            host = urlsplit(text).hostname
        except ValueError:
            raise InvalidValue("must be a valid http or https URL") from None
        if not host:
            raise InvalidValue("must have a host name")
        return text

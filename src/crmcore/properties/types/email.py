"""EMAIL: ``local@domain.tld``, at most 254 characters; the domain is lower-cased."""

import re

from crmcore.properties.types.base import MASK, FieldType, InvalidValue, JsonValue, StringType

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


class EmailType(StringType):
    field_type = FieldType.EMAIL
    max_length = 254

    def _check(self, text: str) -> str:
        if not _EMAIL.fullmatch(text):
            raise InvalidValue("must be an e-mail address like name@example.com")
        local, _, domain = text.partition("@")
        return f"{local}@{domain.lower()}"

    def mask(self, stored: JsonValue) -> JsonValue:
        if not isinstance(stored, str) or "@" not in stored:
            return MASK
        local, _, domain = stored.partition("@")
        return f"{local[:2]}***@{domain}"

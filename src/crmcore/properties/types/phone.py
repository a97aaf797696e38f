"""PHONE: digits with an optional leading ``+`` and common separators, stored as given."""

import re

from crmcore.properties.types.base import FieldType, InvalidValue, JsonValue, StringType

_PHONE = re.compile(r"\+?[0-9 ().\-]+")
_DIGITS = frozenset("0123456789")
MIN_DIGITS = 7
MAX_DIGITS = 20


class PhoneType(StringType):
    field_type = FieldType.PHONE
    # Not in the spec: 20 digits plus separators fit easily; it bounds what we store.
    max_length = 50

    def _check(self, text: str) -> str:
        if not _PHONE.fullmatch(text):
            raise InvalidValue("must contain only digits, a leading '+', spaces and - ( ) .")
        digits = sum(ch in _DIGITS for ch in text)
        if not MIN_DIGITS <= digits <= MAX_DIGITS:
            raise InvalidValue(f"must have {MIN_DIGITS} to {MAX_DIGITS} digits")
        return text

    def mask(self, stored: JsonValue) -> JsonValue:
        if not isinstance(stored, str):
            return super().mask(stored)
        total = sum(ch in _DIGITS for ch in stored)
        # Keep the first 3 and last 4 digits, but always hide at least one (7-digit numbers).
        tail = max(0, min(4, total - 4))
        masked: list[str] = []
        index = 0
        for ch in stored:
            if ch in _DIGITS:
                masked.append(ch if index < 3 or index >= total - tail else "*")
                index += 1
            else:
                masked.append(ch)
        return "".join(masked)

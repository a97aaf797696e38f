"""TEXTAREA: multi-line text, up to 20,000 characters; inner newlines are kept."""

from crmcore.properties.types.base import FieldType, StringType


class TextareaType(StringType):
    field_type = FieldType.TEXTAREA
    max_length = 20_000

"""TEXT: a single line of text, up to 2,000 characters."""

from crmcore.properties.types.base import FieldType, StringType


class TextType(StringType):
    field_type = FieldType.TEXT
    max_length = 2_000

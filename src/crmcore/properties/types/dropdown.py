"""DROPDOWN: one option value, chosen from a select box."""

from crmcore.properties.types.base import FieldType, SingleChoiceType


class DropdownType(SingleChoiceType):
    field_type = FieldType.DROPDOWN

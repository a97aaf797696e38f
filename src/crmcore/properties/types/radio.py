"""RADIO: one option value, chosen with radio buttons."""

from crmcore.properties.types.base import FieldType, SingleChoiceType


class RadioType(SingleChoiceType):
    field_type = FieldType.RADIO

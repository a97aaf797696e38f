"""Changing a property's ``fieldType``: every stored value is converted in the same transaction,
or nothing changes and the caller learns how many values could not be converted."""

from typing import Any

from crmcore.kernel.context import Context
from crmcore.kernel.errors import IncompatibleFieldTypeChange
from crmcore.models import Property
from crmcore.properties.types import Choices, FieldType, InvalidValue
from crmcore.properties.types.conversion import convert
from crmcore.records import service as record_service


def convert_stored_values(
    ctx: Context, prop: Property, target: FieldType, target_options: list[dict[str, Any]]
) -> None:
    source = FieldType(prop.field_type)
    choices = Choices.of(target_options)
    converted: dict[str, Any] = {}
    total = failed = 0
    # Trashed records included: a restore must not bring back a value of the wrong type.
    for record_id, stored in record_service.property_values(ctx, prop.entity_id, prop.data_key):
        total += 1
        try:
            value = convert(stored, source, target, choices)
        except InvalidValue:
            failed += 1
            continue
        # 1 == True in Python: compare types too, or NUMBER -> CHECKBOX would keep the ints.
        if type(value) is not type(stored) or value != stored:
            converted[record_id] = value
    if failed:
        raise IncompatibleFieldTypeChange(
            f"{failed} of {total} values of '{prop.name}' cannot be converted to {target.value}; "
            "nothing was changed"
        )
    if converted:
        record_service.set_property_values(ctx, prop.entity_id, prop.data_key, converted)

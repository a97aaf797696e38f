"""THE map from field type to its behaviour: one instance per type."""

from crmcore.properties.types.base import FieldType, InvalidValue, PropertyType
from crmcore.properties.types.checkbox import CheckboxType
from crmcore.properties.types.date import DateType
from crmcore.properties.types.datetime_ import DatetimeType
from crmcore.properties.types.dropdown import DropdownType
from crmcore.properties.types.email import EmailType
from crmcore.properties.types.multi_checkbox import MultiCheckboxType
from crmcore.properties.types.number import NumberType
from crmcore.properties.types.phone import PhoneType
from crmcore.properties.types.radio import RadioType
from crmcore.properties.types.text import TextType
from crmcore.properties.types.textarea import TextareaType
from crmcore.properties.types.url import UrlType

REGISTRY: dict[FieldType, PropertyType] = {
    FieldType.TEXT: TextType(),
    FieldType.TEXTAREA: TextareaType(),
    FieldType.NUMBER: NumberType(),
    FieldType.PHONE: PhoneType(),
    FieldType.EMAIL: EmailType(),
    FieldType.CHECKBOX: CheckboxType(),
    FieldType.MULTI_CHECKBOX: MultiCheckboxType(),
    FieldType.DATE: DateType(),
    FieldType.DATETIME: DatetimeType(),
    FieldType.DROPDOWN: DropdownType(),
    FieldType.RADIO: RadioType(),
    FieldType.URL: UrlType(),
}


def property_type(field_type: FieldType | str) -> PropertyType:
    try:
        return REGISTRY[FieldType(field_type)]
    except ValueError:
        raise InvalidValue(f"must be one of {', '.join(FieldType)}") from None

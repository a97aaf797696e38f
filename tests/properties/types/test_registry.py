import pytest

from crmcore.properties.types import (
    REGISTRY,
    Choices,
    FieldType,
    InvalidValue,
    ValueKind,
    property_type,
)
from tests.properties.types.helpers import rejection

ALL_TYPES = (
    "TEXT, TEXTAREA, NUMBER, PHONE, EMAIL, CHECKBOX, MULTI_CHECKBOX, DATE, DATETIME, DROPDOWN, "
    "RADIO, URL"
)


def test_the_enum_is_exactly_the_twelve_types() -> None:
    assert ", ".join(FieldType) == ALL_TYPES
    assert list(ValueKind) == [
        "TEXT",
        "NUMBER",
        "BOOLEAN",
        "DATE",
        "DATETIME",
        "OPTION",
        "OPTIONS",
    ]


def test_every_field_type_is_registered_under_its_own_key() -> None:
    assert set(REGISTRY) == set(FieldType)
    for field_type, instance in REGISTRY.items():
        assert instance.field_type is field_type


@pytest.mark.parametrize(
    ("field_type", "value_kind", "has_options", "max_length"),
    [
        (FieldType.TEXT, ValueKind.TEXT, False, 2_000),
        (FieldType.TEXTAREA, ValueKind.TEXT, False, 20_000),
        (FieldType.NUMBER, ValueKind.NUMBER, False, None),
        (FieldType.PHONE, ValueKind.TEXT, False, 50),
        (FieldType.EMAIL, ValueKind.TEXT, False, 254),
        (FieldType.URL, ValueKind.TEXT, False, 2_048),
        (FieldType.CHECKBOX, ValueKind.BOOLEAN, False, None),
        (FieldType.MULTI_CHECKBOX, ValueKind.OPTIONS, True, None),
        (FieldType.DATE, ValueKind.DATE, False, None),
        (FieldType.DATETIME, ValueKind.DATETIME, False, None),
        (FieldType.DROPDOWN, ValueKind.OPTION, True, None),
        (FieldType.RADIO, ValueKind.OPTION, True, None),
    ],
)
def test_capabilities(
    field_type: FieldType, value_kind: ValueKind, has_options: bool, max_length: int | None
) -> None:
    instance = REGISTRY[field_type]
    assert (instance.value_kind, instance.has_options, instance.max_length) == (
        value_kind,
        has_options,
        max_length,
    )


@pytest.mark.parametrize("field_type", list(FieldType))
def test_lookup_by_enum_or_string(field_type: FieldType) -> None:
    assert property_type(field_type) is REGISTRY[field_type]
    assert property_type(field_type.value) is REGISTRY[field_type]


@pytest.mark.parametrize("name", ["text", "STRING", "", "SELECT"])
def test_unknown_field_type(name: str) -> None:
    assert rejection(lambda: property_type(name)) == f"must be one of {ALL_TYPES}"


@pytest.mark.parametrize("field_type", list(FieldType))
@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_blank_input_clears_every_type(field_type: FieldType, value: object) -> None:
    choices = Choices(("A",))
    assert property_type(field_type).normalise(value, choices) is None
    if isinstance(value, str):
        assert property_type(field_type).parse_text(value, choices) is None


@pytest.mark.parametrize("field_type", [t for t in FieldType if t is not FieldType.MULTI_CHECKBOX])
def test_an_empty_list_clears_only_multi_checkbox(field_type: FieldType) -> None:
    with pytest.raises(InvalidValue):
        property_type(field_type).normalise([], Choices(("A",)))

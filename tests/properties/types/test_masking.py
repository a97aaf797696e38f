"""Masked rendering for MEMBERs (records-activities §3.3), every type in one table."""

import pytest

from crmcore.properties.types import FieldType, JsonValue, property_type

CASES: list[tuple[FieldType, JsonValue, JsonValue]] = [
    (FieldType.TEXT, "hello world", "h********"),
    (FieldType.TEXT, "hello", "h****"),
    (FieldType.TEXT, "hi", "h*"),
    (FieldType.TEXT, "a", "a"),
    (FieldType.TEXT, "홍길동", "홍**"),
    (FieldType.TEXTAREA, "line one\nline two", "l********"),
    (FieldType.URL, "https://example.com", "h********"),
    (FieldType.PHONE, "010-1234-5678", "010-****-5678"),
    (FieldType.PHONE, "01012345678", "010****5678"),
    (FieldType.PHONE, "+82 10-1234-5678", "+82 1*-****-5678"),
    (FieldType.PHONE, "(02) 123-4567", "(02) 1**-4567"),
    (FieldType.PHONE, "12345678", "123*5678"),
    (FieldType.PHONE, "1234567", "123*567"),
    (FieldType.EMAIL, "hong@example.com", "ho***@example.com"),
    (FieldType.EMAIL, "a@b.co", "a***@b.co"),
    (FieldType.NUMBER, 1200, "****"),
    (FieldType.NUMBER, -3.5, "****"),
    (FieldType.CHECKBOX, True, "****"),
    (FieldType.CHECKBOX, False, "****"),
    (FieldType.DATE, "2026-04-22", "****"),
    (FieldType.DATETIME, "2026-04-22T15:30:00.000Z", "****"),
    (FieldType.DROPDOWN, "LEAD", "****"),
    (FieldType.RADIO, "LEAD", "****"),
    (FieldType.MULTI_CHECKBOX, ["A", "B"], ["****"]),
]


@pytest.mark.parametrize(("field_type", "stored", "masked"), CASES)
def test_mask(field_type: FieldType, stored: JsonValue, masked: JsonValue) -> None:
    assert property_type(field_type).mask(stored) == masked


def test_every_type_has_a_case() -> None:
    assert {case[0] for case in CASES} == set(FieldType)


@pytest.mark.parametrize(
    ("field_type", "stored"),
    [(FieldType.TEXT, 12), (FieldType.PHONE, 1012345678), (FieldType.EMAIL, "no-at-sign")],
)
def test_values_that_do_not_fit_their_type_are_hidden_whole(
    field_type: FieldType, stored: JsonValue
) -> None:
    assert property_type(field_type).mask(stored) == "****"

"""The ``PropertyType`` interface, its shared bases, and the vocabulary every type uses."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


class FieldType(StrEnum):
    TEXT = "TEXT"
    TEXTAREA = "TEXTAREA"
    NUMBER = "NUMBER"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    CHECKBOX = "CHECKBOX"
    MULTI_CHECKBOX = "MULTI_CHECKBOX"
    DATE = "DATE"
    DATETIME = "DATETIME"
    DROPDOWN = "DROPDOWN"
    RADIO = "RADIO"
    URL = "URL"


class ValueKind(StrEnum):
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    DATETIME = "DATETIME"
    OPTION = "OPTION"
    OPTIONS = "OPTIONS"


#: A value as stored in a record's ``data`` (``None`` means "no value").
JsonValue = str | int | float | bool | list[str]


@dataclass(frozen=True, slots=True)
class Choices:
    values: tuple[str, ...] = ()
    #: Display labels, parallel to ``values`` (empty when only values are known).
    labels: tuple[str, ...] = field(default=(), compare=False)
    _by_label: dict[str, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_label: dict[str, str] = {}
        for value, label in zip(self.values, self.labels, strict=False):
            by_label.setdefault(label.casefold(), value)
        object.__setattr__(self, "_by_label", by_label)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    @classmethod
    def of(cls, options: Sequence[Mapping[str, Any]]) -> "Choices":
        ordered = sorted(options, key=lambda option: option["priority"])
        return cls(
            tuple(str(option["value"]) for option in ordered),
            tuple(str(option.get("label", option["value"])) for option in ordered),
        )

    def label(self, value: str) -> str:
        """The option's label (spreadsheets show labels); the value itself when unknown."""
        for known, label in zip(self.values, self.labels, strict=False):
            if known == value:
                return label
        return value

    def value_of(self, text: str) -> str:
        """The option a spreadsheet cell names, by value first, then by label (ignoring case);
        ``text`` unchanged when it names none (validation then rejects it)."""
        if text in self.values:
            return text
        return self._by_label.get(text.casefold(), text)


class InvalidValue(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MASK = "****"


class PropertyType(ABC):
    field_type: ClassVar[FieldType]
    value_kind: ClassVar[ValueKind]
    has_options: ClassVar[bool] = False
    max_length: ClassVar[int | None] = None

    def normalise(self, value: object, choices: Choices) -> JsonValue | None:
        # A blank string clears like "": TEXT trims it to nothing and no other type can hold it.
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self._validate(value, choices)

    @abstractmethod
    def _validate(self, value: object, choices: Choices) -> JsonValue:
        """Stored form of a present (non-blank) input."""

    def to_wire(self, stored: JsonValue) -> JsonValue:
        return stored

    def mask(self, stored: JsonValue) -> JsonValue:
        return MASK

    def as_text(self, stored: JsonValue) -> str:
        return str(stored)

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        """The stored value for a spreadsheet cell's text (imports): what ``normalise`` does
        with a string, without its checks for other inputs (this runs for every imported
        cell). A type that overrides ``normalise`` overrides this too."""
        text = text.strip()
        return self._validate(text, choices) if text else None

    def cell_text(self, stored: JsonValue, choices: Choices) -> str:
        """How a stored value is written into a spreadsheet cell (exports); ``parse_text`` reads
        it back to the same value."""
        return self.as_text(stored)


class StringType(PropertyType):
    """Strings trimmed of outer whitespace and bounded in length; subclasses add a format check."""

    value_kind = ValueKind.TEXT
    max_length: ClassVar[int | None] = 2_000

    def _validate(self, value: object, choices: Choices) -> str:
        if not isinstance(value, str):
            raise InvalidValue("must be a string")
        text = value.strip()
        if self.max_length is not None and len(text) > self.max_length:
            raise InvalidValue(f"must be at most {self.max_length:,} characters long")
        return self._check(text)

    def _check(self, text: str) -> str:
        return text

    def mask(self, stored: JsonValue) -> JsonValue:
        if not isinstance(stored, str) or not stored:
            return MASK
        return stored[0] + "*" * min(len(stored) - 1, 8)


class SingleChoiceType(PropertyType):
    value_kind = ValueKind.OPTION
    has_options = True

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        return self.normalise(choices.value_of(text.strip()), choices)

    def cell_text(self, stored: JsonValue, choices: Choices) -> str:
        return choices.label(stored) if isinstance(stored, str) else self.as_text(stored)

    def _validate(self, value: object, choices: Choices) -> str:
        if not isinstance(value, str):
            raise InvalidValue("must be a string (an option value)")
        if value not in choices:
            raise InvalidValue("must be one of the property's option values")
        return value

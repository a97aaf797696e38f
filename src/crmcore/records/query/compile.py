"""Condition trees compiled to SQLAlchemy expressions: bound parameters only, operators checked
against the field's value kind before any SQL runs."""

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, true

from crmcore.db.dialect import JsonAccess
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.repository import escape_like
from crmcore.kernel.wire import contains_nul
from crmcore.models import Record
from crmcore.properties.types import Choices, InvalidValue, ValueKind
from crmcore.properties.types.datetime_ import parse_instant
from crmcore.properties.types.operators import ALIASES, Operator, resolve_operator
from crmcore.records.query.fields import FieldRef, resolve_field
from crmcore.records.query.tree import Condition, Group
from crmcore.records.values import EntitySchema

MAX_IN_VALUES = 100
_TEXT_KINDS = {ValueKind.TEXT, ValueKind.OPTION, ValueKind.DATE, ValueKind.DATETIME}
_NUMERIC_KINDS = {ValueKind.NUMBER, ValueKind.BOOLEAN}
_TEXT_MATCHES = {
    Operator.CONTAINS,
    Operator.NOT_CONTAINS,
    Operator.STARTS_WITH,
    Operator.ENDS_WITH,
}


_NEGATIVE = {Operator.NE, Operator.NOT_CONTAINS, Operator.NOT_IN, Operator.IS_EMPTY}


class Compiler:
    def __init__(
        self, json: JsonAccess, schema: EntitySchema | None, *, deleted_fields_empty: bool = False
    ) -> None:
        self.json = json
        self.schema = schema
        # Saved segments may name properties deleted since: such conditions see "no value".
        self.deleted_fields_empty = deleted_fields_empty

    def group(self, group: Group) -> ColumnElement[bool]:
        parts = [
            self.group(child) if isinstance(child, Group) else self.condition(child)
            for child in group.conditions
        ]
        if not parts:
            return true()
        return and_(*parts) if group.operator == "AND" else or_(*parts)

    def condition(self, condition: Condition) -> ColumnElement[bool]:
        if self.deleted_fields_empty and self._is_gone(condition.field):
            name = ALIASES.get(condition.operator, condition.operator)
            return true() if name in _NEGATIVE else false()
        field = resolve_field(condition.field, self.schema)
        try:
            operator = resolve_operator(condition.operator, field.kind)
        except InvalidValue as error:
            raise ValidationError(f"{condition.field[:80]}: {error.reason}") from error
        value = condition.value
        where = f"{condition.field[:80]} {operator.value}"
        # Request bodies are NUL-free already; ``filters`` arrives as JSON inside a query string.
        if contains_nul(value):
            raise ValidationError(f"{where}: value must not contain NUL characters")
        if operator in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY):
            present = self._present(field)
            return present if operator is Operator.IS_NOT_EMPTY else not_(present)
        if operator in (Operator.IN, Operator.NOT_IN):
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                raise ValidationError(f"{where}: value must be a list of 1-{MAX_IN_VALUES} items")
            values = [self._operand(field, item, where) for item in value]
            matched = self._any_of(field, values)
            return matched if operator is Operator.IN else or_(not_(matched), self._absent(field))
        if operator is Operator.BETWEEN:
            if not isinstance(value, list) or len(value) != 2:
                raise ValidationError(f"{where}: value must be [min, max]")
            low, high = (self._operand(field, item, where) for item in value)
            expression = self.ordered(field)
            return and_(expression >= low, expression <= high)
        if operator in _TEXT_MATCHES and field.kind is not ValueKind.OPTIONS:
            # A fragment of a value need not be a valid value itself ("@acme." of an e-mail).
            if not isinstance(value, str) or not value or len(value) > 200:
                raise ValidationError(f"{where}: value must be a string of 1-200 characters")
            operand: Any = value
        else:
            operand = self._operand(field, value, where)
        if operator is Operator.EQ:
            return self._equals(field, operand)
        if operator is Operator.NE:
            return or_(not_(self._equals(field, operand)), self._absent(field))
        if operator in (Operator.CONTAINS, Operator.NOT_CONTAINS):
            matched = (
                self._any_of(field, [operand])
                if field.kind is ValueKind.OPTIONS
                else self._like(field, f"%{escape_like(str(operand).lower())}%")
            )
            if operator is Operator.CONTAINS:
                return matched
            return or_(not_(matched), self._absent(field))
        if operator is Operator.STARTS_WITH:
            return self._like(field, f"{escape_like(str(operand).lower())}%")
        if operator is Operator.ENDS_WITH:
            return self._like(field, f"%{escape_like(str(operand).lower())}")
        expression = self.ordered(field)
        comparisons: dict[Operator, ColumnElement[bool]] = {
            Operator.GT: expression > operand,
            Operator.GTE: expression >= operand,
            Operator.LT: expression < operand,
            Operator.LTE: expression <= operand,
        }
        return comparisons[operator]

    # --- building blocks ------------------------------------------------------------------

    def _is_gone(self, name: str) -> bool:
        return (
            name.startswith("data.")
            and self.schema is not None
            and name.removeprefix("data.") not in self.schema.properties
        )

    def _operand(self, field: FieldRef, value: Any, where: str) -> Any:
        """The comparison value in the stored form of the field (validated like a write)."""
        if field.prop is not None:
            kind = field.prop.type
            if field.kind is ValueKind.OPTIONS:
                if not isinstance(value, str):
                    raise ValidationError(f"{where}: value must be a string")
                return value
            try:
                # Choice filters may name removed options: stored values can still hold them.
                normalised = kind.normalise(
                    value, Choices((value,)) if isinstance(value, str) else Choices()
                )
            except InvalidValue as error:
                raise ValidationError(f"{where}: {error.reason}") from error
            if normalised is None:
                raise ValidationError(f"{where}: value is required")
            if field.kind in (ValueKind.NUMBER, ValueKind.BOOLEAN):
                return self.json.comparable(normalised)
            return normalised
        if field.kind is ValueKind.DATETIME:
            if not isinstance(value, str):
                raise ValidationError(f"{where}: value must be an ISO 8601 date-time")
            try:
                return parse_instant(value)
            except (InvalidValue, ValueError) as error:
                raise ValidationError(f"{where}: value must be an ISO 8601 date-time") from error
        if not isinstance(value, str) or len(value) > 200:
            raise ValidationError(f"{where}: value must be a string of at most 200 characters")
        return value

    def _present(self, field: FieldRef) -> ColumnElement[bool]:
        if field.prop is not None:
            return self.json.has(Record.data, field.prop.data_key)
        if field.name == "name":
            return Record.name != ""
        if field.name == "tags":
            return self.json.array_not_empty(Record.tags)
        return field.column.is_not(None)  # type: ignore[no-any-return]

    def _absent(self, field: FieldRef) -> ColumnElement[bool]:
        return not_(self._present(field))

    def _equals(self, field: FieldRef, operand: Any) -> ColumnElement[bool]:
        if field.kind is ValueKind.OPTIONS:
            return self._any_of(field, [operand])
        if field.prop is not None:
            if self.json.postgresql and field.kind in _NUMERIC_KINDS:
                matched: ColumnElement[bool] = self.ordered(field) == operand
                return matched
            return self.json.equals(Record.data, field.prop.data_key, operand)
        return field.column == operand  # type: ignore[no-any-return]

    def _any_of(self, field: FieldRef, values: list[Any]) -> ColumnElement[bool]:
        if field.kind is ValueKind.OPTIONS:
            key = field.prop.data_key if field.prop is not None else None
            column = Record.data if field.prop is not None else Record.tags
            return self.json.array_has_any(column, key, values)
        if field.prop is not None:
            return or_(*(self._equals(field, value) for value in values))
        return field.column.in_(values)  # type: ignore[no-any-return]

    def _like(self, field: FieldRef, pattern: str) -> ColumnElement[bool]:
        if field.kind not in _TEXT_KINDS:
            return false()
        text = (
            self.json.text(Record.data, field.prop.data_key)
            if field.prop is not None
            else field.column
        )
        matched: ColumnElement[bool] = func.lower(text).like(pattern, escape="\\")
        return matched

    def ordered(self, field: FieldRef) -> Any:
        if field.prop is not None:
            numeric = field.kind in _NUMERIC_KINDS
            return self.json.sortable(Record.data, field.prop.data_key, numeric)
        return field.column

"""Sorting and keyset pagination: ``(sort keys..., recordId)`` after the cursor, empty values last
in both directions, so page 500 costs what page 1 costs."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true, tuple_

from crmcore.kernel.errors import ValidationError
from crmcore.models import Record
from crmcore.properties.types import ValueKind
from crmcore.records.query.compile import Compiler
from crmcore.records.query.fields import resolve_field

MAX_SORT_KEYS = 3
_DATETIME_TAG = "$dt"


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool
    expression: Any
    nullable: bool


def parse_sort(specs: list[str], compiler: Compiler) -> list[SortKey]:
    if len(specs) > MAX_SORT_KEYS:
        raise ValidationError(f"sortFields: at most {MAX_SORT_KEYS} fields")
    keys = []
    for spec in specs:
        descending = spec.startswith("-")
        field = resolve_field(spec.removeprefix("-").removeprefix("+"), compiler.schema)
        if field.kind is ValueKind.OPTIONS:
            raise ValidationError(f"sortFields: cannot sort by '{field.name}'")
        if field.prop is not None:
            expression = compiler.ordered(field)
            if field.kind in (ValueKind.TEXT, ValueKind.OPTION):
                text = func.lower(compiler.json.text(Record.data, field.prop.data_key))
                expression = compiler.json.code_point_order(text)
            keys.append(SortKey(field.name, descending, expression, nullable=True))
        elif field.name == "name":
            name = compiler.json.code_point_order(func.lower(Record.name))
            keys.append(SortKey("name", descending, name, nullable=False))
        else:
            keys.append(SortKey(field.name, descending, field.column, nullable=False))
    return keys


def order_by(keys: list[SortKey]) -> list[Any]:
    clauses = []
    for key in keys:
        ordered = key.expression.desc() if key.descending else key.expression.asc()
        # One key: ``segments`` reads the empty values separately, so the plain order (which a
        # backward index scan serves) is enough; several keys need NULLS LAST in the order itself.
        clauses.append(ordered.nulls_last() if key.nullable and len(keys) > 1 else ordered)
    tiebreak_descending = keys[0].descending if keys else False
    clauses.append(Record.record_id.desc() if tiebreak_descending else Record.record_id.asc())
    return clauses


def after(keys: list[SortKey], position: list[Any], compiler: Compiler) -> ColumnElement[bool]:
    """Rows strictly after ``position`` (the sort values and record ID of the last row)."""
    if len(position) != len(keys) + 1 or not isinstance(position[-1], str):
        raise ValidationError("startKey: the cursor belongs to another query")
    values = [_decode(value) for value in position[:-1]]
    last_id: str = position[-1]
    tiebreak_descending = keys[0].descending if keys else False
    branches: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        operand = _operand(key, value, compiler)
        if value is None:
            later: ColumnElement[bool] = false()
            same: ColumnElement[bool] = key.expression.is_(None)
        else:
            beyond = key.expression < operand if key.descending else key.expression > operand
            later = or_(beyond, key.expression.is_(None)) if key.nullable else beyond
            same = key.expression == operand
        branches.append(and_(*equal_so_far, later))
        equal_so_far.append(same)
    id_later = Record.record_id < last_id if tiebreak_descending else Record.record_id > last_id
    branches.append(and_(*equal_so_far, id_later))
    return or_(*branches)


def segments(
    keys: list[SortKey], position: list[Any] | None, compiler: Compiler
) -> list[ColumnElement[bool]]:
    """Conditions for the rows after ``position``, as index-friendly parts to read in order.

    With one sort key, each part is a single range over the (key, recordId) index: the rows with a
    value first, then (empty values sort last) the rows without one. Several keys fall back to one
    exact but less index-friendly condition.
    """
    if len(keys) != 1:
        return [true() if position is None else after(keys, position, compiler)]
    key = keys[0]
    if position is None:
        if not key.nullable:
            return [true()]
        return [key.expression.is_not(None), key.expression.is_(None)]
    if len(position) != 2 or not isinstance(position[-1], str):
        raise ValidationError("startKey: the cursor belongs to another query")
    value, last_id = _decode(position[0]), position[1]
    record_after = Record.record_id < last_id if key.descending else Record.record_id > last_id
    if value is None:
        if not key.nullable:
            raise ValidationError("startKey: the cursor belongs to another query")
        return [and_(key.expression.is_(None), record_after)]
    pair = tuple_(key.expression, Record.record_id)
    bound = tuple_(_operand(key, value, compiler), last_id)
    beyond = pair < bound if key.descending else pair > bound
    if not key.nullable:
        return [beyond]
    return [and_(key.expression.is_not(None), beyond), key.expression.is_(None)]


def position(keys: list[SortKey], sort_values: tuple[Any, ...], record_id: str) -> list[Any]:
    return [*(_encode(value) for value in sort_values), record_id]


def _operand(key: SortKey, value: Any, compiler: Compiler) -> Any:
    # PostgreSQL orders numbers and booleans as jsonb; the cursor holds plain JSON values.
    if key.nullable and isinstance(value, int | float | bool):
        return compiler.json.comparable(value)
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME_TAG: value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        try:
            return datetime.fromisoformat(value[_DATETIME_TAG])
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError("startKey: the cursor belongs to another query") from error
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValidationError("startKey: the cursor belongs to another query")
    return value

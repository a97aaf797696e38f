"""Filter operators (records-activities §7.2) and the value kinds each applies to.

Only the table: compiling an operator to SQL belongs to the records query package.
"""

from enum import StrEnum

from crmcore.properties.types.base import InvalidValue, ValueKind


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    CONTAINS = "contains"
    NOT_CONTAINS = "notContains"
    STARTS_WITH = "startsWith"
    ENDS_WITH = "endsWith"
    IN = "in"
    NOT_IN = "notIn"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BETWEEN = "between"
    IS_EMPTY = "isEmpty"
    IS_NOT_EMPTY = "isNotEmpty"


ALIASES: dict[str, Operator] = {
    "equals": Operator.EQ,
    "neq": Operator.NE,
    "notEquals": Operator.NE,
    "nin": Operator.NOT_IN,
}

_PRESENCE = frozenset({Operator.IS_EMPTY, Operator.IS_NOT_EMPTY})
_EQUALITY = frozenset({Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN}) | _PRESENCE
_ORDERED = _EQUALITY | {Operator.GT, Operator.GTE, Operator.LT, Operator.LTE, Operator.BETWEEN}

# For OPTIONS (MULTI_CHECKBOX) eq and contains both mean "has this element", in "shares one".
OPERATORS_BY_KIND: dict[ValueKind, frozenset[Operator]] = {
    ValueKind.TEXT: _EQUALITY
    | {Operator.CONTAINS, Operator.NOT_CONTAINS, Operator.STARTS_WITH, Operator.ENDS_WITH},
    ValueKind.NUMBER: _ORDERED,
    ValueKind.DATE: _ORDERED,
    ValueKind.DATETIME: _ORDERED,
    ValueKind.BOOLEAN: frozenset({Operator.EQ, Operator.NE}) | _PRESENCE,
    ValueKind.OPTION: _EQUALITY,
    ValueKind.OPTIONS: _EQUALITY | {Operator.CONTAINS, Operator.NOT_CONTAINS},
}


def resolve_operator(name: str, kind: ValueKind) -> Operator:
    operator = ALIASES.get(name)
    if operator is None:
        try:
            operator = Operator(name)
        except ValueError:
            raise InvalidValue(f"unknown operator {name[:40]!r}") from None
    if operator not in OPERATORS_BY_KIND[kind]:
        raise InvalidValue(f"operator {operator.value!r} does not apply to {kind.value} values")
    return operator

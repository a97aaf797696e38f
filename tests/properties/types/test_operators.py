import pytest

from crmcore.properties.types import ValueKind
from crmcore.properties.types.operators import (
    ALIASES,
    OPERATORS_BY_KIND,
    Operator,
    resolve_operator,
)
from tests.properties.types.helpers import rejection

K = ValueKind
Op = Operator


def test_operator_names() -> None:
    assert [operator.value for operator in Operator] == [
        "eq",
        "ne",
        "contains",
        "notContains",
        "startsWith",
        "endsWith",
        "in",
        "notIn",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "isEmpty",
        "isNotEmpty",
    ]
    assert ALIASES == {"equals": Op.EQ, "neq": Op.NE, "notEquals": Op.NE, "nin": Op.NOT_IN}


EXPECTED: dict[ValueKind, set[Operator]] = {
    K.TEXT: {
        Op.EQ, Op.NE, Op.CONTAINS, Op.NOT_CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.IN, Op.NOT_IN,
        Op.IS_EMPTY, Op.IS_NOT_EMPTY,
    },
    K.NUMBER: {
        Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.IS_EMPTY,
        Op.IS_NOT_EMPTY,
    },
    K.BOOLEAN: {Op.EQ, Op.NE, Op.IS_EMPTY, Op.IS_NOT_EMPTY},
    K.OPTION: {Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.IS_EMPTY, Op.IS_NOT_EMPTY},
    K.OPTIONS: {
        Op.EQ, Op.NE, Op.CONTAINS, Op.NOT_CONTAINS, Op.IN, Op.NOT_IN, Op.IS_EMPTY, Op.IS_NOT_EMPTY
    },
}  # fmt: skip
EXPECTED[K.DATE] = EXPECTED[K.DATETIME] = EXPECTED[K.NUMBER]


def test_the_table_covers_every_kind_exactly() -> None:
    assert OPERATORS_BY_KIND == EXPECTED


@pytest.mark.parametrize(
    ("name", "kind", "operator"),
    [
        ("eq", K.TEXT, Op.EQ),
        ("equals", K.BOOLEAN, Op.EQ),
        ("neq", K.OPTION, Op.NE),
        ("notEquals", K.DATE, Op.NE),
        ("nin", K.OPTIONS, Op.NOT_IN),
        ("contains", K.OPTIONS, Op.CONTAINS),
        ("startsWith", K.TEXT, Op.STARTS_WITH),
        ("between", K.DATETIME, Op.BETWEEN),
        ("gte", K.NUMBER, Op.GTE),
        ("isEmpty", K.OPTIONS, Op.IS_EMPTY),
    ],
)
def test_resolve(name: str, kind: ValueKind, operator: Operator) -> None:
    assert resolve_operator(name, kind) is operator


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("EQ", K.TEXT, "unknown operator 'EQ'"),
        ("like", K.TEXT, "unknown operator 'like'"),
        ("", K.TEXT, "unknown operator ''"),
        ("x" * 100, K.TEXT, f"unknown operator '{'x' * 40}'"),
        ("gt", K.TEXT, "operator 'gt' does not apply to TEXT values"),
        ("between", K.OPTION, "operator 'between' does not apply to OPTION values"),
        ("contains", K.OPTION, "operator 'contains' does not apply to OPTION values"),
        ("contains", K.NUMBER, "operator 'contains' does not apply to NUMBER values"),
        ("in", K.BOOLEAN, "operator 'in' does not apply to BOOLEAN values"),
        ("startsWith", K.OPTIONS, "operator 'startsWith' does not apply to OPTIONS values"),
        ("nin", K.BOOLEAN, "operator 'notIn' does not apply to BOOLEAN values"),
    ],
)
def test_resolve_rejects(name: str, kind: ValueKind, reason: str) -> None:
    assert rejection(lambda: resolve_operator(name, kind)) == reason

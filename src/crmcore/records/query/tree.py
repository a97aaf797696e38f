"""The condition tree of advanced search (and of the flat ``filters`` of the record list)."""

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from crmcore.kernel.errors import ValidationError

MAX_CONDITIONS_PER_GROUP = 50
MAX_DEPTH = 5
MAX_LEAVES = 200


class Condition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    field: str = Field(min_length=1, max_length=80, strict=True)
    operator: str = Field(min_length=1, max_length=40, strict=True)
    value: Any = None


class Group(BaseModel):
    model_config = ConfigDict(extra="ignore")

    operator: Literal["AND", "OR"]
    conditions: list["Condition | Group"] = Field(max_length=MAX_CONDITIONS_PER_GROUP)


def check_bounds(group: Group) -> None:
    """Depth and size limits, so that no filter can make the database do unbounded work."""
    leaves = 0

    def walk(node: Group, depth: int) -> None:
        nonlocal leaves
        if depth > MAX_DEPTH:
            raise ValidationError(f"conditionGroup: nested deeper than {MAX_DEPTH} levels")
        for child in node.conditions:
            if isinstance(child, Group):
                walk(child, depth + 1)
            else:
                leaves += 1
        if leaves > MAX_LEAVES:
            raise ValidationError(f"conditionGroup: more than {MAX_LEAVES} conditions")

    walk(group, 1)


def group_from_filters(filters: dict[str, Any]) -> Group:
    """``{"<field>": {"op": "eq", "value": x}}`` or ``{"<field>": x}``: all combined with AND."""
    conditions: list[Condition | Group] = []
    for field, spec in filters.items():
        operator = spec.get("op", "eq") if isinstance(spec, dict) else "eq"
        value = spec.get("value") if isinstance(spec, dict) else spec
        try:
            conditions.append(Condition(field=field, operator=operator, value=value))
        except PydanticValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem.get("loc", ()))
            raise ValidationError(f"filters.{field[:64]}: {where} {problem['msg']}") from error
    if len(conditions) > MAX_CONDITIONS_PER_GROUP:
        raise ValidationError(f"filters: at most {MAX_CONDITIONS_PER_GROUP} conditions")
    return Group(operator="AND", conditions=conditions)


def group_from_list_params(filters: str | None, keyword: str | None) -> Group | None:
    """The record list's ``filters`` (a JSON object, as a string) and ``keyword`` (name contains),
    also accepted wherever the spec selects records "by condition" (bulk relationship sources)."""
    conditions: list[Condition | Group] = []
    if filters:
        try:
            parsed = orjson.loads(filters)
        except orjson.JSONDecodeError as error:
            raise ValidationError("filters: not valid JSON") from error
        if not isinstance(parsed, dict):
            raise ValidationError("filters: must be a JSON object")
        conditions.append(group_from_filters(parsed))
    if keyword and keyword.strip():
        conditions.append(Condition(field="name", operator="contains", value=keyword.strip()))
    return Group(operator="AND", conditions=conditions) if conditions else None

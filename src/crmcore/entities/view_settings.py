"""``viewSettings`` (TABLE, BOARD, CALENDAR) and ``insightWidgets``: shapes, merging, checks."""

import copy
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from crmcore.kernel.errors import ValidationError
from crmcore.kernel.wire import ABSENT, WireModel

Mode = Literal["TABLE", "BOARD", "CALENDAR"]
AggregationType = Literal["SUM", "AVG", "MIN", "MAX", "COUNT"]
SortOrder = Literal["ASC", "DESC"]
PropertyRef = str | None

MAX_WIDGETS = 20
MAX_WIDGETS_BYTES = 16 * 1024
MAX_CLOSED_VALUES = 200


def default_view_settings() -> dict[str, Any]:
    return {
        "mode": "TABLE",
        "table": {"pageSize": 25},
        "board": {
            "groupByPropertyId": None,
            "sumPropertyId": None,
            "weightPropertyId": None,
            "sortByPropertyId": None,
            "closedWonValues": [],
            "closedLostValues": [],
            "dealRotting": {"enabled": False, "days": 14},
        },
        "calendar": {"datePropertyId": None, "titlePropertyId": None, "colorPropertyId": None},
    }


# Patch models: every field may be absent; ``default=ABSENT`` on a non-optional type means
# "absent is fine, an explicit null is a 400".


class TablePatch(WireModel):
    page_size: int = Field(default=ABSENT, ge=1, le=200, strict=True)


class DealRottingPatch(WireModel):
    enabled: bool = Field(default=ABSENT, strict=True)
    days: int = Field(default=ABSENT, ge=1, le=365, strict=True)


class BoardPatch(WireModel):
    group_by_property_id: PropertyRef = None
    sum_property_id: PropertyRef = None
    weight_property_id: PropertyRef = None
    aggregation_type: AggregationType | None = None
    sort_by_property_id: PropertyRef = None
    sort_order: SortOrder | None = None
    closed_won_values: list[str] = Field(default=ABSENT, max_length=MAX_CLOSED_VALUES)
    closed_lost_values: list[str] = Field(default=ABSENT, max_length=MAX_CLOSED_VALUES)
    deal_rotting: DealRottingPatch = Field(default=ABSENT)


class CalendarPatch(WireModel):
    date_property_id: PropertyRef = None
    title_property_id: PropertyRef = None
    color_property_id: PropertyRef = None


class ViewSettingsPatch(WireModel):
    mode: Mode = Field(default=ABSENT)
    table: TablePatch = Field(default=ABSENT)
    board: BoardPatch = Field(default=ABSENT)
    calendar: CalendarPatch = Field(default=ABSENT)


class InsightWidget(WireModel):
    """Stored, not interpreted: unknown keys are kept verbatim."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    widget_id: str | None = Field(default=None, max_length=64)
    type: str = Field(min_length=1, max_length=50)
    property_id: str | None = None


@dataclass(frozen=True, slots=True)
class PropertyFacts:
    """What view settings need to know of one live property of the entity."""

    field_type: str
    option_values: frozenset[str]


_OPTIONAL_KEYS = {"aggregationType", "sortOrder"}

_REFERENCE_TYPES: dict[tuple[str, str], frozenset[str] | None] = {
    ("board", "groupByPropertyId"): frozenset({"DROPDOWN", "RADIO"}),
    ("board", "sumPropertyId"): frozenset({"NUMBER"}),
    ("board", "weightPropertyId"): frozenset({"NUMBER"}),
    ("board", "sortByPropertyId"): None,
    ("calendar", "datePropertyId"): frozenset({"DATE", "DATETIME"}),
    ("calendar", "titlePropertyId"): None,
    ("calendar", "colorPropertyId"): frozenset({"DROPDOWN", "RADIO"}),
}


def merge_view_settings(stored: Mapping[str, Any], patch: ViewSettingsPatch) -> dict[str, Any]:
    """Deep-merge: present keys replace (null clears a reference), absent keys are kept."""
    merged = copy.deepcopy(dict(stored))
    _merge_into(merged, patch.model_dump(by_alias=True, exclude_unset=True))
    return merged


def _merge_into(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        elif value is None and key in _OPTIONAL_KEYS:
            target.pop(key, None)
        else:
            target[key] = value


def validate_view_settings(
    settings: Mapping[str, Any], properties: Mapping[str, PropertyFacts]
) -> None:
    for (section, key), allowed in _REFERENCE_TYPES.items():
        property_id = settings[section].get(key)
        if property_id is None:
            continue
        facts = properties.get(property_id)
        path = f"viewSettings.{section}.{key}"
        if facts is None:
            raise ValidationError(f"{path}: '{property_id}' is not a property of this entity")
        if allowed is not None and facts.field_type not in allowed:
            kinds = " or ".join(sorted(allowed))
            raise ValidationError(f"{path}: the property must be of type {kinds}")
    board = settings["board"]
    won, lost = board.get("closedWonValues", []), board.get("closedLostValues", [])
    group_by = board.get("groupByPropertyId")
    for name, values in (("closedWonValues", won), ("closedLostValues", lost)):
        path = f"viewSettings.board.{name}"
        if len(set(values)) != len(values):
            raise ValidationError(f"{path}: values must be distinct")
        if values and group_by is None:
            raise ValidationError(f"{path}: requires board.groupByPropertyId")
        if group_by is not None:
            unknown = [v for v in values if v not in properties[group_by].option_values]
            if unknown:
                raise ValidationError(
                    f"{path}: '{unknown[0]}' is not an option of the group-by property"
                )
    if set(won) & set(lost):
        raise ValidationError(
            "viewSettings.board: a value cannot be both closed-won and closed-lost"
        )


def normalise_widgets(
    widgets: list[InsightWidget], properties: Mapping[str, PropertyFacts]
) -> list[dict[str, Any]]:
    """The array replaces the stored one whole; missing widget IDs are generated."""
    if len(widgets) > MAX_WIDGETS:
        raise ValidationError(f"insightWidgets: at most {MAX_WIDGETS} widgets")
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, widget in enumerate(widgets):
        item = widget.model_dump(by_alias=True, exclude_none=True)
        item["widgetId"] = item.get("widgetId") or secrets.token_urlsafe(8)
        if item["widgetId"] in seen:
            raise ValidationError(
                f"insightWidgets[{index}].widgetId: duplicate '{item['widgetId']}'"
            )
        seen.add(item["widgetId"])
        property_id = item.get("propertyId")
        if property_id is not None and property_id not in properties:
            raise ValidationError(
                f"insightWidgets[{index}].propertyId: '{property_id}' is not a property "
                "of this entity"
            )
        result.append(item)
    if len(orjson.dumps(result)) > MAX_WIDGETS_BYTES:
        raise ValidationError(f"insightWidgets: at most {MAX_WIDGETS_BYTES} bytes of JSON")
    return result


def prune_references(
    settings: Mapping[str, Any],
    widgets: list[dict[str, Any]],
    properties: Mapping[str, PropertyFacts],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Drop what no longer fits after a property was deleted, retyped or lost options."""
    pruned = copy.deepcopy(dict(settings))
    for (section, key), allowed in _REFERENCE_TYPES.items():
        property_id = pruned[section].get(key)
        if property_id is None:
            continue
        facts = properties.get(property_id)
        if facts is None or (allowed is not None and facts.field_type not in allowed):
            pruned[section][key] = None
    board = pruned["board"]
    group_by = board.get("groupByPropertyId")
    options = properties[group_by].option_values if group_by is not None else frozenset()
    for name in ("closedWonValues", "closedLostValues"):
        board[name] = [value for value in board.get(name, []) if value in options]
    kept = [w for w in widgets if w.get("propertyId") is None or w["propertyId"] in properties]
    return pruned, kept

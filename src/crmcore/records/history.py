"""Record history: how the changes of a log entry are stored, and shown by the API.

The API shows every entry as a list of ``{field, before, after}`` (``data.<propertyId>`` for
values). Most entries are stored that way. A CREATE or IMPORT entry stores the record's initial
values as one object instead: ``{"initial": {"name", "data", "tags", "ownerId"}}``, with ``data``
keyed by data key as in ``records.data``. An import writes one such entry per row, and in list
form they were three times the size of the records they describe (1,437 bytes of changes per
row against ~500 for the record).
"""

from collections.abc import Mapping
from typing import Any

from crmcore.records.values import EntitySchema, PropertyView, render_value


def initial_changes(
    name: str, stored_data: Mapping[str, Any], tags: list[str], owner_id: str | None
) -> dict[str, Any]:
    """The stored changes of a CREATE or IMPORT entry (``stored_data`` as in ``records.data``)."""
    initial: dict[str, Any] = {}
    if name:
        initial["name"] = name
    if stored_data:
        initial["data"] = stored_data
    if tags:
        initial["tags"] = tags
    if owner_id is not None:
        initial["ownerId"] = owner_id
    return {"initial": initial}


def shown_changes(
    stored: list[dict[str, Any]] | dict[str, Any], schema: EntitySchema, *, clear_values: bool
) -> list[dict[str, Any]]:
    """The entry's changes for the API: values of deleted properties left out (they stay
    hidden), masked values masked for callers who may not see them."""
    shown: list[dict[str, Any]] = []
    for field, view, before, after in _changes(stored, schema):
        shown.append(
            {
                "field": field,
                "before": render_value(view, before, clear_values=clear_values),
                "after": render_value(view, after, clear_values=clear_values),
            }
        )
    return shown


_Change = tuple[str, PropertyView | None, Any, Any]


def _changes(stored: list[dict[str, Any]] | dict[str, Any], schema: EntitySchema) -> list[_Change]:
    if isinstance(stored, dict):
        return _initial(stored.get("initial", {}), schema)
    changes: list[_Change] = []
    for change in stored:
        field = change["field"]
        view = None
        if field.startswith("data."):
            view = schema.properties.get(field.removeprefix("data."))
            if view is None:
                continue
        changes.append((field, view, change["before"], change["after"]))
    return changes


def _initial(initial: Mapping[str, Any], schema: EntitySchema) -> list[_Change]:
    changes: list[_Change] = []
    if "name" in initial:
        changes.append(("name", None, None, initial["name"]))
    # JSON objects keep no order on PostgreSQL: values in the order their properties were made.
    data: Mapping[str, Any] = initial.get("data", {})
    for data_key in sorted(data, key=_issue_order):
        view = schema.by_data_key.get(data_key)
        if view is not None:
            changes.append((f"data.{view.property_id}", view, None, data[data_key]))
    if "tags" in initial:
        changes.append(("tags", None, None, initial["tags"]))
    if "ownerId" in initial:
        changes.append(("ownerId", None, None, initial["ownerId"]))
    return changes


def _issue_order(data_key: str) -> tuple[int, str]:
    """Data keys are issued "1", "2", ..., "10": shorter first, then by text, is their order."""
    return (len(data_key), data_key)

"""Records: the parts other domains rely on (the Records API itself arrives with its issue)."""

from collections.abc import Iterator, Mapping
from typing import Any

from crmcore.kernel.context import Context
from crmcore.records.repository import RecordRepository


def property_values(ctx: Context, entity_id: str, property_id: str) -> Iterator[tuple[str, Any]]:
    return RecordRepository(ctx.session, ctx.caller).property_values(entity_id, property_id)


def set_property_values(
    ctx: Context, entity_id: str, property_id: str, values: Mapping[str, Any]
) -> None:
    RecordRepository(ctx.session, ctx.caller).set_property_values(entity_id, property_id, values)

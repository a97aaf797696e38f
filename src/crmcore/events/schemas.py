"""Request and response shapes of ``/crm-core/v1/events``."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import pydantic
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from crmcore.kernel.errors import ValidationError
from crmcore.kernel.wire import WireModel, format_datetime, json_number
from crmcore.models import Event
from crmcore.properties.types.base import InvalidValue
from crmcore.properties.types.datetime_ import format_instant, parse_instant

DEFAULT_PAGE, MAX_PAGE = 20, 200
MAX_BULK = 100
MAX_PROPERTIES_BYTES = 16 * 1024
#: Ours: keeps every sum finite on both databases (PostgreSQL raises on a float8 overflow, SQLite
#: would answer infinity) and integral amounts exact; 10^15 covers any realistic amount.
MAX_ABS_VALUE = 1e15


def _instant(value: object) -> object:
    """ISO 8601 with an offset, stored in UTC to the millisecond (what the API shows back)."""
    if not isinstance(value, str):
        return value  # left to the datetime type, which refuses it in strict mode
    if len(value) > 64:
        raise ValueError("must be an ISO 8601 date-time with an offset")
    try:
        moment = parse_instant(value)
    except InvalidValue as error:
        raise ValueError(error.reason) from None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _value(value: object) -> object:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) > MAX_ABS_VALUE
    ):
        raise ValueError(f"must be between -{MAX_ABS_VALUE:.0f} and {MAX_ABS_VALUE:.0f}")
    return value


Id = Annotated[str, StringConstraints(min_length=1, max_length=128, strict=True)]
#: Event types and categories are grouping keys: trimmed, so that " PURCHASE" is "PURCHASE".
EventType = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, strict=True)
]
Category = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128, strict=True)]
Label = Annotated[str, StringConstraints(max_length=512, strict=True)]
Value = Annotated[float, BeforeValidator(_value), Field(strict=True, allow_inf_nan=False)]
Instant = Annotated[datetime, BeforeValidator(_instant), Field(strict=True)]


class EventCreate(WireModel):
    entity_id: Id
    record_id: Id = Field(description="A live record of entityId")
    event_type: EventType = Field(description="Free-form, e.g. PURCHASE")
    category: Category | None = Field(default=None, description='"" is the same as absent')
    label: Label | None = Field(default=None, description='"" is the same as absent')
    value: Value | None = Field(default=None, description="A number, e.g. an amount")
    properties: dict[str, Any] = Field(
        default_factory=dict, description="Any JSON object, at most 16 KiB serialised"
    )
    occurred_at: Instant | None = Field(
        default=None, description="ISO 8601 with an offset or Z; default: now"
    )


_ITEMS = pydantic.TypeAdapter(EventCreate)
#: The bulk items are validated one by one (see ``parse_item``), so the schema is given by hand.
_ITEMS_SCHEMA = WithJsonSchema(
    {
        "type": "array",
        "items": EventCreate.model_json_schema(by_alias=True),
        "minItems": 1,
        "maxItems": MAX_BULK,
    }
)


class EventBulkCreate(WireModel):
    events: Annotated[list[Any], Field(min_length=1, max_length=MAX_BULK), _ITEMS_SCHEMA]


def parse_item(index: int, item: Any) -> EventCreate:
    """One bulk item, with errors named ``events[<index>].<field>`` like every bulk message."""
    try:
        return _ITEMS.validate_python(item)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        path = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        )
        raise ValidationError(f"events[{index}]{path}: {first['msg']}") from None


class EventOut(WireModel):
    event_id: str
    entity_id: str
    record_id: str
    event_type: str
    category: str | None = Field(default=None, description="Omitted when unset")
    label: str | None = Field(default=None, description="Omitted when unset")
    value: float | None = Field(default=None, description="Omitted when unset")
    properties: dict[str, Any]
    occurred_at: str
    date_created: str


class EventBulkCreated(WireModel):
    created: int


class EventPage(WireModel):
    data: list[EventOut]
    next_key: str | None = Field(default=None, description="Omitted on the last page")


class EventSummary(WireModel):
    event_type: str
    category: str | None = Field(default=None, description="null for events without one")
    total_count: int
    total_value: float = Field(description="Sum of value; events without one count as 0")
    last_occurred_at: str


class EventSummaries(WireModel):
    summaries: list[EventSummary]


@dataclass(frozen=True, slots=True)
class Summary:
    """One (eventType, category) group, as the database sums it up."""

    event_type: str
    category: str | None
    total_count: int
    total_value: float
    last_occurred_at: datetime


def summary_to_wire(summary: Summary) -> dict[str, Any]:
    """``category`` is always present (null without one): with eventType it names the group."""
    return {
        "eventType": summary.event_type,
        "category": summary.category,
        "totalCount": summary.total_count,
        "totalValue": json_number(summary.total_value),
        "lastOccurredAt": format_instant(summary.last_occurred_at),
    }


def event_to_wire(event: Event) -> dict[str, Any]:
    """Unset optional fields are omitted; ``properties`` is always present."""
    body: dict[str, Any] = {
        "eventId": event.event_id,
        "entityId": event.entity_id,
        "recordId": event.record_id,
        "eventType": event.event_type,
    }
    if event.category is not None:
        body["category"] = event.category
    if event.label is not None:
        body["label"] = event.label
    if event.value is not None:
        body["value"] = json_number(event.value)
    body.update(
        properties=event.properties,
        # Not format_datetime: any year is accepted, and strftime does not zero-pad below 1000.
        occurredAt=format_instant(event.occurred_at),
        dateCreated=format_datetime(event.date_created),
    )
    return body

"""HTTP endpoints of ``/crm-core/v1/events``.

``/bulk`` and ``/summaries`` are registered before anything parametrised so that they can never
be taken for an event ID. Events are immutable: there is no update or delete.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.events import service as event_service
from crmcore.events.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    EventBulkCreate,
    EventBulkCreated,
    EventCreate,
    EventOut,
    EventPage,
    EventSummaries,
    event_to_wire,
    summary_to_wire,
)
from crmcore.events.service import EventQuery
from crmcore.kernel import errors

router = APIRouter(
    prefix="/events",
    tags=["events"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)
EntityId = Annotated[str, Query(alias="entityId", min_length=1, max_length=128)]
RecordId = Annotated[str | None, Query(alias="recordId", max_length=128)]
EventType = Annotated[str | None, Query(alias="eventType", max_length=128)]
Category = Annotated[str | None, Query(alias="category", max_length=128)]


@router.post(
    "/bulk",
    name="createEventBulk",
    responses=ok(EventBulkCreated) | error_responses(errors.NotFound),
)
def create_bulk(ctx: ContextDep, body: EventBulkCreate) -> JsonResponse:
    """Record 1-100 events at once, all or nothing (a bad item is a 400 or 404 naming its
    index, e.g. events[3].recordId)."""
    return JsonResponse({"created": event_service.create_bulk(ctx, body.events)})


@router.get(
    "/summaries",
    name="getEventSummaries",
    responses=ok(EventSummaries) | error_responses(*_LOOKUP),
)
def summaries(
    ctx: ContextDep,
    entity_id: EntityId,
    record_id: RecordId = None,
    event_type: EventType = None,
    category: Category = None,
) -> JsonResponse:
    """Count, sum of value and last occurrence per (eventType, category), most frequent first."""
    query = EventQuery.of(entity_id, record_id, event_type, category)
    rows = event_service.summaries(ctx, query)
    return JsonResponse({"summaries": [summary_to_wire(row) for row in rows]})


@router.post(
    "", name="createEvent", responses=ok(EventOut, "The event") | error_responses(errors.NotFound)
)
def create(ctx: ContextDep, body: EventCreate) -> JsonResponse:
    """Record one behaviour event for a live record of entityId."""
    return JsonResponse(event_to_wire(event_service.create(ctx, body)))


@router.get("", name="getEventList", responses=ok(EventPage) | error_responses(*_LOOKUP))
def list_events(
    ctx: ContextDep,
    entity_id: EntityId,
    record_id: RecordId = None,
    event_type: EventType = None,
    category: Category = None,
    start_key: Annotated[str | None, Query(alias="startKey", max_length=4096)] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Page size 1-200 (default 20)")
    ] = DEFAULT_PAGE,
) -> JsonResponse:
    """Events of visible records, newest first (occurredAt, then eventId), cursor-paginated."""
    query = EventQuery.of(entity_id, record_id, event_type, category)
    page = event_service.list_page(ctx, query, start_key, limit)
    body: dict[str, Any] = {"data": [event_to_wire(event) for event in page.items]}
    if page.next_key is not None:
        body["nextKey"] = page.next_key
    return JsonResponse(body)

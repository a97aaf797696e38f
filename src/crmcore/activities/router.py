"""HTTP endpoints of ``/crm-core/v1/activities``.

``/record/{recordId}/scheduled`` is registered before ``/{activityId}`` so that it is never taken
for an ID.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from crmcore.activities import service as activity_service
from crmcore.activities.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ActivityCreate,
    ActivityDeleted,
    ActivityOut,
    ActivityPage,
    ActivityType,
    ActivityUpdate,
    activity_to_wire,
)
from crmcore.activities.service import ListQuery
from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.kernel import errors

router = APIRouter(
    prefix="/activities",
    tags=["activities"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)
_ONE = ok(ActivityOut, "The activity")
ActivityId = Annotated[str, Path(alias="activityId")]
RecordIdOrCalendar = Annotated[
    str | None,
    Query(alias="recordId", max_length=64, description='A record ID, or "CALENDAR"'),
]
Limit = Annotated[int, Query(ge=1, description="Page size (default 20); above 200 is clamped")]


@router.post("", name="createActivity", responses=_ONE | error_responses(*_LOOKUP))
def create(ctx: ContextDep, body: ActivityCreate) -> JsonResponse:
    """Log an activity on a record, or a general calendar entry (recordId "CALENDAR")."""
    return JsonResponse(activity_to_wire(activity_service.create(ctx, body)))


@router.get("", name="getActivityList", responses=ok(ActivityPage) | error_responses(*_LOOKUP))
def list_activities(
    ctx: ContextDep,
    record_id: RecordIdOrCalendar = None,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
    activity_type: Annotated[ActivityType | None, Query(alias="activityType")] = None,
    start_key: Annotated[str | None, Query(alias="startKey", max_length=4096)] = None,
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """Visible activities, newest first, cursor-paginated (nextKey -> startKey)."""
    query = ListQuery(record_id, entity_id, activity_type, start_key, min(limit, MAX_PAGE))
    page = activity_service.list_page(ctx, query)
    body: dict[str, Any] = {"data": [activity_to_wire(item) for item in page.items]}
    if page.next_key is not None:
        body["nextKey"] = page.next_key
    return JsonResponse(body)


@router.get(
    "/record/{recordId}/scheduled",
    name="getScheduledActivities",
    responses=ok(list[ActivityOut]) | error_responses(*_LOOKUP),
)
def scheduled(
    ctx: ContextDep,
    record_id: Annotated[str, Path(alias="recordId", description='A record ID, or "CALENDAR"')],
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """Activities of a record with a scheduledAt or a dueDate, soonest first."""
    items = activity_service.scheduled(ctx, record_id, min(limit, MAX_PAGE))
    return JsonResponse([activity_to_wire(item) for item in items])


@router.get("/{activityId}", name="getActivity", responses=_ONE | error_responses(*_LOOKUP))
def get(ctx: ContextDep, activity_id: ActivityId) -> JsonResponse:
    """Get one activity."""
    return JsonResponse(activity_to_wire(activity_service.get(ctx, activity_id)))


@router.patch("/{activityId}", name="updateActivity", responses=_ONE | error_responses(*_LOOKUP))
def update(ctx: ContextDep, activity_id: ActivityId, body: ActivityUpdate) -> JsonResponse:
    """Change some fields (a MEMBER only of its own activities); null clears optional ones."""
    return JsonResponse(activity_to_wire(activity_service.update(ctx, activity_id, body)))


@router.delete(
    "/{activityId}",
    name="deleteActivity",
    responses=ok(ActivityDeleted) | error_responses(*_LOOKUP),
)
def delete(ctx: ContextDep, activity_id: ActivityId) -> JsonResponse:
    """Delete an activity for good (a MEMBER only its own)."""
    return JsonResponse({"activityId": activity_service.delete(ctx, activity_id)})

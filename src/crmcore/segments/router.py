"""HTTP endpoints of ``/crm-core/v1/segments``."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.kernel import errors
from crmcore.segments import service as segment_service
from crmcore.segments.schemas import (
    SegmentCreate,
    SegmentDeleted,
    SegmentOut,
    SegmentUpdate,
    segment_to_wire,
)

router = APIRouter(
    prefix="/segments", tags=["segments"], default_response_class=JsonResponse, route_class=CrmRoute
)
_ONE = ok(SegmentOut, "The segment")
_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)


@router.get("", name="list", responses=ok(list[SegmentOut]) | error_responses(*_LOOKUP))
def list_segments(
    ctx: ContextDep,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
) -> JsonResponse:
    """Segments of the accessible entities, by priority (at most 500)."""
    return JsonResponse([segment_to_wire(s) for s in segment_service.list_segments(ctx, entity_id)])


@router.post("", name="create", responses=_ONE | error_responses(*_LOOKUP, errors.DuplicateSegment))
def create(ctx: ContextDep, body: SegmentCreate) -> JsonResponse:
    """Save a condition group over one entity's records."""
    return JsonResponse(segment_to_wire(segment_service.create(ctx, body)))


@router.get("/{segmentId}", name="get", responses=_ONE | error_responses(*_LOOKUP))
def get(ctx: ContextDep, segment_id: Annotated[str, Path(alias="segmentId")]) -> JsonResponse:
    """Get one segment."""
    return JsonResponse(segment_to_wire(segment_service.get(ctx, segment_id)[0]))


@router.patch(
    "/{segmentId}",
    name="update",
    responses=_ONE | error_responses(*_LOOKUP, errors.DuplicateSegment),
)
def update(
    ctx: ContextDep, segment_id: Annotated[str, Path(alias="segmentId")], body: SegmentUpdate
) -> JsonResponse:
    """Rename, describe, reorder or change the conditions of a segment."""
    return JsonResponse(segment_to_wire(segment_service.update(ctx, segment_id, body)))


@router.delete(
    "/{segmentId}", name="delete", responses=ok(SegmentDeleted) | error_responses(*_LOOKUP)
)
def delete(ctx: ContextDep, segment_id: Annotated[str, Path(alias="segmentId")]) -> JsonResponse:
    """Delete a segment (its records are untouched)."""
    return JsonResponse({"segmentId": segment_service.delete(ctx, segment_id), "deleted": True})

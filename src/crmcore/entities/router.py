"""HTTP endpoints of the Entities API: parse, call one service function, render."""

from typing import Annotated

from fastapi import APIRouter, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.entities import service as entity_service
from crmcore.entities.schemas import (
    EntityCreate,
    EntityDeleted,
    EntityOut,
    EntityReorder,
    EntityUpdate,
    entity_to_wire,
)
from crmcore.kernel import errors
from crmcore.kernel.wire import format_datetime

router = APIRouter(
    prefix="/entities", tags=["entities"], default_response_class=JsonResponse, route_class=CrmRoute
)

_ONE = ok(EntityOut, "The entity")
_MANY = ok(list[EntityOut], "Entities")
_DELETED = ok(EntityDeleted, "Deleted")


@router.get("", name="list", responses=_MANY | error_responses())
def list_entities(
    ctx: ContextDep,
    keyword: Annotated[str | None, Query(max_length=100)] = None,
) -> JsonResponse:
    """List the active entities the caller may use, in sidebar order (at most 200)."""
    return JsonResponse([entity_to_wire(e) for e in entity_service.list_entities(ctx, keyword)])


@router.get("/trash", name="listTrash", responses=_MANY | error_responses(errors.Forbidden))
def list_trash(ctx: ContextDep) -> JsonResponse:
    """List the entities in the trash, most recently deleted first (OWNER)."""
    entities = entity_service.list_trash(ctx)
    return JsonResponse([entity_to_wire(e, purge_at=entity_service.purge_at(e)) for e in entities])


@router.post("/reorder", name="reorder", responses=_MANY | error_responses(errors.Forbidden))
def reorder(ctx: ContextDep, body: EntityReorder) -> JsonResponse:
    """Set the sidebar order: listed entities first, the others after them."""
    entities = entity_service.reorder(ctx, body.entity_ids)
    return JsonResponse([entity_to_wire(e) for e in entities])


@router.post(
    "",
    name="create",
    responses=_ONE
    | error_responses(errors.Forbidden, errors.QuotaExceeded, errors.DuplicateEntity),
)
def create(ctx: ContextDep, body: EntityCreate) -> JsonResponse:
    """Create an entity (OWNER)."""
    return JsonResponse(entity_to_wire(entity_service.create(ctx, body)))


@router.get(
    "/{entityId}",
    name="get",
    responses=_ONE | error_responses(errors.NotFound, errors.Gone, errors.Forbidden),
)
def get(ctx: ContextDep, entityId: str) -> JsonResponse:
    """Get one entity with all its metadata."""
    return JsonResponse(entity_to_wire(entity_service.get_accessible(ctx, entityId)))


@router.patch(
    "/{entityId}",
    name="update",
    responses=_ONE
    | error_responses(errors.NotFound, errors.Gone, errors.Forbidden, errors.DuplicateEntity),
)
def update(ctx: ContextDep, entityId: str, body: EntityUpdate) -> JsonResponse:
    """Update the given fields; recordAccess and ownerId need a CRM OWNER."""
    return JsonResponse(entity_to_wire(entity_service.update(ctx, entityId, body)))


@router.delete(
    "/{entityId}",
    name="delete",
    responses=_DELETED | error_responses(errors.NotFound, errors.Gone, errors.Forbidden),
)
def delete(
    ctx: ContextDep,
    entityId: str,
    permanent: Annotated[bool, Query(strict=False)] = False,
) -> JsonResponse:
    """Move an entity to the trash, or with permanent=true delete it and all it holds (OWNER)."""
    if permanent:
        deleted_id = entity_service.delete_permanently(ctx, entityId)
        return JsonResponse({"entityId": deleted_id, "deleted": True, "permanent": True})
    entity = entity_service.trash(ctx, entityId)
    assert entity.deleted_at is not None
    return JsonResponse(
        {
            "entityId": entity.entity_id,
            "isDeleted": True,
            "deletedAt": format_datetime(entity.deleted_at),
        }
    )


@router.post(
    "/{entityId}/restore",
    name="restore",
    responses=_ONE | error_responses(errors.NotFound, errors.Forbidden),
)
def restore(ctx: ContextDep, entityId: str) -> JsonResponse:
    """Bring an entity back from the trash (OWNER)."""
    return JsonResponse(entity_to_wire(entity_service.restore(ctx, entityId)))

"""HTTP endpoints of property groups (``/crm-core/v1/property-groups``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.kernel import errors
from crmcore.property_groups import service as group_service
from crmcore.property_groups.schemas import (
    GroupCreate,
    GroupDeleted,
    GroupOut,
    GroupUpdate,
    group_to_wire,
)

router = APIRouter(
    prefix="/property-groups",
    tags=["propertyGroups"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_ONE = ok(GroupOut, "The property group")
_MANY = ok(list[GroupOut], "Property groups")
_DELETED = ok(GroupDeleted, "Deleted")
_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)


def _render_one(ctx: ContextDep, found: tuple[Any, Any]) -> JsonResponse:
    ids = group_service.property_ids_of(ctx, [found])
    return JsonResponse(group_to_wire(found[0], ids[found[0].property_group_id]))


@router.get("", name="list", responses=_MANY | error_responses(errors.Forbidden, errors.Gone))
def list_groups(
    ctx: ContextDep,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
) -> JsonResponse:
    """List property groups, by entity and priority (at most 500)."""
    groups = group_service.list_groups(ctx, entity_id)
    ids = group_service.property_ids_of(ctx, groups)
    return JsonResponse([group_to_wire(g, ids[g.property_group_id]) for g, _ in groups])


@router.post(
    "",
    name="create",
    responses=_ONE | error_responses(*_LOOKUP, errors.DuplicatePropertyGroup),
)
def create(ctx: ContextDep, body: GroupCreate) -> JsonResponse:
    """Create a property group in an entity (OWNER)."""
    return _render_one(ctx, group_service.create(ctx, body))


@router.get("/{propertyGroupId}", name="get", responses=_ONE | error_responses(*_LOOKUP))
def get(ctx: ContextDep, propertyGroupId: str) -> JsonResponse:
    """Get one property group with its properties in column order."""
    return _render_one(ctx, group_service.get(ctx, propertyGroupId))


@router.patch(
    "/{propertyGroupId}",
    name="update",
    responses=_ONE | error_responses(*_LOOKUP, errors.DuplicatePropertyGroup),
)
def update(ctx: ContextDep, propertyGroupId: str, body: GroupUpdate) -> JsonResponse:
    """Rename, describe or reorder a property group (OWNER)."""
    return _render_one(ctx, group_service.update(ctx, propertyGroupId, body))


@router.delete("/{propertyGroupId}", name="delete", responses=_DELETED | error_responses(*_LOOKUP))
def delete(ctx: ContextDep, propertyGroupId: str) -> JsonResponse:
    """Delete a property group; its properties become ungrouped (OWNER)."""
    return JsonResponse(
        {"propertyGroupId": group_service.delete(ctx, propertyGroupId), "deleted": True}
    )

"""HTTP endpoints of the Properties API."""

from typing import Annotated

from fastapi import APIRouter, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.kernel import errors
from crmcore.properties import service as property_service
from crmcore.properties.schemas import (
    PropertyBulkCreate,
    PropertyCreate,
    PropertyDeleted,
    PropertyOut,
    PropertyUpdate,
    property_to_wire,
)

router = APIRouter(
    prefix="/properties",
    tags=["properties"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_ONE = ok(PropertyOut, "The property")
_MANY = ok(list[PropertyOut], "Properties")
_DELETED = ok(PropertyDeleted, "Deleted")
_WRITE_ERRORS = (errors.Forbidden, errors.NotFound, errors.Gone, errors.DuplicateProperty)


@router.get("", name="list", responses=_MANY | error_responses(errors.Forbidden, errors.Gone))
def list_properties(
    ctx: ContextDep,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
    keyword: Annotated[str | None, Query(max_length=100)] = None,
) -> JsonResponse:
    """List live properties, newest first (at most 500); masked choice properties hide options."""
    properties = property_service.list_properties(ctx, entity_id, keyword)
    return JsonResponse(
        [property_to_wire(p, hide_options=property_service.options_hidden(ctx, p, listing=True))
         for p in properties]
    )  # fmt: skip


@router.post(
    "/bulk",
    name="bulkCreate",
    responses=_MANY | error_responses(*_WRITE_ERRORS, errors.QuotaExceeded),
)
def bulk_create(ctx: ContextDep, body: PropertyBulkCreate) -> JsonResponse:
    """Create 1-500 properties, possibly across entities, all or nothing (OWNER)."""
    created = property_service.create_many(ctx, body.properties)
    return JsonResponse([property_to_wire(p) for p in created])


@router.post(
    "", name="create", responses=_ONE | error_responses(*_WRITE_ERRORS, errors.QuotaExceeded)
)
def create(ctx: ContextDep, body: PropertyCreate) -> JsonResponse:
    """Create a property; it becomes the entity's last column (OWNER)."""
    return JsonResponse(property_to_wire(property_service.create(ctx, body)))


@router.get(
    "/{propertyId}",
    name="get",
    responses=_ONE | error_responses(errors.NotFound, errors.Gone, errors.Forbidden),
)
def get(ctx: ContextDep, propertyId: str) -> JsonResponse:
    """Get one property."""
    prop, _entity = property_service.get_live(ctx, propertyId)
    hidden = property_service.options_hidden(ctx, prop, listing=False)
    return JsonResponse(property_to_wire(prop, hide_options=hidden))


@router.patch(
    "/{propertyId}",
    name="update",
    responses=_ONE | error_responses(*_WRITE_ERRORS, errors.IncompatibleFieldTypeChange),
)
def update(ctx: ContextDep, propertyId: str, body: PropertyUpdate) -> JsonResponse:
    """Update the given fields; options are replaced whole; retyping converts values (OWNER)."""
    return JsonResponse(property_to_wire(property_service.update(ctx, propertyId, body)))


@router.delete(
    "/{propertyId}",
    name="delete",
    responses=_DELETED | error_responses(errors.NotFound, errors.Gone, errors.Forbidden),
)
def delete(ctx: ContextDep, propertyId: str) -> JsonResponse:
    """Delete a property: hidden with its values; its name and key become free (OWNER)."""
    prop = property_service.delete(ctx, propertyId)
    return JsonResponse(
        {"propertyId": prop.property_id, "entityId": prop.entity_id, "isDeleted": True}
    )

"""HTTP endpoints of ``/crm-core/v1/relationships`` (types and relationships).

Static paths (``types``, ``list``, ``bulk``, ``bulk-match``, ``type/...``, ``record/...``) are
registered before ``/{relationshipId}`` so that they are never taken for an ID.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.kernel import errors
from crmcore.relationships import bulk
from crmcore.relationships import service as link_service
from crmcore.relationships.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    BulkCreate,
    BulkCreated,
    BulkMatch,
    BulkMatched,
    ListedRelationship,
    RelatedPage,
    RelationshipCreate,
    RelationshipDeleted,
    RelationshipOut,
    RelationshipPage,
    RelationshipUpdate,
    TypeCreate,
    TypeDeleted,
    TypeOut,
    TypeUpdate,
    relationship_to_wire,
    type_to_wire,
)
from crmcore.relationships.service import Listed, ListPage, ListQuery

types_router = APIRouter(
    prefix="/relationships/types",
    tags=["relationshipTypes"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)
router = APIRouter(
    prefix="/relationships",
    tags=["relationships"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)
_TYPE = ok(TypeOut, "The relationship type")
_LINK = ok(RelationshipOut, "The relationship")
_WRITE = (*_LOOKUP, errors.QuotaExceeded, errors.DuplicateRelationship)
TypeId = Annotated[str, Path(alias="relationshipTypeId")]
LinkId = Annotated[str, Path(alias="relationshipId")]
StartKey = Annotated[str | None, Query(alias="startKey", max_length=4096)]
Limit = Annotated[int, Query(ge=1, description="Page size (default 50); above 100 is clamped")]


# --- relationship types ---------------------------------------------------------------------


@types_router.post(
    "",
    name="createRelationshipType",
    responses=_TYPE
    | error_responses(*_LOOKUP, errors.QuotaExceeded, errors.DuplicateRelationshipType),
)
def create_type(ctx: ContextDep, body: TypeCreate) -> JsonResponse:
    """Define a named link between two entities (unique per name and entity pair)."""
    return JsonResponse(type_to_wire(link_service.create_type(ctx, body)))


@types_router.get("", name="findTypes", responses=ok(list[TypeOut]) | error_responses(*_LOOKUP))
def list_types(
    ctx: ContextDep,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
) -> JsonResponse:
    """Types of the account (where entityId is the source or the target), oldest first, <= 200."""
    return JsonResponse([type_to_wire(t) for t in link_service.list_types(ctx, entity_id)])


@types_router.get(
    "/{relationshipTypeId}",
    name="getRelationshipType",
    responses=_TYPE | error_responses(*_LOOKUP),
)
def get_type(ctx: ContextDep, relationship_type_id: TypeId) -> JsonResponse:
    """Get one relationship type."""
    return JsonResponse(type_to_wire(link_service.get_type(ctx, relationship_type_id)))


@types_router.patch(
    "/{relationshipTypeId}",
    name="updateRelationshipType",
    responses=_TYPE | error_responses(*_LOOKUP, errors.DuplicateRelationshipType),
)
def update_type(ctx: ContextDep, relationship_type_id: TypeId, body: TypeUpdate) -> JsonResponse:
    """Rename, describe or relabel a type; its entities cannot change."""
    return JsonResponse(type_to_wire(link_service.update_type(ctx, relationship_type_id, body)))


@types_router.delete(
    "/{relationshipTypeId}",
    name="deleteRelationshipType",
    responses=ok(TypeDeleted) | error_responses(*_LOOKUP),
)
def delete_type(ctx: ContextDep, relationship_type_id: TypeId) -> JsonResponse:
    """Delete a type and all of its relationships, for good (OWNER)."""
    deleted = link_service.delete_type(ctx, relationship_type_id)
    return JsonResponse(
        {"relationshipTypeId": relationship_type_id, "deletedRelationships": deleted}
    )


# --- relationships --------------------------------------------------------------------------


def _listed(item: Listed) -> dict[str, Any]:
    body = relationship_to_wire(item.link)
    body["sourceRecordName"] = item.source_name
    body["targetRecordName"] = item.target_name
    return body


def _page(page: ListPage, items: list[dict[str, Any]]) -> JsonResponse:
    body: dict[str, Any] = {"data": items}
    if page.next_key is not None:
        body["nextKey"] = page.next_key
    return JsonResponse(body)


@router.post("", name="createRelationship", responses=_LINK | error_responses(*_WRITE))
def create(ctx: ContextDep, body: RelationshipCreate) -> JsonResponse:
    """Link two records with a type (stored in the type's orientation)."""
    return JsonResponse(relationship_to_wire(link_service.create(ctx, body)))


@router.post(
    "/bulk", name="bulkCreateRelationship", responses=ok(BulkCreated) | error_responses(*_WRITE)
)
def bulk_create(ctx: ContextDep, body: BulkCreate) -> JsonResponse:
    """Link sources (by ID or by condition) x targets, at most 10,000 pairs, all or nothing."""
    result = bulk.bulk_create(ctx, body)
    return JsonResponse({"created": result.created, "skipped": result.skipped})


@router.post(
    "/bulk-match", name="bulkMatchLink", responses=ok(BulkMatched) | error_responses(*_WRITE)
)
def bulk_match(ctx: ContextDep, body: BulkMatch) -> JsonResponse:
    """Link each source to the records of the other side whose fields equal its own."""
    result = bulk.bulk_match(ctx, body)
    return JsonResponse(
        {"matched": result.matched, "created": result.created, "skipped": result.skipped}
    )


@router.get("/list", name="findList", responses=ok(RelationshipPage) | error_responses(*_LOOKUP))
def list_relationships(
    ctx: ContextDep,
    relationship_type_id: Annotated[
        str | None, Query(alias="relationshipTypeId", max_length=64)
    ] = None,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
    record_id: Annotated[str | None, Query(alias="recordId", max_length=64)] = None,
    start_key: StartKey = None,
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """Relationships with their records' names, newest first, cursor-paginated."""
    query = ListQuery(relationship_type_id, entity_id, record_id, start_key, min(limit, MAX_PAGE))
    page = link_service.list_page(ctx, query)
    return _page(page, [_listed(item) for item in page.items])


@router.get(
    "/type/{relationshipTypeId}",
    name="findByType",
    responses=ok(list[RelationshipOut]) | error_responses(*_LOOKUP),
)
def of_type(ctx: ContextDep, relationship_type_id: TypeId) -> JsonResponse:
    """Relationships of one type, oldest first, at most 500 (use the list for more)."""
    items = link_service.of_type(ctx, relationship_type_id)
    return JsonResponse([relationship_to_wire(item.link) for item in items])


@router.get(
    "/record/{recordId}",
    name="findByRecord",
    responses=ok(RelatedPage) | error_responses(*_LOOKUP),
)
def of_record(
    ctx: ContextDep,
    record_id: Annotated[str, Path(alias="recordId")],
    relationship_type_id: Annotated[
        str | None, Query(alias="relationshipTypeId", max_length=64)
    ] = None,
    start_key: StartKey = None,
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """A record's related list: relationships where it is the source or the target, with the
    direction and the type's label for the other side."""
    query = ListQuery(relationship_type_id, None, record_id, start_key, min(limit, MAX_PAGE))
    page = link_service.list_page(ctx, query, "record")
    types = link_service.types_of(ctx, page.items)
    items = []
    for item in page.items:
        body = _listed(item)
        rtype = types[item.link.relationship_type_id]
        outgoing = item.link.source_record_id == record_id
        body["direction"] = "outgoing" if outgoing else "incoming"
        label = rtype.target_label if outgoing else rtype.source_label
        if label:
            body["label"] = label
        items.append(body)
    return _page(page, items)


@router.get(
    "/{relationshipId}",
    name="getRelationship",
    responses=ok(ListedRelationship) | error_responses(*_LOOKUP),
)
def get(ctx: ContextDep, relationship_id: LinkId) -> JsonResponse:
    """Get one relationship (with its records' names)."""
    return JsonResponse(_listed(link_service.get(ctx, relationship_id)))


@router.patch(
    "/{relationshipId}",
    name="updateRelationship",
    responses=_LINK | error_responses(*_LOOKUP),
)
def update(ctx: ContextDep, relationship_id: LinkId, body: RelationshipUpdate) -> JsonResponse:
    """Replace the metadata (not merged: send every key to keep)."""
    listed = link_service.replace_metadata(ctx, relationship_id, body.metadata, body.model_extra)
    return JsonResponse(relationship_to_wire(listed.link))


@router.delete(
    "/{relationshipId}",
    name="deleteRelationship",
    responses=ok(RelationshipDeleted) | error_responses(*_LOOKUP),
)
def delete(ctx: ContextDep, relationship_id: LinkId) -> JsonResponse:
    """Delete a relationship for good."""
    return JsonResponse({"relationshipId": link_service.delete(ctx, relationship_id)})

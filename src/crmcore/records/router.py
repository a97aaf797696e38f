"""HTTP endpoints of the Records API."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from crmcore.api.deps import ContextDep, LateClaimContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.files import service as file_service
from crmcore.kernel import errors
from crmcore.kernel.context import Context
from crmcore.kernel.wire import format_datetime
from crmcore.records import service as record_service
from crmcore.records.history import shown_changes
from crmcore.records.query.tree import group_from_list_params
from crmcore.records.schemas import (
    DEFAULT_PAGE,
    IMMUTABLE_FIELDS,
    MAX_PAGE,
    AdvancedSearch,
    BulkDelete,
    BulkDeleteResult,
    BulkIds,
    BulkRestoreResult,
    LogPage,
    RecordCount,
    RecordCreate,
    RecordDeleted,
    RecordOut,
    RecordPage,
    RecordUpdate,
    record_to_wire,
)
from crmcore.records.service import Found, Page, RecordQuery
from crmcore.records.values import render_data, sees_clear_values

router = APIRouter(
    prefix="/records", tags=["records"], default_response_class=JsonResponse, route_class=CrmRoute
)

_ONE = ok(RecordOut, "The record")
_PAGE = ok(RecordPage, "One page of records")
_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)
MAX_FILTERS_BYTES = 8 * 1024
Limit = Annotated[int, Query(ge=1, description="Page size; values above 200 are clamped")]


def _render(
    ctx: Context,
    found: Found,
    *,
    trash: bool = False,
    files_by_record: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    clear = sees_clear_values(ctx.caller)
    data = render_data(found.record.data, found.schema, clear_values=clear)
    purge = record_service.purge_at(found.record) if trash else None
    if files_by_record is None:
        files_by_record = file_service.rendered(ctx, [found.record])
    files = files_by_record.get(found.record.record_id)
    return record_to_wire(found.record, data, purge_at=purge, files=files)


def _render_all(ctx: Context, items: list[Found], *, trash: bool = False) -> list[dict[str, Any]]:
    """Many records; the files of all of them are read in one query."""
    files_by_record = file_service.rendered(ctx, [found.record for found in items])
    return [_render(ctx, f, trash=trash, files_by_record=files_by_record) for f in items]


def _page(ctx: Context, page: Page, *, trash: bool = False) -> JsonResponse:
    body: dict[str, Any] = {"data": _render_all(ctx, page.items, trash=trash)}
    if page.next_key is not None:
        body["nextKey"] = page.next_key
    return JsonResponse(body)


def _list_query(
    entity_id: str | None,
    segment_id: str | None,
    filters: str | None,
    keyword: str | None,
    sort: list[str],
    start_key: str | None,
    limit: int,
) -> RecordQuery:
    group = group_from_list_params(filters, keyword)
    return RecordQuery(entity_id, group, sort, start_key, min(limit, MAX_PAGE), segment_id)


EntityParam = Annotated[str | None, Query(alias="entityId", max_length=64)]
SegmentParam = Annotated[str | None, Query(alias="segmentId", max_length=64)]
FiltersParam = Annotated[str | None, Query(max_length=MAX_FILTERS_BYTES)]
KeywordParam = Annotated[str | None, Query(max_length=200)]


# Routes are tried in order on every request: the busiest write first (no other route takes a
# POST to "").
@router.post("", name="create", responses=_ONE | error_responses(*_LOOKUP, errors.QuotaExceeded))
def create(ctx: LateClaimContextDep, body: RecordCreate) -> JsonResponse:
    """Create a record; data keys are property IDs of its entity."""
    # A record just created has no files yet: no need to look them up.
    return JsonResponse(_render(ctx, record_service.create(ctx, body), files_by_record={}))


@router.get("", name="list", responses=_PAGE | error_responses(*_LOOKUP))
def list_records(
    ctx: ContextDep,
    entity_id: EntityParam = None,
    segment_id: SegmentParam = None,
    filters: FiltersParam = None,
    keyword: KeywordParam = None,
    sort_field: Annotated[str, Query(alias="sortField", max_length=80)] = "dateCreated",
    sort_direction: Annotated[Literal["asc", "desc"], Query(alias="sortDirection")] = "desc",
    start_key: Annotated[str | None, Query(alias="startKey", max_length=4096)] = None,
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """List live records, filtered and sorted, with cursor pagination (nextKey -> startKey)."""
    sort = [("-" if sort_direction == "desc" else "") + sort_field]
    query = _list_query(entity_id, segment_id, filters, keyword, sort, start_key, limit)
    return _page(ctx, record_service.search(ctx, query, "list"))


@router.get("/count", name="count", responses=ok(RecordCount) | error_responses(*_LOOKUP))
def count(
    ctx: ContextDep,
    entity_id: EntityParam = None,
    segment_id: SegmentParam = None,
    filters: FiltersParam = None,
    keyword: KeywordParam = None,
) -> JsonResponse:
    """How many live records match the list filters (crmcore extension)."""
    query = _list_query(entity_id, segment_id, filters, keyword, [], None, 1)
    return JsonResponse({"count": record_service.count(ctx, query)})


@router.get("/trash", name="listTrash", responses=_PAGE | error_responses(*_LOOKUP))
def list_trash(
    ctx: ContextDep,
    entity_id: Annotated[str | None, Query(alias="entityId", max_length=64)] = None,
    start_key: Annotated[str | None, Query(alias="startKey", max_length=4096)] = None,
    limit: Limit = DEFAULT_PAGE,
) -> JsonResponse:
    """Records in the trash, most recently deleted first, with their purge date."""
    query = RecordQuery(entity_id, None, ["-deletedAt"], start_key, min(limit, MAX_PAGE))
    return _page(ctx, record_service.search(ctx, query, "trash", trashed=True), trash=True)


@router.post("/search/advanced", name="advancedSearch", responses=_PAGE | error_responses(*_LOOKUP))
def advanced_search(ctx: ContextDep, body: AdvancedSearch) -> JsonResponse:
    """Nested AND/OR conditions over system fields and data.<propertyId>, sorted, paginated."""
    query = RecordQuery(
        body.entity_id,
        body.condition_group,
        body.sort_fields or ["-dateCreated"],
        body.start_key,
        min(body.limit, MAX_PAGE),
    )
    return _page(ctx, record_service.search(ctx, query, "advanced"))


@router.get(
    "/search/fulltext/{entityId}",
    name="fullTextSearch",
    responses=ok(list[RecordOut]) | error_responses(*_LOOKUP),
)
def fulltext(
    ctx: ContextDep,
    entity_id: Annotated[str, Path(alias="entityId")],
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1)] = DEFAULT_PAGE,
) -> JsonResponse:
    """Case-insensitive partial match on record names (autocomplete)."""
    found = record_service.fulltext(ctx, entity_id, q, min(limit, 100))
    return JsonResponse(_render_all(ctx, found))


@router.post(
    "/bulk/delete",
    name="bulkDelete",
    responses=ok(BulkDeleteResult) | error_responses(),
)
def bulk_delete(ctx: ContextDep, body: BulkDelete) -> JsonResponse:
    """Move up to 1000 records to the trash, or delete them for good with permanent=true."""
    deleted, skipped = record_service.bulk_delete(ctx, body.record_ids, permanent=body.permanent)
    return JsonResponse({"deleted": deleted, "skipped": skipped, "permanent": body.permanent})


@router.post(
    "/bulk/restore",
    name="bulkRestore",
    responses=ok(BulkRestoreResult) | error_responses(),
)
def bulk_restore(ctx: ContextDep, body: BulkIds) -> JsonResponse:
    """Bring up to 1000 records back from the trash."""
    restored, skipped = record_service.bulk_restore(ctx, body.record_ids)
    return JsonResponse({"restored": restored, "skipped": skipped})


@router.get("/{recordId}", name="get", responses=_ONE | error_responses(*_LOOKUP))
def get(
    ctx: ContextDep,
    record_id: Annotated[str, Path(alias="recordId")],
    include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False,
) -> JsonResponse:
    """Get one record (a trashed one only with includeDeleted=true)."""
    found = record_service.get(ctx, record_id, include_deleted=include_deleted)
    return JsonResponse(_render(ctx, found, trash=found.record.is_deleted))


@router.patch("/{recordId}", name="update", responses=_ONE | error_responses(*_LOOKUP))
def update(
    ctx: ContextDep, record_id: Annotated[str, Path(alias="recordId")], body: RecordUpdate
) -> JsonResponse:
    """Update name, tags, owner, and merge data per key (null clears a value)."""
    immutable = [key for key in (body.model_extra or {}) if key in IMMUTABLE_FIELDS]
    return JsonResponse(_render(ctx, record_service.update(ctx, record_id, body, immutable)))


@router.delete(
    "/{recordId}",
    name="delete",
    responses=ok(RecordDeleted) | error_responses(*_LOOKUP),
)
def delete(ctx: ContextDep, record_id: Annotated[str, Path(alias="recordId")]) -> JsonResponse:
    """Move a record to the trash (kept 14 days)."""
    record = record_service.trash(ctx, record_id)
    assert record.deleted_at is not None
    return JsonResponse(
        {
            "recordId": record.record_id,
            "entityId": record.entity_id,
            "isDeleted": True,
            "deletedAt": format_datetime(record.deleted_at),
        }
    )


@router.post("/{recordId}/restore", name="restore", responses=_ONE | error_responses(*_LOOKUP))
def restore(ctx: ContextDep, record_id: Annotated[str, Path(alias="recordId")]) -> JsonResponse:
    """Bring a record back from the trash."""
    return JsonResponse(_render(ctx, record_service.restore(ctx, record_id)))


@router.get(
    "/{recordId}/logs",
    name="logs",
    responses=ok(LogPage) | error_responses(*_LOOKUP),
)
def logs(
    ctx: ContextDep,
    record_id: Annotated[str, Path(alias="recordId")],
    start_key: Annotated[str | None, Query(alias="startKey", max_length=4096)] = None,
    limit: Limit = DEFAULT_PAGE,
    include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False,
) -> JsonResponse:
    """The record's change history, newest first (values masked like record data)."""
    entries, schema, next_key = record_service.logs(
        ctx, record_id, start_key, min(limit, MAX_PAGE), include_deleted=include_deleted
    )
    clear = sees_clear_values(ctx.caller)
    data = []
    for entry in entries:
        data.append(
            {
                "logId": entry.log_id,
                "recordId": entry.record_id,
                "action": entry.action,
                "changes": shown_changes(entry.changes, schema, clear_values=clear),
                "actorId": entry.actor_id,
                "source": entry.source,
                "dateCreated": format_datetime(entry.date_created),
            }
        )
    body: dict[str, Any] = {"data": data}
    if next_key is not None:
        body["nextKey"] = next_key
    return JsonResponse(body)

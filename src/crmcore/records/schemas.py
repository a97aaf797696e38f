"""Request and response shapes of the Records API."""

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from crmcore.kernel.wire import ABSENT, WireModel, add_audit_fields, add_trash_fields
from crmcore.models import Record
from crmcore.records.query.tree import Group

MAX_TAGS = 50
MAX_BULK_IDS = 1000
DEFAULT_PAGE, MAX_PAGE = 20, 200

RecordName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, strict=True)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, strict=True)
]
#: Fields a client may read but never write.
IMMUTABLE_FIELDS = (
    "recordId", "entityId", "accountId", "workspaceId", "isDeleted", "deletedAt", "createdBy",
    "updatedBy", "dateCreated", "dateUpdated", "profileImage", "images", "attachments",
)  # fmt: skip


def _distinct_tags(tags: list[str] | None) -> list[str] | None:
    return None if tags is None else list(dict.fromkeys(tags))


class RecordCreate(WireModel):
    entity_id: str = Field(max_length=64, strict=True)
    name: RecordName = ""
    data: dict[str, Any] = Field(default_factory=dict, max_length=1000)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    owner_id: str | None = Field(default=ABSENT, max_length=64, strict=True)

    _tags = field_validator("tags")(_distinct_tags)


class RecordUpdate(WireModel):
    # Extra keys are kept so that the service can refuse writes to immutable fields.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    name: RecordName = Field(default=ABSENT)
    data: dict[str, Any] = Field(default=ABSENT, max_length=1000)
    tags: list[Tag] = Field(default=ABSENT, max_length=MAX_TAGS)
    owner_id: str | None = Field(default=None, max_length=64, strict=True)

    _tags = field_validator("tags")(_distinct_tags)


class BulkIds(WireModel):
    record_ids: list[Annotated[str, StringConstraints(max_length=64, strict=True)]] = Field(
        min_length=1, max_length=MAX_BULK_IDS
    )


class BulkDelete(BulkIds):
    permanent: bool = Field(default=False, strict=True)


class AdvancedSearch(WireModel):
    entity_id: str = Field(max_length=64, strict=True)
    condition_group: Group | None = None
    sort_fields: list[Annotated[str, StringConstraints(max_length=80, strict=True)]] = Field(
        default_factory=lambda: ["-dateCreated"], max_length=3
    )
    start_key: str | None = Field(default=None, max_length=4096, strict=True)
    limit: int = Field(default=DEFAULT_PAGE, ge=1, strict=True)


class RecordOut(WireModel):
    record_id: str
    account_id: str
    workspace_id: str | None = None
    entity_id: str
    name: str
    data: dict[str, Any]
    tags: list[str]
    owner_id: str | None
    profile_image: dict[str, Any] | None
    images: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    is_deleted: bool
    deleted_at: str | None = None
    deleted_by: str | None = None
    purge_at: str | None = None
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class RecordPage(WireModel):
    data: list[RecordOut]
    next_key: str | None = Field(default=None, description="Omitted on the last page")


class RecordCount(WireModel):
    count: int


class RecordDeleted(WireModel):
    record_id: str
    entity_id: str
    is_deleted: bool
    deleted_at: str


class BulkDeleteResult(WireModel):
    deleted: int
    skipped: int
    permanent: bool


class BulkRestoreResult(WireModel):
    restored: int
    skipped: int


class LogOut(WireModel):
    log_id: str
    record_id: str
    action: Literal["CREATE", "UPDATE", "DELETE", "RESTORE", "FILE_ADDED", "FILE_REMOVED", "IMPORT"]
    changes: list[dict[str, Any]]
    actor_id: str | None
    source: str
    date_created: str


class LogPage(WireModel):
    data: list[LogOut]
    next_key: str | None = None


def record_to_wire(
    record: Record,
    data: dict[str, Any],
    *,
    purge_at: str | None = None,
    files: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``files``: the record's ``profileImage``, ``images`` and ``attachments`` (none if absent)."""
    body: dict[str, Any] = {"recordId": record.record_id, "accountId": record.account_id}
    if record.workspace_id:
        body["workspaceId"] = record.workspace_id
    body.update(
        entityId=record.entity_id,
        name=record.name,
        data=data,
        tags=list(record.tags),
        ownerId=record.owner_id,
        profileImage=None,
        images=[],
        attachments=[],
        isDeleted=record.is_deleted,
    )
    if files:
        body.update(files)
    add_trash_fields(body, record, purge_at)
    return add_audit_fields(body, record)

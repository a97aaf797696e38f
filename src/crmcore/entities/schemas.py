"""Request and response shapes of the Entities API."""

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from crmcore.entities.view_settings import InsightWidget, ViewSettingsPatch
from crmcore.kernel.wire import (
    ABSENT,
    Name,
    WireModel,
    add_audit_fields,
    add_trash_fields,
    json_number,
)
from crmcore.models import Entity

RecordAccessValue = Literal["PUBLIC", "ENTITY_OWNER_ONLY", "ADMIN_ONLY"]
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_ENTITIES_LISTED = 200


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError(
            "must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        )
    return value


class EntityCreate(WireModel):
    name: Name
    slug: str = Field(strict=True)
    description: str | None = Field(default=None, max_length=1000, strict=True)
    property_ids: list[str] = Field(default_factory=list, max_length=0)
    view_settings: ViewSettingsPatch | None = None
    insight_widgets: list[InsightWidget] | None = Field(default=None, max_length=100)
    record_access: RecordAccessValue = "PUBLIC"
    owner_id: str | None = Field(default=None, max_length=64, strict=True)
    priority: float | None = Field(default=None, allow_inf_nan=False, strict=True)

    _slug = field_validator("slug")(_check_slug)


class EntityUpdate(WireModel):
    """Every field optional; an explicit null is refused where the field cannot be empty."""

    name: Name = Field(default=ABSENT)
    slug: str = Field(default=ABSENT, strict=True)
    description: str | None = Field(default=None, max_length=1000, strict=True)
    property_ids: list[str] = Field(default=ABSENT, max_length=1000)
    view_settings: ViewSettingsPatch = Field(default=ABSENT)
    insight_widgets: list[InsightWidget] = Field(default=ABSENT, max_length=100)
    record_access: RecordAccessValue = Field(default=ABSENT)
    owner_id: str = Field(default=ABSENT, max_length=64, strict=True)
    priority: float = Field(default=ABSENT, allow_inf_nan=False, strict=True)

    _slug = field_validator("slug")(_check_slug)


class EntityReorder(WireModel):
    entity_ids: list[str] = Field(min_length=1, max_length=MAX_ENTITIES_LISTED)


class EntityOut(WireModel):
    """The Entity object (documentation of the response; bodies are built by ``entity_to_wire``)."""

    entity_id: str
    account_id: str
    workspace_id: str | None = None
    name: str
    slug: str
    description: str | None = None
    property_ids: list[str]
    view_settings: dict[str, Any]
    insight_widgets: list[dict[str, Any]]
    record_access: RecordAccessValue
    owner_id: str
    priority: float
    is_deleted: bool
    deleted_at: str | None = None
    deleted_by: str | None = None
    purge_at: str | None = None
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class EntityDeleted(WireModel):
    entity_id: str
    is_deleted: bool | None = None
    deleted_at: str | None = None
    deleted: bool | None = None
    permanent: bool | None = None


def entity_to_wire(entity: Entity, *, purge_at: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"entityId": entity.entity_id, "accountId": entity.account_id}
    if entity.workspace_id:
        body["workspaceId"] = entity.workspace_id
    body["name"] = entity.name
    body["slug"] = entity.slug
    if entity.description:
        body["description"] = entity.description
    body.update(
        propertyIds=list(entity.property_ids),
        viewSettings=entity.view_settings,
        insightWidgets=entity.insight_widgets,
        recordAccess=entity.record_access,
        ownerId=entity.owner_id,
        priority=json_number(entity.priority),
        isDeleted=entity.is_deleted,
    )
    add_trash_fields(body, entity, purge_at)
    return add_audit_fields(body, entity)

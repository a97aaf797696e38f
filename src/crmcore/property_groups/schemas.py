"""Request and response shapes of the property-group API (a crmcore design: SOLAPI documents only
the ``propertyGroupId`` field of properties)."""

from typing import Any

from pydantic import Field

from crmcore.kernel.wire import ABSENT, Name, WireModel, add_audit_fields, json_number
from crmcore.models import PropertyGroup


class GroupCreate(WireModel):
    entity_id: str = Field(max_length=64, strict=True)
    name: Name
    description: str | None = Field(default=None, max_length=1000, strict=True)
    priority: float | None = Field(default=None, allow_inf_nan=False, strict=True)


class GroupUpdate(WireModel):
    name: Name = Field(default=ABSENT)
    description: str | None = Field(default=None, max_length=1000, strict=True)
    priority: float = Field(default=ABSENT, allow_inf_nan=False, strict=True)


class GroupOut(WireModel):
    property_group_id: str
    account_id: str
    workspace_id: str | None = None
    entity_id: str
    name: str
    description: str | None = None
    priority: float
    property_ids: list[str]
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class GroupDeleted(WireModel):
    property_group_id: str
    deleted: bool


def group_to_wire(group: PropertyGroup, property_ids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "propertyGroupId": group.property_group_id,
        "accountId": group.account_id,
    }
    if group.workspace_id:
        body["workspaceId"] = group.workspace_id
    body["entityId"] = group.entity_id
    body["name"] = group.name
    if group.description:
        body["description"] = group.description
    body.update(
        priority=json_number(group.priority),
        propertyIds=property_ids,
    )
    return add_audit_fields(body, group)

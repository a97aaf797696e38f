"""Request and response shapes of ``/crm-core/v1/segments`` (a crmcore extension: SOLAPI accepts
``segmentId`` in several places but documents no way to manage segments)."""

from typing import Any

from pydantic import Field

from crmcore.kernel.wire import ABSENT, Name, WireModel, add_audit_fields, json_number
from crmcore.models import Segment
from crmcore.records.query.tree import Group


class SegmentCreate(WireModel):
    entity_id: str = Field(max_length=64, strict=True)
    name: Name
    description: str | None = Field(default=None, max_length=1000, strict=True)
    condition_group: Group
    priority: float | None = Field(default=None, allow_inf_nan=False, strict=True)


class SegmentUpdate(WireModel):
    name: Name = Field(default=ABSENT)
    description: str | None = Field(default=None, max_length=1000, strict=True)
    condition_group: Group = Field(default=ABSENT)
    priority: float = Field(default=ABSENT, allow_inf_nan=False, strict=True)


class SegmentOut(WireModel):
    segment_id: str
    account_id: str
    workspace_id: str | None = None
    entity_id: str
    name: str
    description: str | None = None
    condition_group: dict[str, Any]
    priority: float
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class SegmentDeleted(WireModel):
    segment_id: str
    deleted: bool


def segment_to_wire(segment: Segment) -> dict[str, Any]:
    body: dict[str, Any] = {"segmentId": segment.segment_id, "accountId": segment.account_id}
    if segment.workspace_id:
        body["workspaceId"] = segment.workspace_id
    body.update(entityId=segment.entity_id, name=segment.name)
    if segment.description:
        body["description"] = segment.description
    body.update(
        conditionGroup=segment.condition_group,
        priority=json_number(segment.priority),
    )
    return add_audit_fields(body, segment)

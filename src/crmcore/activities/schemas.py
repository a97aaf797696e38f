"""Request and response shapes of ``/crm-core/v1/activities``."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from crmcore.kernel.wire import ABSENT, WireModel, add_audit_fields
from crmcore.models import Activity
from crmcore.properties.types.base import InvalidValue
from crmcore.properties.types.datetime_ import format_instant, parse_instant

#: The ``recordId`` of a general calendar entry (stored as a NULL record).
CALENDAR = "CALENDAR"
DEFAULT_PAGE, MAX_PAGE = 20, 200
MAX_SUBJECT = 200
MAX_DESCRIPTION = 10_000
MAX_OUTCOME_NOTE = 2_000
MAX_RELATED_RECORDS = 50
MAX_ATTACHMENTS = 50
#: Ours: SOLAPI documents no limit on assignees.
MAX_ASSIGNEES = 50
MAX_DURATION_MINUTES = 7 * 24 * 60
MAX_METADATA_BYTES = 16 * 1024


class ActivityType(StrEnum):
    CALL = "CALL"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    NOTE = "NOTE"
    TASK = "TASK"
    MESSAGE = "MESSAGE"
    OTHER = "OTHER"


class Outcome(StrEnum):
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    RESCHEDULED = "RESCHEDULED"
    NO_ANSWER = "NO_ANSWER"
    PENDING = "PENDING"


class Visibility(StrEnum):
    PRIVATE = "PRIVATE"
    PUBLIC = "PUBLIC"


def _instant(value: object) -> object:
    """ISO 8601 with an offset, stored in UTC to the millisecond (what the API shows back)."""
    if not isinstance(value, str):
        return value  # left to the datetime type, which refuses it in strict mode
    if len(value) > 64:
        raise ValueError("must be an ISO 8601 date-time with an offset")
    try:
        moment = parse_instant(value)
    except InvalidValue as error:
        raise ValueError(error.reason) from None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


Id = Annotated[str, StringConstraints(min_length=1, max_length=64, strict=True)]
Instant = Annotated[datetime, BeforeValidator(_instant), Field(strict=True)]
Subject = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT, strict=True),
]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION, strict=True)]
OutcomeNote = Annotated[str, StringConstraints(max_length=MAX_OUTCOME_NOTE, strict=True)]
Duration = Annotated[int, Field(ge=0, le=MAX_DURATION_MINUTES, strict=True)]
RelatedIds = Annotated[list[Id], Field(max_length=MAX_RELATED_RECORDS)]
AttachmentIds = Annotated[list[Id], Field(max_length=MAX_ATTACHMENTS)]
MemberIds = Annotated[list[Id], Field(max_length=MAX_ASSIGNEES)]


class ActivityCreate(WireModel):
    record_id: Id = Field(description='A record ID, or "CALENDAR" for a general calendar entry')
    activity_type: ActivityType
    subject: Subject
    description: Description | None = None
    entity_id: Id | None = Field(default=None, description="If given, the record's entity")
    related_record_ids: RelatedIds = Field(default_factory=list)
    scheduled_at: Instant | None = None
    due_date: Instant | None = None
    completed_at: Instant | None = None
    assigned_member_id: Id | None = None
    assigned_member_ids: MemberIds | None = None
    outcome: Outcome = Outcome.PENDING
    outcome_note: OutcomeNote | None = None
    duration_minutes: Duration | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    visibility: Visibility = Visibility.PRIVATE
    attachment_ids: AttachmentIds = Field(default_factory=list)


class ActivityUpdate(WireModel):
    """Partial: only the fields sent change; ``null`` clears the nullable ones."""

    # Extra keys are kept so that the service can refuse writes to immutable fields.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    subject: Subject = Field(default=ABSENT)
    description: Description | None = None
    related_record_ids: RelatedIds = Field(default=ABSENT)
    scheduled_at: Instant | None = None
    due_date: Instant | None = None
    completed_at: Instant | None = None
    assigned_member_id: Id | None = Field(default=None, description="null unassigns everybody")
    assigned_member_ids: MemberIds = Field(default=ABSENT)
    outcome: Outcome = Field(default=ABSENT)
    outcome_note: OutcomeNote | None = None
    duration_minutes: Duration | None = None
    metadata: dict[str, Any] = Field(default=ABSENT)
    visibility: Visibility = Field(default=ABSENT)
    attachment_ids: AttachmentIds = Field(default=ABSENT)


#: Fields of an activity that exist but cannot change (create another activity instead).
IMMUTABLE_FIELDS = (
    "activityId", "accountId", "workspaceId", "activityType", "recordId", "entityId", "ownerId",
    "createdBy", "updatedBy", "dateCreated", "dateUpdated",
)  # fmt: skip


class ActivityOut(WireModel):
    activity_id: str
    account_id: str
    workspace_id: str | None = None
    entity_id: str | None = Field(default=None, description="Omitted for calendar entries")
    record_id: str = Field(description='"CALENDAR" for a general calendar entry')
    activity_type: ActivityType
    subject: str
    description: str | None = None
    related_record_ids: list[str]
    attachment_ids: list[str]
    scheduled_at: str | None = None
    due_date: str | None = None
    completed_at: str | None = None
    outcome: Outcome
    outcome_note: str | None = None
    assigned_member_id: str | None = Field(default=None, description="The first assignee")
    assigned_member_ids: list[str]
    duration_minutes: int | None = None
    metadata: dict[str, Any]
    visibility: Visibility
    owner_id: str | None
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class ActivityPage(WireModel):
    data: list[ActivityOut]
    next_key: str | None = Field(default=None, description="Omitted on the last page")


class ActivityDeleted(WireModel):
    activity_id: str


def activity_to_wire(activity: Activity) -> dict[str, Any]:
    """Unset optional scalars are omitted; arrays and ``metadata`` are always present."""
    body: dict[str, Any] = {"activityId": activity.activity_id, "accountId": activity.account_id}
    if activity.workspace_id:
        body["workspaceId"] = activity.workspace_id
    if activity.entity_id is not None:
        body["entityId"] = activity.entity_id
    body.update(
        recordId=activity.record_id or CALENDAR,
        activityType=activity.activity_type,
        subject=activity.subject,
    )
    if activity.description is not None:
        body["description"] = activity.description
    body.update(
        relatedRecordIds=list(activity.related_record_ids),
        attachmentIds=list(activity.attachment_ids),
    )
    for key, moment in (
        ("scheduledAt", activity.scheduled_at),
        ("dueDate", activity.due_date),
        ("completedAt", activity.completed_at),
    ):
        if moment is not None:
            # Not kernel.wire.format_datetime: any year is accepted here, and strftime does not
            # zero-pad years below 1000.
            body[key] = format_instant(moment)
    body["outcome"] = activity.outcome
    if activity.outcome_note is not None:
        body["outcomeNote"] = activity.outcome_note
    assignees = list(activity.assigned_member_ids)
    if assignees:
        body["assignedMemberId"] = assignees[0]
    body["assignedMemberIds"] = assignees
    if activity.duration_minutes is not None:
        body["durationMinutes"] = activity.duration_minutes
    body.update(metadata=activity.meta, visibility=activity.visibility, ownerId=activity.owner_id)
    return add_audit_fields(body, activity)

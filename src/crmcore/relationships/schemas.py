"""Request and response shapes of ``/crm-core/v1/relationships`` (types and relationships)."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from crmcore.kernel.wire import ABSENT, Name, WireModel, add_audit_fields
from crmcore.models import Relationship, RelationshipType

#: Lists without pagination are capped (SOLAPI documents both figures).
MAX_TYPES_LISTED = 200
MAX_OF_TYPE_LISTED = 500
DEFAULT_PAGE, MAX_PAGE = 50, 100
#: Bulk limits: sources x targets (documented); bulk-match sources by ID and by filter (documented).
MAX_BULK_PAIRS = 10_000
MAX_MATCH_SOURCE_IDS = 500
MAX_MATCH_SOURCES_BY_FILTER = 5_000
#: The stored size of one relationship's metadata (ours: it is free-form, not a document store).
MAX_METADATA_BYTES = 16 * 1024

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, strict=True)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, strict=True)]
Description = Annotated[str, StringConstraints(max_length=1000, strict=True)]


class _Patch(WireModel):
    # Extra keys are kept so that the service can refuse writes to immutable fields.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class TypeCreate(WireModel):
    name: Name
    source_entity_id: Id
    target_entity_id: Id
    source_label: Label | None = None
    target_label: Label | None = None
    description: Description | None = None


class TypeUpdate(_Patch):
    name: Name = Field(default=ABSENT)
    description: Description | None = None
    source_label: Label | None = None
    target_label: Label | None = None


#: Fields of a type that exist but cannot change (its relationships depend on them).
TYPE_IMMUTABLE_FIELDS = (
    "relationshipTypeId", "sourceEntityId", "targetEntityId", "accountId", "workspaceId",
)  # fmt: skip


class TypeOut(WireModel):
    relationship_type_id: str
    account_id: str
    workspace_id: str | None = None
    name: str
    description: str | None = None
    source_entity_id: str
    target_entity_id: str
    source_label: str | None = None
    target_label: str | None = None
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class TypeDeleted(WireModel):
    relationship_type_id: str
    deleted_relationships: int


class RelationshipCreate(WireModel):
    relationship_type_id: Id
    source_entity_id: Id
    source_record_id: Id
    target_entity_id: Id
    target_record_id: Id
    metadata: dict[str, Any] = Field(default_factory=dict)


class RelationshipUpdate(_Patch):
    metadata: dict[str, Any]


#: Fields of a relationship that cannot change: delete it and create another instead.
RELATIONSHIP_IMMUTABLE_FIELDS = (
    "relationshipId", "relationshipTypeId", "sourceEntityId", "sourceRecordId", "targetEntityId",
    "targetRecordId", "accountId", "workspaceId",
)  # fmt: skip


class SourceFilter(WireModel):
    """Selects source records by condition: a segment, a name keyword and/or list ``filters``."""

    segment_id: Id | None = None
    keyword: str | None = Field(default=None, max_length=200, strict=True)
    filters: str | None = Field(default=None, max_length=8 * 1024, strict=True)


class _Sources(WireModel):
    source_entity_id: Id
    relationship_type_id: Id
    source_record_ids: list[Id] | None = None
    source_filter: SourceFilter | None = None

    @model_validator(mode="after")
    def _one_way_to_choose_sources(self) -> "_Sources":
        if (self.source_record_ids is None) == (self.source_filter is None):
            raise ValueError("give exactly one of sourceRecordIds and sourceFilter")
        return self


class BulkCreate(_Sources):
    target_entity_id: Id
    target_record_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK_PAIRS)
    source_record_ids: list[Id] | None = Field(default=None, max_length=MAX_BULK_PAIRS)
    metadata: dict[str, Any] = Field(default_factory=dict)


class FieldRef(WireModel):
    type: Literal["name", "property"]
    property_id: Id | None = None

    @model_validator(mode="after")
    def _property_needs_its_id(self) -> "FieldRef":
        if self.type == "property" and self.property_id is None:
            raise ValueError("propertyId is required when type is 'property'")
        return self


class Criterion(WireModel):
    my_field: FieldRef
    counter_field: FieldRef


class BulkMatch(_Sources):
    criteria: list[Criterion] = Field(min_length=1, max_length=10)
    match_mode: Literal["FIRST", "ALL"]
    source_record_ids: list[Id] | None = Field(default=None, max_length=MAX_MATCH_SOURCE_IDS)


class BulkCreated(WireModel):
    created: int
    skipped: int


class BulkMatched(WireModel):
    matched: int
    created: int
    skipped: int


class RelationshipOut(WireModel):
    relationship_id: str
    account_id: str
    workspace_id: str | None = None
    relationship_type_id: str
    source_entity_id: str
    source_record_id: str
    target_entity_id: str
    target_record_id: str
    metadata: dict[str, Any]
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class ListedRelationship(RelationshipOut):
    source_record_name: str
    target_record_name: str


class RelatedRelationship(ListedRelationship):
    direction: Literal["outgoing", "incoming"]
    label: str | None = Field(default=None, description="The type's label for the other side")


class RelationshipPage(WireModel):
    data: list[ListedRelationship]
    next_key: str | None = Field(default=None, description="Omitted on the last page")


class RelatedPage(WireModel):
    data: list[RelatedRelationship]
    next_key: str | None = Field(default=None, description="Omitted on the last page")


class RelationshipDeleted(WireModel):
    relationship_id: str


def type_to_wire(rtype: RelationshipType) -> dict[str, Any]:
    body: dict[str, Any] = {
        "relationshipTypeId": rtype.relationship_type_id,
        "accountId": rtype.account_id,
    }
    if rtype.workspace_id:
        body["workspaceId"] = rtype.workspace_id
    body["name"] = rtype.name
    if rtype.description:
        body["description"] = rtype.description
    body.update(sourceEntityId=rtype.source_entity_id, targetEntityId=rtype.target_entity_id)
    if rtype.source_label:
        body["sourceLabel"] = rtype.source_label
    if rtype.target_label:
        body["targetLabel"] = rtype.target_label
    return add_audit_fields(body, rtype)


def relationship_to_wire(link: Relationship) -> dict[str, Any]:
    body: dict[str, Any] = {"relationshipId": link.relationship_id, "accountId": link.account_id}
    if link.workspace_id:
        body["workspaceId"] = link.workspace_id
    body.update(
        relationshipTypeId=link.relationship_type_id,
        sourceEntityId=link.source_entity_id,
        sourceRecordId=link.source_record_id,
        targetEntityId=link.target_entity_id,
        targetRecordId=link.target_record_id,
        metadata=link.meta,
    )
    return add_audit_fields(body, link)

"""All tables, imported here so that Alembic sees one metadata."""

from crmcore.models.account import Account, ApiKey, Member, UsedSignature
from crmcore.models.activity import Activity, Event
from crmcore.models.base import Base
from crmcore.models.entity import Entity
from crmcore.models.file import StoredFile
from crmcore.models.job import Job
from crmcore.models.property import Property, PropertyGroup
from crmcore.models.record import Record, RecordLog
from crmcore.models.relationship import Relationship, RelationshipType
from crmcore.models.segment import Segment

__all__ = [
    "Account",
    "Activity",
    "ApiKey",
    "Base",
    "Entity",
    "Event",
    "Job",
    "Member",
    "Property",
    "PropertyGroup",
    "Record",
    "RecordLog",
    "Relationship",
    "RelationshipType",
    "Segment",
    "StoredFile",
    "UsedSignature",
]

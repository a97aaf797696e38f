"""The one error hierarchy. Each concrete error carries its SOLAPI ``errorCode``.

Categories say what went wrong (the HTTP status is chosen from them in ``crmcore.api.errors``);
the domain never mentions HTTP.
"""

from typing import ClassVar


class CrmError(Exception):
    code: ClassVar[str] = "InternalServerError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- categories -----------------------------------------------------------------------------


class InvalidInput(CrmError):
    code = "ValidationError"


class Unauthenticated(CrmError):
    code = "Unauthorized"


class AuthRejected(CrmError):
    """A well-formed credential that does not hold (SOLAPI answers these with 403)."""


class Forbidden(CrmError):
    code = "Forbidden"


class QuotaExceeded(CrmError):
    code = "PlanQuotaExceeded"


class NotFound(CrmError):
    code = "ResourceNotFound"


class Conflict(CrmError):
    code = "Conflict"


class Gone(CrmError):
    code = "Gone"


class PayloadTooLarge(CrmError):
    code = "PayloadTooLarge"


class Unavailable(CrmError):
    code = "ServiceUnavailable"


# --- concrete errors ------------------------------------------------------------------------


class ValidationError(InvalidInput):
    code = "ValidationError"


class InvalidAPIKey(AuthRejected):
    code = "InvalidAPIKey"


class RequestTimeTooSkewed(AuthRejected):
    code = "RequestTimeTooSkewed"


class SignatureDoesNotMatch(AuthRejected):
    code = "SignatureDoesNotMatch"


class DuplicatedSignature(AuthRejected):
    code = "DuplicatedSignature"


class PlanFeatureDisabled(QuotaExceeded):
    """A feature the caller's plan does not include (e.g. ``records.exportEnabled``)."""

    code = "PlanFeatureDisabled"


class DuplicateEntity(Conflict):
    code = "DuplicateEntity"


class EntityGone(Gone):
    code = "Gone"


class DuplicateProperty(Conflict):
    code = "DuplicateProperty"


class DuplicatePropertyGroup(Conflict):
    code = "DuplicatePropertyGroup"


class DuplicateSegment(Conflict):
    code = "DuplicateSegment"


class DuplicateRelationshipType(Conflict):
    code = "ConflictException"  # the code SOLAPI answers a duplicate type with


class DuplicateRelationship(Conflict):
    code = "ConflictException"


class IncompatibleFieldTypeChange(Conflict):
    code = "IncompatibleFieldTypeChange"


def not_found(kind: str, object_id: str) -> NotFound:
    return NotFound(f"{kind} '{object_id}' was not found")

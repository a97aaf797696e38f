"""HTTP endpoints of ``/crm-core/v1/records/export`` (X1, X2).

Mounted before the records router, so that ``/records/export/...`` is never taken for a record ID.
"""

from typing import Annotated

from fastapi import APIRouter, Path

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.exports import service as export_service
from crmcore.exports.schemas import (
    ExportRequestBody,
    ExportRequested,
    ExportStatusOut,
    requested_to_wire,
    status_to_wire,
)
from crmcore.kernel import errors

router = APIRouter(
    prefix="/records/export",
    tags=["records"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)


@router.post(
    "/request",
    name="requestExport",
    responses=ok(ExportRequested)
    | error_responses(errors.PlanFeatureDisabled, errors.NotFound, errors.Gone, errors.Forbidden),
)
def request_export(ctx: ContextDep, body: ExportRequestBody) -> JsonResponse:
    """Export an entity's records as CSV or XLSX: a download URL at once for up to 10,000
    records, else a job to poll with getExportStatus."""
    requested = export_service.request_export(ctx, body.to_request())
    return JsonResponse(requested_to_wire(requested))


@router.get(
    "/{jobId}/status",
    name="getExportStatus",
    responses=ok(ExportStatusOut) | error_responses(),
)
def export_status(ctx: ContextDep, job_id: Annotated[str, Path(alias="jobId")]) -> JsonResponse:
    """Progress of an export job; an unknown job answers 200 with status "failed"."""
    return JsonResponse(status_to_wire(export_service.status(ctx, job_id)))

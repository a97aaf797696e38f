"""Mounts every domain router under ``/crm-core/v1``."""

from fastapi import APIRouter, FastAPI

from crmcore.activities.router import router as activities_router
from crmcore.entities.router import router as entities_router
from crmcore.events.router import router as events_router
from crmcore.exports.router import router as exports_router
from crmcore.files.router import downloads_router
from crmcore.files.router import router as record_files_router
from crmcore.imports.router import router as imports_router
from crmcore.plans.router import router as plans_router
from crmcore.properties.router import router as properties_router
from crmcore.property_groups.router import router as property_groups_router
from crmcore.records.router import router as records_router
from crmcore.relationships.router import router as relationships_router
from crmcore.relationships.router import types_router as relationship_types_router
from crmcore.segments.router import router as segments_router

API_PREFIX = "/crm-core/v1"

# Routes are tried in order, one by one, on every request: the record routers (the busiest)
# come first. No route of another router can match a "/records/..." path, nor the reverse.
# Before records: "/records/import/..." and "/records/export/..." must not be taken for a
# record ID; "/relationships/types" is no relationship ID.
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    imports_router,
    exports_router,
    records_router,
    record_files_router,
    relationship_types_router,
    relationships_router,
    activities_router,
    entities_router,
    events_router,
    plans_router,
    property_groups_router,
    properties_router,
    downloads_router,
    segments_router,
)


def include_api(app: FastAPI) -> None:
    """Mount every domain router under ``API_PREFIX`` directly on the app: FastAPI matches each
    level of included routers again on every request, so one level less is measurably cheaper
    than a router of routers."""
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

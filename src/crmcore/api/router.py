"""Mounts every domain router under ``/crm-core/v1``."""

from fastapi import APIRouter

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

api_router = APIRouter(prefix=API_PREFIX)
# Routes are tried in order, one by one, on every request: the record routers (the busiest)
# come first. No route of another router can match a "/records/..." path, nor the reverse.
# Before records: "/records/import/..." and "/records/export/..." must not be taken for a
# record ID.
api_router.include_router(imports_router)
api_router.include_router(exports_router)
api_router.include_router(records_router)
api_router.include_router(record_files_router)
api_router.include_router(relationship_types_router)  # "/relationships/types" is no ID
api_router.include_router(relationships_router)
api_router.include_router(activities_router)
api_router.include_router(entities_router)
api_router.include_router(events_router)
api_router.include_router(plans_router)
api_router.include_router(property_groups_router)
api_router.include_router(properties_router)
api_router.include_router(downloads_router)
api_router.include_router(segments_router)

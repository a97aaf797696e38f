"""The served OpenAPI document: SOLAPI's CLI builds its commands from it, so its shape is pinned."""

from typing import Any

from fastapi.testclient import TestClient

OPENAPI = "/crm-core/v1/public/openapi/json"

#: (method, path) -> operationId. Changing one breaks CLI users: update deliberately.
OPERATIONS = {
    ("post", "/crm-core/v1/activities"): "activities_createActivity",
    ("get", "/crm-core/v1/activities"): "activities_getActivityList",
    ("get", "/crm-core/v1/activities/record/{recordId}/scheduled"): (
        "activities_getScheduledActivities"
    ),
    ("get", "/crm-core/v1/activities/{activityId}"): "activities_getActivity",
    ("patch", "/crm-core/v1/activities/{activityId}"): "activities_updateActivity",
    ("delete", "/crm-core/v1/activities/{activityId}"): "activities_deleteActivity",
    ("get", "/crm-core/v1/entities"): "entities_list",
    ("post", "/crm-core/v1/entities"): "entities_create",
    ("get", "/crm-core/v1/entities/trash"): "entities_listTrash",
    ("post", "/crm-core/v1/entities/reorder"): "entities_reorder",
    ("get", "/crm-core/v1/entities/{entityId}"): "entities_get",
    ("patch", "/crm-core/v1/entities/{entityId}"): "entities_update",
    ("delete", "/crm-core/v1/entities/{entityId}"): "entities_delete",
    ("post", "/crm-core/v1/entities/{entityId}/restore"): "entities_restore",
    ("post", "/crm-core/v1/events"): "events_createEvent",
    ("post", "/crm-core/v1/events/bulk"): "events_createEventBulk",
    ("get", "/crm-core/v1/events"): "events_getEventList",
    ("get", "/crm-core/v1/events/summaries"): "events_getEventSummaries",
    ("get", "/crm-core/v1/plans/me"): "plans_getMyPlan",
    ("get", "/crm-core/v1/properties"): "properties_list",
    ("post", "/crm-core/v1/properties"): "properties_create",
    ("post", "/crm-core/v1/properties/bulk"): "properties_bulkCreate",
    ("get", "/crm-core/v1/properties/{propertyId}"): "properties_get",
    ("patch", "/crm-core/v1/properties/{propertyId}"): "properties_update",
    ("delete", "/crm-core/v1/properties/{propertyId}"): "properties_delete",
    ("get", "/crm-core/v1/property-groups"): "propertyGroups_list",
    ("post", "/crm-core/v1/property-groups"): "propertyGroups_create",
    ("get", "/crm-core/v1/property-groups/{propertyGroupId}"): "propertyGroups_get",
    ("patch", "/crm-core/v1/property-groups/{propertyGroupId}"): "propertyGroups_update",
    ("delete", "/crm-core/v1/property-groups/{propertyGroupId}"): "propertyGroups_delete",
    ("get", "/crm-core/v1/records"): "records_list",
    ("post", "/crm-core/v1/records"): "records_create",
    ("get", "/crm-core/v1/records/trash"): "records_listTrash",
    ("post", "/crm-core/v1/records/import/excel/extract-columns"): "records_extractImportColumns",
    ("post", "/crm-core/v1/records/import/excel/preview"): "records_previewImport",
    ("post", "/crm-core/v1/records/import/excel"): "records_importExcel",
    ("get", "/crm-core/v1/records/import/{jobId}/status"): "records_getImportStatus",
    ("post", "/crm-core/v1/records/export/request"): "records_requestExport",
    ("get", "/crm-core/v1/records/export/{jobId}/status"): "records_getExportStatus",
    ("post", "/crm-core/v1/records/search/advanced"): "records_advancedSearch",
    ("get", "/crm-core/v1/records/search/fulltext/{entityId}"): "records_fullTextSearch",
    ("post", "/crm-core/v1/records/bulk/delete"): "records_bulkDelete",
    ("post", "/crm-core/v1/records/bulk/restore"): "records_bulkRestore",
    ("get", "/crm-core/v1/records/{recordId}"): "records_get",
    ("patch", "/crm-core/v1/records/{recordId}"): "records_update",
    ("delete", "/crm-core/v1/records/{recordId}"): "records_delete",
    ("post", "/crm-core/v1/records/{recordId}/restore"): "records_restore",
    ("get", "/crm-core/v1/records/{recordId}/logs"): "records_logs",
    ("post", "/crm-core/v1/records/{recordId}/profile-image"): "records_uploadProfileImage",
    ("delete", "/crm-core/v1/records/{recordId}/profile-image"): "records_deleteProfileImage",
    ("post", "/crm-core/v1/records/{recordId}/images"): "records_uploadImage",
    ("delete", "/crm-core/v1/records/{recordId}/images/{fileId}"): "records_deleteImage",
    ("post", "/crm-core/v1/records/{recordId}/attachments"): "records_uploadAttachment",
    ("delete", "/crm-core/v1/records/{recordId}/attachments/{fileId}"): "records_deleteAttachment",
    ("get", "/crm-core/v1/files/{fileId}"): "files_download",
    ("get", "/crm-core/v1/records/count"): "records_count",
    ("get", "/crm-core/v1/relationships/types"): "relationshipTypes_findTypes",
    ("post", "/crm-core/v1/relationships/types"): "relationshipTypes_createRelationshipType",
    ("get", "/crm-core/v1/relationships/types/{relationshipTypeId}"): (
        "relationshipTypes_getRelationshipType"
    ),
    ("patch", "/crm-core/v1/relationships/types/{relationshipTypeId}"): (
        "relationshipTypes_updateRelationshipType"
    ),
    ("delete", "/crm-core/v1/relationships/types/{relationshipTypeId}"): (
        "relationshipTypes_deleteRelationshipType"
    ),
    ("post", "/crm-core/v1/relationships"): "relationships_createRelationship",
    ("post", "/crm-core/v1/relationships/bulk"): "relationships_bulkCreateRelationship",
    ("post", "/crm-core/v1/relationships/bulk-match"): "relationships_bulkMatchLink",
    ("get", "/crm-core/v1/relationships/list"): "relationships_findList",
    ("get", "/crm-core/v1/relationships/type/{relationshipTypeId}"): "relationships_findByType",
    ("get", "/crm-core/v1/relationships/record/{recordId}"): "relationships_findByRecord",
    ("get", "/crm-core/v1/relationships/{relationshipId}"): "relationships_getRelationship",
    ("patch", "/crm-core/v1/relationships/{relationshipId}"): "relationships_updateRelationship",
    ("delete", "/crm-core/v1/relationships/{relationshipId}"): "relationships_deleteRelationship",
    ("get", "/crm-core/v1/segments"): "segments_list",
    ("post", "/crm-core/v1/segments"): "segments_create",
    ("get", "/crm-core/v1/segments/{segmentId}"): "segments_get",
    ("patch", "/crm-core/v1/segments/{segmentId}"): "segments_update",
    ("delete", "/crm-core/v1/segments/{segmentId}"): "segments_delete",
}

#: Operations authorised by something other than the Authorization header: a signed download
#: link carries its own signature in the URL.
UNAUTHENTICATED = {("get", "/crm-core/v1/files/{fileId}")}


def _document(client: TestClient) -> dict[str, Any]:
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_served_without_authentication(client: TestClient) -> None:
    document = _document(client)
    assert document["openapi"].startswith("3.")
    assert all(path.startswith("/crm-core/v1/") for path in document["paths"])


def test_operation_ids_are_pinned(client: TestClient) -> None:
    paths = _document(client)["paths"]
    served = {
        (method, path): operation["operationId"]
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    assert served == OPERATIONS


def test_parameters_are_declared_per_operation(client: TestClient) -> None:
    for path, operations in _document(client)["paths"].items():
        assert "parameters" not in operations, path
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            expected = {part[1:-1] for part in path.split("/") if part.startswith("{")}
            assert declared == expected, (method, path)


def test_every_operation_documents_its_errors(client: TestClient) -> None:
    document = _document(client)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            signed_url = (method, path) in UNAUTHENTICATED  # no 401: the URL is the credential
            for status in ("400", "403", "404") if signed_url else ("400", "401", "403"):
                assert status in responses, (method, path, status)
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}
            assert operation["security"] == ([] if signed_url else [{"HMAC": []}])
    assert document["components"]["securitySchemes"]["HMAC"]["name"] == "Authorization"


def test_request_and_response_schemas_are_declared(client: TestClient) -> None:
    paths = _document(client)["paths"]
    create = paths["/crm-core/v1/entities"]["post"]
    assert create["requestBody"]["required"] is True
    assert "200" in create["responses"]
    assert "content" in create["responses"]["200"]

"""OpenAPI as SOLAPI's CLI reads it: ``<tag>_<name>`` operationIds, parameters per operation."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

OPENAPI_PATH = "/crm-core/v1/public/openapi/json"


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}_{route.name}" if route.tags else route.name


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title="crmcore (SOLAPI CRM Core compatible)",
                version=app.version,
                openapi_version="3.0.3",
                description="Requests are signed: `Authorization: HMAC-SHA256 apiKey=..., "
                "date=..., salt=..., signature=hex(HMAC-SHA256(apiSecret, date + salt))`.",
                routes=app.routes,
            )
            components = schema.setdefault("components", {})
            components["securitySchemes"] = {
                "HMAC": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/crm-core/v1/public/"):
                    continue
                for operation in operations.values():
                    # An operation that declares its own (``[]``: a signed download link) keeps it.
                    operation.setdefault("security", [{"HMAC": []}])
                    # Validation errors answer 400 with the SOLAPI body (declared per route),
                    # never FastAPI's default 422.
                    operation.get("responses", {}).pop("422", None)
            schemas = components.get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]

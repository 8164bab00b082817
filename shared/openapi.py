"""``/openapi.json``: the OpenAPI 3.1 document of a service, built from its ``@api`` routes."""
from __future__ import annotations

import re

from shared.jsonschema import to_json_schema

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "errors": {"type": "object", "additionalProperties":
                              {"type": "array", "items": {"type": "string"}}}},
}


def openapi_document(service_name: str, routes, version: str = "1.0.0") -> dict:
    paths: dict[str, dict] = {}
    for route in sorted(routes, key=lambda r: (r.url, r.method)):
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route.url)
        for method in route.method.split(","):
            paths.setdefault(path, {})[method.lower()] = _operation(route, path)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"IOP platform — {service_name} service", "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM_SCHEMA},
        },
    }


def _operation(route, path: str) -> dict:
    operation: dict = {"operationId": route.method_name, "summary": route.summary or
                       route.method_name.replace("_", " ")}
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{([^}]+)}", path)]
    if route.query_schema is not None:
        query = to_json_schema(route.query_schema)
        for name, schema in query.get("properties", {}).items():
            params.append({"name": name, "in": "query", "schema": schema,
                           "required": name in query.get("required", [])})
    if params:
        operation["parameters"] = params
    if route.body_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": to_json_schema(route.body_schema)}}}
    success = {"description": "Success"}
    if route.response_schema is not None:
        success["content"] = {"application/json": {"schema": to_json_schema(route.response_schema)}}
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    operation["responses"] = {str(route.status): success}
    for status, description in ((400, "Malformed request"), (401, "Missing or unknown key"),
                                (403, "Role or site not allowed"), (404, "Not found"),
                                (422, "Invalid fields")):
        if not route.public or status == 400:
            operation["responses"][str(status)] = {"description": description, **problem}
    if not route.public:
        operation["security"] = [{"bearer": []}]
    if route.roles:
        operation["x-roles"] = list(route.roles)
    return operation

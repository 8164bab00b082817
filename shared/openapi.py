"""marshmallow schemas → OpenAPI 3.1: ``/openapi.json`` of a service, and the JSON Schemas of events.

apispec's MarshmallowPlugin does the conversion; schemas are inlined, not made components, so
each operation and each event document reads on its own. The converter adds two rules apispec
lacks: a regex pattern is published only when a JSON Schema (ECMA-262) validator reads it as
marshmallow does, and a range on a non-number (a date) goes into the description, not `minimum`.
"""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from marshmallow import Schema, fields
from marshmallow.validate import Regexp

OPENAPI_VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what an OpenAPI 3.1 schema object is

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "errors": {"type": "object", "additionalProperties":
                              {"type": "array", "items": {"type": "string"}}}},
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
ERRORS = ((400, "Malformed request"), (401, "Missing or unknown key"),
          (403, "Role or site not allowed"), (404, "Not found"), (422, "Invalid fields"))
# A client address failing authentication too often waits (shared/throttle.py).
THROTTLED = (429, "Too many failed authentications from this address; see Retry-After")
# A change can meet a state that refuses it (already enrolled, discharged, not started yet).
WRITE_ERRORS = ((409, "The record's state does not allow this"),)
# The input gate (shared/input.py) refuses a body before any schema reads it.
BODY_ERRORS = ((413, "Body larger than the configured limit"), (415, "Body not JSON"))

# Python-only regex syntax (inline flags, named groups, \A \Z \z) that ECMA-262 reads otherwise.
_NOT_PORTABLE = re.compile(r"\(\?(?![:=!]|<[=!])|\\[AZz]")


class PlatformConverter(OpenAPIConverter):
    def field2pattern(self, field: fields.Field, **kwargs) -> dict:
        regexes = [v.regex for v in field.validators if isinstance(v, Regexp)]
        if len(regexes) != 1:
            return {}  # several patterns are not one `pattern`; better none than a partial one
        regex = regexes[0]
        if regex.flags & ~re.UNICODE or _NOT_PORTABLE.search(regex.pattern):
            return {}  # better no pattern than one that validates differently
        # marshmallow matches at the start only; a JSON Schema pattern may match anywhere.
        return {"pattern": regex.pattern if regex.pattern.startswith("^") else f"^(?:{regex.pattern})"}

    def field2property(self, field: fields.Field) -> dict:
        result = super().field2property(field)
        # apispec writes a date's Range as x-minimum/x-maximum: say it in words instead.
        bounds = [f"{word} {result.pop(key)}" for key, word in
                  (("x-minimum", "not before"), ("x-maximum", "not after")) if key in result]
        if bounds:
            sentence = " and ".join(bounds) + "."
            sentence = sentence[0].upper() + sentence[1:]  # not capitalize(): it lowers "T" in times
            result["description"] = " ".join(filter(None, (result.get("description"), sentence)))
        return result


class PlatformPlugin(MarshmallowPlugin):
    Converter = PlatformConverter

    def __init__(self):
        super().__init__(schema_name_resolver=lambda schema: None)  # None: inline it


def _spec(title: str, version: str = "1.0.0") -> tuple[APISpec, PlatformPlugin]:
    plugin = PlatformPlugin()
    return APISpec(title, version, OPENAPI_VERSION, plugins=[plugin]), plugin


def json_schema(schema: Schema | type[Schema]) -> dict:
    """The schema object (JSON Schema 2020-12) of what `schema` loads, nested schemas inline."""
    _, plugin = _spec("JSON Schema")
    return plugin.converter.resolve_nested_schema(schema)


def openapi_document(service_name: str, routes, version: str = "1.0.0") -> dict:
    spec, _ = _spec(f"IOP platform — {service_name} service", version)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    for route in sorted(routes, key=lambda r: (r.url, r.method)):
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route.url)
        spec.path(path, operations={method.lower(): _operation(route, path)
                                    for method in route.method.split(",")})
    return spec.to_dict()


def _operation(route, path: str) -> dict:
    """The operation with the route's marshmallow schemas in place; apispec converts them."""
    operation: dict = {"operationId": route.method_name,
                       "summary": route.summary or route.method_name.replace("_", " ")}
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{([^}]+)}", path)]
    if route.query_schema is not None:
        params.append({"in": "query", "schema": route.query_schema})
    if getattr(route, "access_reason", False):
        params.append({"name": "X-Access-Reason", "in": "header", "required": False,
                       "description": "Why the caller opens this record (break-the-glass: another "
                                      "site's patient, for a clinician); recorded in the audit log.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 500}})
    if params:
        operation["parameters"] = params
    if route.body_schema is not None:
        operation["requestBody"] = {"required": route.body_required,
                                    "content": {"application/json": {"schema": route.body_schema}}}
    success: dict = {"description": "Success"}
    if route.response_schema is not None:
        success["content"] = {"application/json": {"schema": route.response_schema}}
    operation["responses"] = {str(route.status): success}
    errors = [(status, text) for status, text in ERRORS if not route.public or status == 400]
    if not route.public:
        errors.append(THROTTLED)
    if route.method != "GET" and not route.public:
        errors += WRITE_ERRORS
    if route.body_schema is not None:
        errors += BODY_ERRORS
    for status, description in errors:
        operation["responses"][str(status)] = {"description": description, "content": PROBLEM}
    if not route.public:
        operation["security"] = [{"bearer": []}]
    if route.roles:
        operation["x-roles"] = list(route.roles)
    return operation

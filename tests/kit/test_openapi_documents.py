"""Every service's /openapi.json is a valid OpenAPI 3.1 document, and its schemas valid JSON Schema.

The documents are built from each service's @api routes as nameko binds them, without starting
the service. openapi-spec-validator checks the document's structure; it does not check the
keywords inside schema objects (a string `minimum` passes it), so each schema object is also
checked against the JSON Schema 2020-12 meta-schema, the dialect of OpenAPI 3.1 schemas.
"""
import json
import re
from datetime import date

import pytest
from jsonschema import Draft202012Validator
from marshmallow import Schema, fields
from marshmallow.validate import Range, Regexp
from nameko.containers import ServiceContainer
from openapi_spec_validator import validate

from shared.events.docs import render_documents
from shared.config import load_config
from shared.http import ApiHandler, api, routes_of, to_json
from shared.openapi import openapi_document
from shared.registry import service_names
from shared.registry import service_class as registry_class

CONFIG = load_config()


def service_class(service_name: str):
    return registry_class(CONFIG, service_name)


def service_routes(service_cls) -> list[ApiHandler]:
    """The routes bound as a container binds them (`method_name` set); nothing connects."""
    return routes_of(ServiceContainer(service_cls, config={"AMQP_URI": "memory://"}))


def served(document: dict) -> dict:
    """The document as /openapi.json answers it (the service's own JSON encoder)."""
    return json.loads(to_json(document))


def schema_objects(node, where="#"):
    """(location, schema) for every schema object of an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                yield f"{where}/{key}", value
            elif key == "schemas" and where == "#/components":
                yield from ((f"{where}/schemas/{name}", schema) for name, schema in value.items())
            else:
                yield from schema_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schema_objects(value, f"{where}/{index}")


def meta_schema_errors(schema: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema)]


@pytest.fixture(scope="module", params=service_names(CONFIG))
def document(request):
    return served(openapi_document(request.param, service_routes(service_class(request.param))))


def test_each_service_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises, naming the first error


def test_each_schema_in_a_service_document_is_valid_json_schema(document):
    schemas = list(schema_objects(document))
    assert schemas
    problems = {where: errors for where, schema in schemas if (errors := meta_schema_errors(schema))}
    assert problems == {}


@pytest.mark.parametrize("name", sorted(render_documents()))
def test_each_published_event_schema_is_valid_json_schema(name):
    assert meta_schema_errors(json.loads(render_documents()[name])) == []


def test_the_birth_date_range_is_described_not_given_as_a_string_minimum():
    document = served(openapi_document("intake", service_routes(service_class("intake"))))
    body = document["paths"]["/referrals"]["post"]["requestBody"]["content"]["application/json"]
    birth_date = body["schema"]["properties"]["patient"]["properties"]["birth_date"]
    assert birth_date == {"type": "string", "format": "date", "description": "Not before 1900-01-01 and not after 2199-12-31."}


# -- what the kit adds to apispec's conversion ---------------------------------------------

class Patterns(Schema):
    anchored = fields.String(validate=Regexp(r"^[a-z]+$"))
    unanchored = fields.String(validate=Regexp(r"\S"))
    python_only = fields.String(validate=Regexp(r"\A\d+\Z"))
    with_flags = fields.String(validate=Regexp(re.compile("abc", re.IGNORECASE)))
    named_group = fields.String(validate=Regexp(r"(?P<year>\d{4})"))
    day = fields.Date(validate=Range(date(2020, 1, 1), date(2030, 12, 31)),
                      metadata={"description": "The day."})
    count = fields.Integer(validate=Range(1, 9))


class PatternService:
    name = "patterns"

    @api("POST", "/x", body=Patterns)
    def submit(self, request):
        return {}


def properties_of(service_cls) -> dict:
    document = openapi_document(service_cls.name, service_routes(service_cls))
    return document["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]


def test_a_pattern_is_anchored_at_the_start_as_marshmallow_matches_it():
    properties = properties_of(PatternService)
    assert properties["anchored"]["pattern"] == "^[a-z]+$"
    assert properties["unanchored"]["pattern"] == r"^(?:\S)"


def test_a_pattern_that_json_schema_would_read_otherwise_is_left_out():
    properties = properties_of(PatternService)
    assert [name for name in ("python_only", "with_flags", "named_group")
            if "pattern" in properties[name]] == []


def test_a_range_on_a_date_goes_into_the_description_and_on_a_number_stays_a_bound():
    properties = properties_of(PatternService)
    assert properties["day"] == {"type": "string", "format": "date", "description":
                                 "The day. Not before 2020-01-01 and not after 2030-12-31."}
    assert (properties["count"]["minimum"], properties["count"]["maximum"]) == (1, 9)

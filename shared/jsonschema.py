"""marshmallow schemas → JSON Schema (draft 2020-12), for the event catalog and the OpenAPI documents.

It describes the JSON form a schema dumps and loads. Field `metadata` adds annotations:
`description`, `title`, `examples` (or `example`), `deprecated`, `format` (overrides the
field's own) and any `x-` key. A field type it does not know becomes `{}` (any value).
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, missing
from marshmallow import validate as v

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_ANNOTATIONS = ("title", "description", "examples", "deprecated")

# Python-only regex syntax that a JSON Schema (ECMA-262) validator would read differently.
_NOT_PORTABLE = re.compile(r"\(\?(?![:=!]|<[=!])|\\[AZz]")


def to_json_schema(schema: Schema | type[Schema], *, dialect: bool = True) -> dict:
    """The JSON Schema of an object `schema` loads; `dialect=False` omits `$schema` (for embedding)."""
    instance = schema() if isinstance(schema, type) else schema
    head = {"$schema": DIALECT} if dialect else {}
    if instance.many:  # Schema(many=True) loads a JSON list of such objects
        return {**head, "type": "array", "items": _object(instance)}
    return {**head, **_object(instance)}


def field_to_json_schema(field: fields.Field) -> dict:
    result = _type_of(field)
    if "format" in field.metadata:
        result["format"] = field.metadata["format"]
    for validator in field.validators:
        _constrain(result, validator)
    if field.allow_none:
        _allow_null(result)
    _annotate(result, field)
    return result


def _object(schema: Schema) -> dict:
    properties, required = {}, []
    for name, field in schema.fields.items():
        key = field.data_key or name
        properties[key] = field_to_json_schema(field)
        if field.required:
            required.append(key)
    result = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if schema.unknown == RAISE:
        result["additionalProperties"] = False
    return result


def _type_of(field: fields.Field) -> dict:
    # Subclasses before their bases: Email is a String, AwareDateTime a DateTime, Pluck a Nested.
    if isinstance(field, fields.Nested):
        if isinstance(field, fields.Pluck):
            shape = field_to_json_schema(field.schema.fields[field.field_name])
        else:
            shape = _object(field.schema)
        return {"type": "array", "items": shape} if field.many else shape
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_to_json_schema(field.inner)}
    if isinstance(field, fields.Tuple):
        items = [field_to_json_schema(inner) for inner in field.tuple_fields]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if isinstance(field, fields.Mapping):
        return _mapping(field)
    if isinstance(field, fields.Enum):
        return _enum(field)
    if isinstance(field, fields.Constant):
        return {"const": field.constant}
    if isinstance(field, fields.Email):
        return {"type": "string", "format": "email"}
    if isinstance(field, fields.Url):
        return {"type": "string", "format": "uri"}
    if isinstance(field, fields.UUID):
        return {"type": "string", "format": "uuid"}
    if isinstance(field, fields.String):
        return {"type": "string"}
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.Integer):
        return {"type": "string"} if field.as_string else {"type": "integer"}
    if isinstance(field, (fields.Float, fields.Decimal)):
        return {"type": "string"} if field.as_string else {"type": "number"}
    if isinstance(field, fields.DateTime):
        if field.format in ("timestamp", "timestamp_ms"):
            return {"type": "number"}
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, fields.Time):
        return {"type": "string", "format": "time"}
    if isinstance(field, fields.TimeDelta):
        return {"type": "number"}
    if isinstance(field, fields.IPv4):
        return {"type": "string", "format": "ipv4"}
    if isinstance(field, fields.IPv6):
        return {"type": "string", "format": "ipv6"}
    return {}


def _mapping(field: fields.Mapping) -> dict:
    result = {"type": "object"}
    if field.key_field is not None:
        result["propertyNames"] = field_to_json_schema(field.key_field)
    if field.value_field is not None:
        result["additionalProperties"] = field_to_json_schema(field.value_field)
    return result


def _enum(field: fields.Enum) -> dict:
    if field.by_value:
        values = [member.value for member in field.enum]
        return {"enum": values}
    return {"type": "string", "enum": [member.name for member in field.enum]}


def _constrain(result: dict, validator) -> None:
    kind = result.get("type")
    if isinstance(validator, v.OneOf):
        result["enum"] = list(validator.choices)
    elif isinstance(validator, v.Equal):
        result["const"] = validator.comparable
    elif isinstance(validator, v.Length):
        low, high = (validator.equal, validator.equal) if validator.equal is not None else (
            validator.min,
            validator.max,
        )
        names = {"array": "Items", "object": "Properties"}.get(kind, "Length")
        if low is not None:
            result[f"min{names}"] = low
        if high is not None:
            result[f"max{names}"] = high
    elif isinstance(validator, v.Range):
        if validator.min is not None:
            result["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            result["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    elif isinstance(validator, v.Regexp):
        _pattern(result, validator.regex)


def _pattern(result: dict, regex: re.Pattern) -> None:
    if regex.flags & ~re.UNICODE or _NOT_PORTABLE.search(regex.pattern):
        return  # not "simple": better no pattern than one that validates differently
    # marshmallow matches at the start only; a JSON Schema pattern may match anywhere.
    pattern = regex.pattern if regex.pattern.startswith("^") else f"^(?:{regex.pattern})"
    result["pattern"] = pattern


def _allow_null(result: dict) -> None:
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    if "const" in result:
        result["enum"] = [result.pop("const"), None]


def _annotate(result: dict, field: fields.Field) -> None:
    meta = field.metadata
    for key in _ANNOTATIONS:
        if key in meta:
            result[key] = meta[key]
    if "example" in meta and "examples" not in meta:
        result["examples"] = [meta["example"]]
    result.update({key: value for key, value in meta.items() if key.startswith("x-")})
    default = field.load_default
    if default is not missing and not callable(default) and _is_json_scalar(default):
        result["default"] = default
    if field.dump_only:
        result["readOnly"] = True
    if field.load_only:
        result["writeOnly"] = True


def _is_json_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))

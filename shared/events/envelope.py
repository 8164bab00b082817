"""The CloudEvents 1.0 structured JSON envelope every event travels in (ARCHITECTURE.md, Messages).

build_envelope is the producer's side: data must match its catalog schema exactly.
parse_envelope is the consumer's side: it refuses what it cannot trust (a broken envelope, an
unknown type, a type from the wrong producer, invalid data) and ignores fields added since.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow.validate import Equal, Length, Regexp

from shared.events.catalog import (CATALOG, SITE_ID_PATTERN, UUID_PATTERN, EventData, EventType, Id,
                                   SiteId)
from shared.events.catalog import event_type as find_event_type

SPECVERSION = "1.0"
DATACONTENTTYPE = "application/json"


class InvalidEvent(ValueError):
    """An event that does not match its contract; `errors` maps each field to its messages."""

    def __init__(self, errors: dict):
        super().__init__(f"invalid event: {errors}")
        self.errors = errors


class EnvelopeSchema(Schema):
    """The envelope attributes. Other CloudEvents extension attributes are ignored, not refused."""

    class Meta:
        unknown = EXCLUDE

    specversion = fields.String(required=True, validate=Equal(SPECVERSION))
    id = Id(required=True, metadata={"description": "Unique per event; consumers deduplicate on it."})
    type = fields.String(
        required=True, validate=Length(min=1), metadata={"description": "Event type, the routing key."}
    )
    source = fields.String(
        required=True,
        validate=Regexp(r"^urn:iop:service:[a-z_]+$"),
        metadata={"description": "The producing service, `urn:iop:service:<service>`."},
    )
    time = fields.AwareDateTime(required=True, metadata={"description": "When it happened, UTC."})
    subject = fields.String(validate=Length(min=1), metadata={"description": "Omitted when none."})
    datacontenttype = fields.String(required=True, validate=Equal(DATACONTENTTYPE))
    dataschema = fields.String(
        required=True, metadata={"description": "`urn:iop:event:<type>:v<version>`."}
    )
    siteid = SiteId(required=True, metadata={"description": "The site it happened at."})
    correlationid = fields.String(
        required=True,
        validate=Length(1, 200),
        metadata={"description": "Shared by every event and request of one workflow."},
    )
    data = fields.Dict(required=True, metadata={"description": "Validated by the dataschema."})


ENVELOPE_SCHEMA = EnvelopeSchema()

# The envelope schema compiled by hand for the common case: an envelope every attribute of which
# is a plain string the schema accepts (the same patterns, matched the same way). Anything else —
# a missing, mistyped or refused attribute — goes through ENVELOPE_SCHEMA, which names the errors;
# so the fast path accepts nothing the schema would refuse, and is ten times cheaper.
_UUID = re.compile(UUID_PATTERN).match
_SITE = re.compile(SITE_ID_PATTERN).match
_SOURCE = re.compile(r"^urn:iop:service:[a-z_]+$").match
# What build_envelope writes (datetime.isoformat of an aware UTC moment); other ISO forms use the schema.
_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?\+00:00").fullmatch


def _fast_attributes(envelope: Mapping) -> dict | None:
    """The loaded attributes, as ENVELOPE_SCHEMA.load gives them, or None to ask the schema."""
    try:
        specversion, event_id, event_type, source, time, datacontenttype, dataschema, siteid, \
            correlationid, data = (envelope["specversion"], envelope["id"], envelope["type"],
                                   envelope["source"], envelope["time"], envelope["datacontenttype"],
                                   envelope["dataschema"], envelope["siteid"],
                                   envelope["correlationid"], envelope["data"])
    except KeyError:
        return None
    subject = envelope.get("subject", "")
    strings = (specversion, event_id, event_type, source, time, datacontenttype, dataschema, siteid,
               correlationid, subject)
    if any(type(value) is not str for value in strings) or type(data) is not dict:
        return None
    if not (specversion == SPECVERSION and datacontenttype == DATACONTENTTYPE and event_type
            and _UUID(event_id) and _SOURCE(source) and 1 <= len(siteid) <= 64 and _SITE(siteid)
            and 1 <= len(correlationid) <= 200 and _UTC_TIME(time)):
        return None
    if "subject" in envelope and not subject:
        return None
    try:
        moment = dt.datetime.fromisoformat(time)
    except ValueError:  # month 13 and the like: the schema says what is wrong
        return None
    attributes = {"specversion": specversion, "id": event_id, "type": event_type, "source": source,
                  "time": moment, "datacontenttype": datacontenttype,
                  "dataschema": dataschema, "siteid": siteid, "correlationid": correlationid,
                  "data": data}
    if "subject" in envelope:
        attributes["subject"] = subject
    return attributes

# build_envelope reports a bad envelope attribute under the argument that supplied it.
_ARGUMENT_OF = {"id": "event_id", "siteid": "site_id", "correlationid": "correlation_id"}


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    source: str
    time: dt.datetime
    subject: str | None
    site_id: str
    correlation_id: str
    data: dict
    envelope: dict = field(repr=False)


def build_envelope(
    event_type: str | EventType,
    data: Mapping,
    *,
    source_service: str,
    site_id: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    event_id: str | None = None,
    time: dt.datetime | None = None,
) -> dict:
    event = event_type if isinstance(event_type, EventType) else find_event_type(event_type)
    if not isinstance(data, Mapping):
        raise InvalidEvent({"_schema": ["Event data must be a mapping."]})
    data = {"site_id": site_id, **data}
    dumped, errors = _dump_data(event, data)
    if data["site_id"] != site_id:
        _merge(errors, {"site_id": [f"Does not match the envelope's site {site_id!r}."]})
    if source_service != event.producer:
        _merge(errors, {"source_service": [f"{event.type} is published by {event.producer}."]})

    envelope = {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid4()) if event_id is None else event_id,
        "type": event.type,
        "source": event.source,
        "time": _utc_iso(time or dt.datetime.now(dt.timezone.utc)),
        "subject": subject,
        "datacontenttype": DATACONTENTTYPE,
        "dataschema": event.dataschema,
        "siteid": site_id,
        "correlationid": str(uuid.uuid4()) if correlation_id is None else correlation_id,
        "data": dumped,
    }
    if subject is None:
        del envelope["subject"]
    attribute_errors = {} if _fast_attributes(envelope) is not None else ENVELOPE_SCHEMA.validate(envelope)
    _merge(errors, {_ARGUMENT_OF.get(name, name): messages for name, messages in attribute_errors.items()})
    if errors:
        raise InvalidEvent(errors)
    return envelope


def parse_envelope(body: Mapping | str | bytes) -> Event:
    envelope = _decode(body)
    attributes, errors = _fast_attributes(envelope), {}
    if attributes is None:
        try:
            attributes = ENVELOPE_SCHEMA.load(envelope)
        except ValidationError as error:
            attributes, errors = error.valid_data or {}, dict(error.messages)

    event = CATALOG.get(attributes.get("type"))
    if event is None and "type" in attributes:
        errors["type"] = [f"Unknown event type {attributes['type']!r}."]
    data = {}
    if event is not None:
        if "source" in attributes and attributes["source"] != event.source:
            errors["source"] = [f"{event.type} is published by {event.source}."]
        if "dataschema" in attributes and attributes["dataschema"] not in event.dataschemas_read:
            errors["dataschema"] = [f"This consumer reads {', '.join(event.dataschemas_read)}."]
        if "data" in attributes:
            try:
                data = _data_schema(event).load(attributes["data"])
            except ValidationError as error:
                errors["data"] = error.messages
    if data and "siteid" in attributes and data["site_id"] != attributes["siteid"]:
        errors["siteid"] = [f"Does not match data.site_id {data['site_id']!r}."]
    if errors:
        raise InvalidEvent(errors)

    return Event(
        id=attributes["id"],
        type=attributes["type"],
        source=attributes["source"],
        time=attributes["time"],
        subject=attributes.get("subject"),
        site_id=attributes["siteid"],
        correlation_id=attributes["correlationid"],
        data=data,
        envelope=envelope,
    )


@functools.cache
def _data_schema(event: EventType) -> EventData:
    return event.schema()


def _dump_data(event: EventType, data: dict) -> tuple[dict, dict]:
    """The JSON form of data, and what is wrong with it."""
    schema = _data_schema(event)
    errors = _unexpected_keys(schema, data)
    try:
        dumped = schema.dump(data)
    except (TypeError, ValueError, AttributeError):
        return {}, _merge(errors, _unserialisable(schema, data))
    return dumped, _merge(errors, schema.validate(dumped))


def _unexpected_keys(schema: Schema, data) -> dict:
    """Keys the schema does not know, nested objects included (dump would drop them silently)."""
    if not isinstance(data, Mapping):
        return {}
    errors = {}
    for key, value in data.items():
        known = schema.fields.get(key)
        found = ["Unknown field."] if known is None else _unexpected_nested_keys(known, value)
        if found:
            errors[key] = found
    return errors


def _unexpected_nested_keys(known: fields.Field, value) -> dict:
    if isinstance(known, fields.List) and isinstance(value, (list, tuple)):
        items = {i: _unexpected_nested_keys(known.inner, item) for i, item in enumerate(value)}
        return {i: found for i, found in items.items() if found}
    if isinstance(known, fields.Nested):
        if known.many and isinstance(value, (list, tuple)):
            items = {i: _unexpected_keys(known.schema, item) for i, item in enumerate(value)}
            return {i: found for i, found in items.items() if found}
        return _unexpected_keys(known.schema, value)
    return {}


def _unserialisable(schema: Schema, data: dict) -> dict:
    """Name the fields whose values dump could not even turn into JSON."""
    errors = {}
    for name, known in schema.fields.items():
        try:
            known.serialize(name, data)
        except (TypeError, ValueError, AttributeError):
            errors[name] = [f"Not a valid value for this field: {data.get(name)!r}."]
    return errors


def _merge(errors: dict, more: dict) -> dict:
    for key, messages in more.items():
        if isinstance(errors.get(key), dict) and isinstance(messages, dict):
            _merge(errors[key], messages)
        elif isinstance(errors.get(key), list) and isinstance(messages, list):
            errors[key] = errors[key] + messages
        else:
            errors[key] = messages
    return errors


def _utc_iso(moment: dt.datetime) -> str:
    if moment.utcoffset() is None:
        return moment.isoformat()  # refused by the envelope schema: a naive time is ambiguous
    return moment.astimezone(dt.timezone.utc).isoformat()


def _decode(body) -> dict:
    if isinstance(body, (str, bytes, bytearray)):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise InvalidEvent({"body": [f"Not UTF-8 JSON: {error}."]}) from None
    if not isinstance(body, Mapping):
        raise InvalidEvent({"body": ["An envelope is a JSON object."]})
    return dict(body)

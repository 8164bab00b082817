"""Events: the catalog of what happened, and the CloudEvents envelope they travel in."""

from shared.events.catalog import CATALOG, EventType, UnknownEventType, event_type, events_published_by
from shared.events.envelope import Event, InvalidEvent, build_envelope, parse_envelope

__all__ = [
    "CATALOG",
    "Event",
    "EventType",
    "InvalidEvent",
    "UnknownEventType",
    "build_envelope",
    "event_type",
    "events_published_by",
    "parse_envelope",
]

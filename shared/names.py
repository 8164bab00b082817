"""Every exchange and queue name of the platform, built in one place.

A leaf: the catalog, the outbox, the inbox, the topology and the ops commands all take their names
from here, and it imports nothing of the kit.
"""
from __future__ import annotations

# The alternate exchange (and its queue) that keeps events no queue was bound for.
UNROUTABLE = "iop.unroutable"

EVENTS_SUFFIX = ".events"
# Matches every service's events exchange: the unroutable policy applies to these.
EVENTS_EXCHANGE_PATTERN = r"^[a-z_]+\.events$"


def events_exchange(service_name: str) -> str:
    """The topic exchange a service publishes its events to; the routing key is the event type."""
    return f"{service_name}{EVENTS_SUFFIX}"


def consumer_name(service_name: str, method: str) -> str:
    """A handler as the inbox records it and a dead letter names it."""
    return f"{service_name}.{method}"


def handler_queue_name(source_service: str, event_type: str, service_name: str, method: str) -> str:
    """The queue nameko gives a service-pool event handler."""
    return f"evt-{source_service}-{event_type}--{consumer_name(service_name, method)}"


def retry_queue_name(queue_name: str) -> str:
    return f"{queue_name}.retry"


def dead_letter_queue_name(service_name: str) -> str:
    return f"{service_name}.dead-letters"

"""The declarations of a handler's queues, made alike by ``python -m shared.topology`` and by each
inbox handler when it starts (whichever comes first, the other finds them as it expects).

``AMQP_QUEUE_TYPE`` (config) picks the queue type: ``classic`` (the single-node default) or
``quorum`` (replicated over a cluster's nodes). Quorum handler queues also count deliveries: a
message delivered more than ``AMQP_DELIVERY_LIMIT`` times (a consumer that dies on it, again and
again, before the inbox could settle it) is dead-lettered by the broker to the service's
dead-letter queue. A queue's type is fixed when it is first declared: switching types needs a
fresh vhost (or the queues deleted and declared again).
"""
from __future__ import annotations

from kombu import Connection, Exchange, Queue

from shared.names import dead_letter_queue_name, events_exchange, retry_queue_name

QUEUE_TYPES = ("classic", "quorum")
DEFAULT_DELIVERY_LIMIT = 20


def queue_type(config: dict | None) -> str:
    kind = str((config or {}).get("AMQP_QUEUE_TYPE") or "classic").strip().lower()
    if kind not in QUEUE_TYPES:
        raise ValueError(f"AMQP_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, not {kind!r}")
    return kind


def delivery_limit(config: dict | None) -> int:
    return int((config or {}).get("AMQP_DELIVERY_LIMIT") or DEFAULT_DELIVERY_LIMIT)


def events_exchange_of(service_name: str) -> Exchange:
    """A service's events exchange, declared as nameko's dispatchers and handlers declare it."""
    return Exchange(events_exchange(service_name), type="topic", durable=True)


def handler_queue_arguments(service_name: str, kind: str = "classic",
                            limit: int = DEFAULT_DELIVERY_LIMIT) -> dict:
    if kind != "quorum":
        return {}
    return {"x-queue-type": "quorum", "x-delivery-limit": limit,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": dead_letter_queue_name(service_name)}


def handler_queue(queue_name: str, source_service: str, event_type: str,
                  arguments: dict | None = None) -> Queue:
    """Exactly nameko's declaration of a reliable service-pool handler queue (plus the queue
    type's arguments, which the inbox handler gives nameko's queue too)."""
    return Queue(queue_name, events_exchange_of(source_service), routing_key=event_type,
                 durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=arguments or None)


def retry_queue_arguments(queue_name: str, kind: str = "classic") -> dict:
    # Expired messages go back to the handler's own queue through the default exchange.
    arguments = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue_name}
    if kind == "quorum":
        arguments["x-queue-type"] = "quorum"
    return arguments


def dead_letter_queue_arguments(kind: str = "classic") -> dict:
    return {"x-queue-type": "quorum"} if kind == "quorum" else {}


def declare_handler_queues(amqp_uri: str, queue_name: str, service_name: str,
                           kind: str = "classic") -> None:
    """A handler's retry queue and its service's dead-letter queue."""
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        Queue(retry_queue_name(queue_name), durable=True,
              queue_arguments=retry_queue_arguments(queue_name, kind))(channel).declare()
        Queue(dead_letter_queue_name(service_name), durable=True,
              queue_arguments=dead_letter_queue_arguments(kind) or None)(channel).declare()

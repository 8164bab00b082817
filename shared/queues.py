"""The declarations of a handler's queues, made alike by ``python -m shared.topology`` and by each
inbox handler when it starts (whichever comes first, the other finds them as it expects)."""
from __future__ import annotations

from kombu import Connection, Exchange, Queue

from shared.names import dead_letter_queue_name, events_exchange, retry_queue_name


def events_exchange_of(service_name: str) -> Exchange:
    """A service's events exchange, declared as nameko's dispatchers and handlers declare it."""
    return Exchange(events_exchange(service_name), type="topic", durable=True)


def handler_queue(queue_name: str, source_service: str, event_type: str) -> Queue:
    """Exactly nameko's declaration of a reliable service-pool handler queue."""
    return Queue(queue_name, events_exchange_of(source_service), routing_key=event_type,
                 durable=True, auto_delete=False, exclusive=False)


def retry_queue_arguments(queue_name: str) -> dict:
    # Expired messages go back to the handler's own queue through the default exchange.
    return {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue_name}


def declare_handler_queues(amqp_uri: str, queue_name: str, service_name: str) -> None:
    """A handler's retry queue and its service's dead-letter queue."""
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        Queue(retry_queue_name(queue_name), durable=True,
              queue_arguments=retry_queue_arguments(queue_name))(channel).declare()
        Queue(dead_letter_queue_name(service_name), durable=True)(channel).declare()

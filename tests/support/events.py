"""Events on the broker as seen from outside a service: published as its producer would, or
received on a plain kombu queue as an integrator would, so tests check the wire contract and not
the kit's own consumer."""
from __future__ import annotations

import json
import socket
import time
import uuid

from kombu import Connection, Exchange, Queue, binding

from shared.names import events_exchange


class EventSubscriber:
    """Binds its own queue to ``(producer, routing key)`` pairs and collects envelopes."""

    def __init__(self, amqp_uri: str, bindings):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-subscriber-{uuid.uuid4().hex[:8]}", exclusive=True,
                           auto_delete=True, bindings=[
                               binding(Exchange(events_exchange(producer), type="topic", durable=True),
                                       routing_key=key) for producer, key in bindings])
        self.received: list[dict] = []
        self.consumer = self.connection.Consumer(self.queue, callbacks=[self._on_message],
                                                 accept=["json"])
        self.consumer.consume()

    def _on_message(self, body, message):
        self.received.append(body if isinstance(body, dict) else json.loads(body))
        message.ack()

    def wait_for(self, event_type: str | None = None, where=None, count: int = 1,
                 timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            matched = [e for e in self.received
                       if (event_type is None or e.get("type") == event_type)
                       and (where is None or where(e))]
            if len(matched) >= count:
                return matched
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} {event_type or 'event'}(s) within {timeout}s, got "
                    f"{len(matched)}; received types: {[e.get('type') for e in self.received]}")
            try:
                self.connection.drain_events(timeout=min(remaining, 0.5))
            except socket.timeout:
                pass

    def drain(self, quiet_for: float = 0.5) -> list[dict]:
        """Collect until nothing arrives for ``quiet_for`` seconds (to count duplicates)."""
        while True:
            try:
                self.connection.drain_events(timeout=quiet_for)
            except socket.timeout:
                return self.received

    def close(self):
        try:
            self.connection.close()
        except Exception:  # the test may have stopped the broker
            pass


def publish_event(amqp_uri: str, event_type: str, data: dict, *, site_id: str,
                  subject: str | None = None, event_id: str | None = None) -> dict:
    """Publish a catalog event as its producing service would (envelope and all)."""
    from shared.broker import ConfirmingPublisher, OutgoingMessage
    from shared.events import build_envelope, event_type as catalog_entry

    producer = catalog_entry(event_type).producer
    envelope = build_envelope(event_type, {"site_id": site_id, **data}, source_service=producer,
                              site_id=site_id, subject=subject, event_id=event_id)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.declare_event_exchange(events_exchange(producer))
        publisher.publish([OutgoingMessage(events_exchange(producer), event_type, json.dumps(envelope),
                                           message_id=envelope["id"])])
    finally:
        publisher.close()
    return envelope

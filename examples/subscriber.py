"""A standalone integrator of the IOP platform's events, in plain kombu (pip install kombu).

    python examples/subscriber.py --amqp-uri amqp://guest:guest@localhost:5672/ \
        --queue my-integration --bind intake:PatientEnrolled --bind scheduling:SessionAttended

It owns a durable queue bound to the chosen `<producer>.events` exchanges and event types, so
events published while it is down wait for it. For each message it validates the CloudEvents
envelope, skips an `id` it already processed (at-least-once delivery: duplicates happen), does
its work — here, printing the envelope as one JSON line — and only then acks. Seen ids live in a
SQLite file, recorded in the same transaction as the work, so a restart does not reprocess.
A message it cannot use is rejected to `<queue>.dead-letters`, never acked away. It reconnects
by itself when the broker goes away. The contract: docs/asyncapi.yaml and docs/events/.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys

from kombu import Connection, Exchange, Queue, binding
from kombu.mixins import ConsumerMixin

log = logging.getLogger("subscriber")

REQUIRED_ATTRIBUTES = ("id", "source", "type", "time", "datacontenttype", "dataschema", "siteid",
                       "correlationid", "data")


class InvalidEnvelope(ValueError):
    pass


def parse_envelope(body: bytes, routing_key: str) -> dict:
    """The envelope, if it is a CloudEvents 1.0 event of the platform; unknown fields are kept."""
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise InvalidEnvelope(f"not JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise InvalidEnvelope("not a JSON object")
    if envelope.get("specversion") != "1.0":
        raise InvalidEnvelope(f"specversion {envelope.get('specversion')!r}, expected '1.0'")
    missing = [name for name in REQUIRED_ATTRIBUTES if envelope.get(name) in (None, "")]
    if missing:
        raise InvalidEnvelope(f"missing attributes: {', '.join(missing)}")
    if envelope["datacontenttype"] != "application/json" or not isinstance(envelope["data"], dict):
        raise InvalidEnvelope("data is not a JSON object")
    if envelope["type"] != routing_key:  # the platform routes each event by its type
        raise InvalidEnvelope(f"type {envelope['type']!r} arrived with routing key {routing_key!r}")
    return envelope


class SeenIds:
    """Ids already processed. Use `with seen.transaction():` around the work it guards."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit below
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, type TEXT, "
                        "processed_at TEXT DEFAULT CURRENT_TIMESTAMP)")

    def transaction(self):
        return _Transaction(self.db)

    def add(self, envelope: dict) -> bool:
        """Record the id; False if it was already there."""
        cursor = self.db.execute("INSERT OR IGNORE INTO seen (id, type) VALUES (?, ?)",
                                 (envelope["id"], envelope["type"]))
        return cursor.rowcount == 1


class _Transaction:
    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def process(envelope: dict) -> None:
    """The integration's own work. Replace with yours; keep it in the seen-id transaction."""
    print(json.dumps(envelope, sort_keys=True), flush=True)


class Subscriber(ConsumerMixin):
    def __init__(self, connection: Connection, queue_name: str, bindings: list[tuple[str, str]],
                 seen: SeenIds, prefetch: int, max_events: int | None):
        self.connection = connection
        self.seen = seen
        self.prefetch = prefetch
        self.max_events = max_events
        self.processed = 0
        self.dead_letters = Queue(f"{queue_name}.dead-letters", durable=True)
        self.queue = Queue(
            queue_name, durable=True, auto_delete=False,
            # The platform declares its exchanges this way (as nameko does): match it exactly.
            bindings=[binding(Exchange(f"{producer}.events", type="topic", durable=True),
                              routing_key=event_type) for producer, event_type in bindings],
            # A rejected message goes to our own dead-letter queue through the default exchange.
            queue_arguments={"x-dead-letter-exchange": "",
                             "x-dead-letter-routing-key": self.dead_letters.name})

    def get_consumers(self, Consumer, channel):
        self.dead_letters(channel).declare()
        # on_message: we decode and validate the raw body ourselves.
        return [Consumer(queues=[self.queue], on_message=self.on_message,
                         prefetch_count=self.prefetch)]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        log.info("consuming %s", self.queue.name)

    def on_connection_error(self, exc, interval):
        log.warning("broker unreachable (%s); retrying in %ss", exc, interval)

    def on_message(self, message):
        try:
            envelope = parse_envelope(message.body, message.delivery_info.get("routing_key"))
        except InvalidEnvelope as exc:
            log.error("rejected to %s: %s", self.dead_letters.name, exc)
            message.reject(requeue=False)
            return
        try:
            with self.seen.transaction():
                if not self.seen.add(envelope):
                    log.info("duplicate %s %s skipped", envelope["type"], envelope["id"])
                    message.ack()
                    return
                process(envelope)
        except Exception:
            log.exception("processing %s failed; rejected to %s", envelope["id"], self.dead_letters.name)
            message.reject(requeue=False)
            return
        # Acked after the commit: if the ack is lost the broker redelivers and the id is skipped.
        message.ack()
        self.processed += 1
        if self.max_events is not None and self.processed >= self.max_events:
            self.should_stop = True


def parse_binding(value: str) -> tuple[str, str]:
    producer, _, event_type = value.partition(":")
    if not producer or not event_type:
        raise argparse.ArgumentTypeError(f"expected producer:Type (or producer:#), got {value!r}")
    return producer, event_type


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Subscribe to IOP platform events with your own queue.")
    parser.add_argument("--amqp-uri",
                        default=os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/"))
    parser.add_argument("--queue", required=True, help="your durable queue's name")
    parser.add_argument("--bind", action="append", type=parse_binding, required=True,
                        metavar="PRODUCER:TYPE", help="e.g. intake:PatientEnrolled, or intake:# for all")
    parser.add_argument("--seen-db", help="SQLite file of processed ids (default: <queue>.seen.sqlite)")
    parser.add_argument("--prefetch", type=int, default=10, help="unacked messages in flight")
    parser.add_argument("--max", type=int, dest="max_events", help="stop after processing N events")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")

    seen = SeenIds(args.seen_db or f"{args.queue}.seen.sqlite")
    with Connection(args.amqp_uri, heartbeat=30) as connection:
        subscriber = Subscriber(connection, args.queue, args.bind, seen, args.prefetch, args.max_events)
        try:
            subscriber.run()  # ConsumerMixin reconnects with backoff on connection loss
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

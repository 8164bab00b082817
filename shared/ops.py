"""Ops commands: ``python -m shared.ops dead-letters list|replay SERVICE`` and ``events tail``."""
from __future__ import annotations

import argparse
import json
import socket
import sys
import uuid

import amqp
from kombu import Connection, Queue, binding

from shared.broker import ConfirmingPublisher, OutgoingMessage
from shared.config import load_config, setting
from shared.inbox import ATTEMPTS_HEADER, dead_letter_summary
from shared.names import dead_letter_queue_name
from shared.queues import events_exchange_of
from shared.registry import service_names

DEAD_LETTER_HEADERS = ("x-iop-error", "x-iop-queue", "x-iop-handler", "x-iop-failed-at",
                       "x-iop-last-error", ATTEMPTS_HEADER)


def list_dead_letters(amqp_uri: str, service_name: str) -> list[dict]:
    """Every dead letter of a service, left in place (fetched unacked, returned on close)."""
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue = _existing_dead_letter_queue(channel, service_name)
        while queue is not None and (message := queue.get(no_ack=False)) is not None:
            found.append(dead_letter_summary(message.body, message.headers or {}))
        if queue is not None:
            channel.close()  # unacked messages go back to the queue, in order
    return found


def _existing_dead_letter_queue(channel, service_name: str):
    """The service's dead-letter queue as it was declared (classic or quorum), or None."""
    queue = Queue(dead_letter_queue_name(service_name), durable=True)(channel)
    try:
        queue.queue_declare(passive=True)  # whatever its arguments: no inequivalent-arg error
    except amqp.exceptions.NotFound:
        return None  # nothing was ever dead-lettered there (and the channel is closed)
    return queue


def replay_dead_letters(amqp_uri: str, service_name: str, event_id: str | None = None) -> int:
    """Send dead letters back to their handler's queue with a fresh attempt count."""
    replayed = 0
    publisher = ConfirmingPublisher(amqp_uri)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue = _existing_dead_letter_queue(channel, service_name)
        kept = []
        while queue is not None and (message := queue.get(no_ack=False)) is not None:
            headers = dict(message.headers or {})
            summary = dead_letter_summary(message.body, headers)
            if event_id and summary["id"] != event_id:
                kept.append(message)
                continue
            for header in DEAD_LETTER_HEADERS:
                headers.pop(header, None)
            publisher.publish([OutgoingMessage(
                exchange="", routing_key=summary["queue"], body=message.body,
                message_id=message.properties.get("message_id"), headers=headers,
                content_type=message.content_type or "application/json")])
            message.ack()
            replayed += 1
        if queue is not None:
            channel.close()
    publisher.close()
    return replayed


def tail_events(amqp_uri: str, producers, event_type: str | None, site_id: str | None,
                out=sys.stdout, limit: int | None = None, timeout: float | None = None) -> int:
    """Print envelopes as they pass, through a temporary queue bound to the chosen events."""
    shown = 0
    with Connection(amqp_uri) as conn:
        queue = Queue(f"tail-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True, bindings=[
            binding(events_exchange_of(producer), routing_key=event_type or "#")
            for producer in producers])

        def show(body, message):
            nonlocal shown
            envelope = body if isinstance(body, dict) else json.loads(body)
            message.ack()
            if site_id and envelope.get("siteid") != site_id:
                return
            out.write(json.dumps(envelope) + "\n")
            out.flush()
            shown += 1

        with conn.Consumer(queue, callbacks=[show], accept=["json"]):
            while limit is None or shown < limit:
                try:
                    conn.drain_events(timeout=timeout)
                except socket.timeout:
                    break
    return shown


def main(argv=None) -> int:
    # The configuration first: the services to choose from are its registry's.
    preparser = argparse.ArgumentParser(add_help=False)
    preparser.add_argument("--config", default=None)
    config = load_config(preparser.parse_known_args(argv)[0].config)
    services = service_names(config)

    parser = argparse.ArgumentParser(prog="iop", description="Operate the IOP platform.")
    parser.add_argument("--config", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    dead = sub.add_parser("dead-letters", help="list or replay a service's dead letters")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("service", choices=services)
    dead.add_argument("--id", help="replay only the event with this id")
    events = sub.add_parser("events", help="watch events as they pass")
    events.add_argument("action", choices=["tail"])
    events.add_argument("--type")
    events.add_argument("--site")
    events.add_argument("--producer", action="append", choices=services)
    args = parser.parse_args(argv)
    amqp_uri = setting(config, "AMQP_URI")
    if args.command == "dead-letters" and args.action == "list":
        for letter in list_dead_letters(amqp_uri, args.service):
            print(json.dumps(letter))
    elif args.command == "dead-letters":
        print(f"replayed {replay_dead_letters(amqp_uri, args.service, args.id)}")
    else:
        tail_events(amqp_uri, args.producer or services, args.type, args.site)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

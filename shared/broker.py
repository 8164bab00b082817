"""Publishing with publisher confirms, a batch at a time.

py-amqp and nameko wait for the broker's confirm after every message; here a whole batch is
written, then the confirms (which RabbitMQ may acknowledge ``multiple`` at once) are awaited
together. Nothing counts as published until the broker has confirmed it.
"""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

import amqp
from kombu import Connection

# What a lost or refused broker connection raises: the caller keeps its rows and tries later.
BROKER_ERRORS = (OSError, amqp.exceptions.AMQPError, amqp.exceptions.ConnectionError, socket.timeout)


class PublishNotConfirmed(Exception):
    """The broker nacked a message or did not confirm in time."""


@dataclass
class OutgoingMessage:
    exchange: str
    routing_key: str
    body: bytes | str
    message_id: str | None = None
    headers: dict = field(default_factory=dict)
    content_type: str | None = "application/json"  # None: none (a dead letter keeps what came)
    content_encoding: str | None = None
    expiration: str | None = None


def broker_uris(amqp_uri: str) -> list[str]:
    """The brokers of an AMQP_URI: one URI, or several separated by ``;`` (kombu's failover list,
    which nameko's consumers follow too), e.g. the nodes of a cluster."""
    return [uri.strip() for uri in amqp_uri.split(";") if uri.strip()]


def amqp_connection(amqp_uri: str, **options) -> amqp.Connection:
    """A raw py-amqp connection to the first broker of the URI list that answers."""
    timeout = options.pop("connect_timeout", 5)
    uris = broker_uris(amqp_uri)
    for position, uri in enumerate(uris):
        info = Connection(uri).info()
        conn = amqp.Connection(
            host=f"{info['hostname']}:{info['port']}", userid=info["userid"],
            password=info["password"], virtual_host=info["virtual_host"] or "/",
            connect_timeout=timeout, **options)
        try:
            conn.connect()
            return conn
        except BROKER_ERRORS:
            if position == len(uris) - 1:
                raise  # none answers: the caller keeps its rows and tries later
    raise ValueError("AMQP_URI names no broker")


class ConfirmingPublisher:
    """One connection and confirm-mode channel, reopened after any broker error.

    Safe to share between a handler's concurrent workers: one publishes at a time (two green
    threads reading the one socket for confirms would be an error of eventlet's hub).
    """

    def __init__(self, amqp_uri: str, confirm_timeout: float = 30.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._conn: amqp.Connection | None = None
        self._channel = None
        self._declared: set[str] = set()
        self._lock = threading.RLock()  # green under nameko's eventlet monkey-patching

    def _open(self):
        if self._channel is None:
            self._conn = amqp_connection(self.amqp_uri)
            self._channel = self._conn.channel()
            self._channel.confirm_select()
            self._channel.events["basic_ack"].add(self._on_ack)
            self._channel.events["basic_nack"].add(self._on_nack)
            self._next_tag, self._confirmed_upto, self._nacked = 1, 0, False
            self._declared = set()
        return self._channel

    def _on_ack(self, delivery_tag, multiple):
        # Confirms arrive in order on one channel, so the highest tag acked covers those below.
        self._confirmed_upto = max(self._confirmed_upto, delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True

    def declare_event_exchange(self, name: str) -> None:
        """The same declaration nameko's event handlers make (topic, durable)."""
        with self._lock:
            channel = self._open()
            if name not in self._declared:
                channel.exchange_declare(name, "topic", durable=True, auto_delete=False)
                self._declared.add(name)

    def publish(self, messages: list[OutgoingMessage]) -> None:
        """Publish all, persistent, and return once the broker confirmed every one."""
        if not messages:
            return
        with self._lock:
            self._publish(messages)

    def _publish(self, messages: list[OutgoingMessage]) -> None:
        try:
            channel = self._open()
            last_tag = self._next_tag + len(messages) - 1
            for message in messages:
                properties = {"delivery_mode": 2, "application_headers": message.headers}
                if message.content_type:
                    properties["content_type"] = message.content_type
                if message.content_encoding:
                    properties["content_encoding"] = message.content_encoding
                if message.message_id:
                    properties["message_id"] = message.message_id
                if message.expiration:
                    properties["expiration"] = message.expiration
                body = message.body.encode() if isinstance(message.body, str) else message.body
                channel.basic_publish(amqp.Message(body, **properties),
                                      exchange=message.exchange, routing_key=message.routing_key)
            self._next_tag = last_tag + 1
            while self._confirmed_upto < last_tag and not self._nacked:
                self._conn.drain_events(timeout=self.confirm_timeout)
            if self._nacked:
                raise PublishNotConfirmed("the broker refused a message")
        except BaseException:
            self._close()
            raise

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.collect()
            except Exception:  # already broken: nothing left to release
                pass

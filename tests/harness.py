"""The pieces of the test harness: broker vhosts, databases, services in-process, a subscriber."""
from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import time
import urllib.parse
import uuid
from pathlib import Path

from kombu import Connection, Exchange, Queue, binding

from demo.launch import DEV_KEYS, Broker, ServiceClient, free_port, wait_until  # noqa: F401 (used by tests)
from shared.config import load_config
from shared.migrations import upgrade
from shared.topology import declare_topology, service_class


class DatabaseFactory:
    """Fresh databases per test, cloned from a template migrated once per service and run."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.postgres_url = os.environ.get("IOP_TEST_POSTGRES_URL")
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    @property
    def dialect(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def create(self, service_name: str, metadata=None) -> str:
        """A migrated database for a platform service, or ``metadata.create_all`` for a test one."""
        name = f"iop_t_{service_name}_{uuid.uuid4().hex[:10]}"
        if metadata is not None:
            url = self._new_database(name)
            from sqlalchemy import create_engine
            engine = create_engine(url)
            metadata.create_all(engine)
            engine.dispose()
            return url
        template = self._template(service_name)
        if self.postgres_url:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self._created.append(name)
            return self._url(name)
        path = self.folder / f"{name}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"

    def _template(self, service_name: str) -> str:
        if service_name not in self._templates:
            name = f"iop_tpl_{service_name}_{self.run_id}"
            url = self._new_database(name)
            upgrade(service_name, url)
            self._templates[service_name] = name if self.postgres_url else url.removeprefix("sqlite:///")
        return self._templates[service_name]

    def _new_database(self, name: str) -> str:
        if self.postgres_url:
            self._admin(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            return self._url(name)
        return f"sqlite:///{self.folder / name}.db"

    def _url(self, name: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{name}"

    def _admin(self, statement: str) -> None:
        import psycopg2
        conn = psycopg2.connect(self._url("postgres"))
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def drop_all(self) -> None:
        for name in reversed(self._created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()


def test_config(amqp_uri: str, management_url: str, service_name: str, database_url: str,
                **overrides) -> dict:
    config = load_config()
    config.pop("LOGGING", None)
    config.update({
        "AMQP_URI": amqp_uri, "AMQP_MANAGEMENT_URL": management_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "DATABASE_URLS": {service_name: database_url},
        "INBOX": {"max_attempts": 3, "backoff_ms": [50, 100]},
        "OUTBOX": {"batch_size": 500, "poll_interval_s": 0.2, "retention_days": 30},
    })
    config.update(copy.deepcopy(overrides))
    return config


class RunningService(ServiceClient):
    """A service container started in-process, and a client for it."""

    timeout = 15

    def __init__(self, container, config: dict):
        super().__init__(f"http://{config['WEB_SERVER_ADDRESS']}")
        self.container = container
        self.config = config

    def stop(self):
        self.container.stop()


class PlatformHarness:
    def __init__(self, amqp_uri, broker: Broker, databases: DatabaseFactory, container_factory):
        self.amqp_uri = amqp_uri
        self.broker = broker
        self.databases = databases
        self.container_factory = container_factory
        self.database_urls: dict[str, str] = {}
        self.running: list[RunningService] = []

    @property
    def vhost(self) -> str:
        return urllib.parse.unquote(self.amqp_uri.rsplit("/", 1)[1])

    def declare_topology(self, services=("intake", "scheduling", "notifications", "outcomes")):
        return declare_topology(self.amqp_uri, self.broker.management_url, services)

    def database_url(self, service_name: str, metadata=None) -> str:
        """The service's database for this test: one per service, shared by its instances."""
        if service_name not in self.database_urls:
            self.database_urls[service_name] = self.databases.create(service_name, metadata)
        return self.database_urls[service_name]

    def config(self, service_name: str, metadata=None, **overrides) -> dict:
        return test_config(self.amqp_uri, self.broker.management_url, service_name,
                           self.database_url(service_name, metadata), **overrides)

    def start(self, service, metadata=None, **overrides) -> RunningService:
        service_cls = service_class(service) if isinstance(service, str) else service
        config = self.config(service_cls.name, metadata, **overrides)
        container = self.container_factory(service_cls, config)
        container.start()
        running = RunningService(container, config)
        self.running.append(running)
        return running

    def stop(self):
        for running in self.running:
            try:
                running.container.kill()
            except Exception:  # already stopped by the test
                pass


class EventSubscriber:
    """Binds its own queue to ``(producer, routing key)`` pairs and collects envelopes."""

    def __init__(self, amqp_uri: str, bindings):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-subscriber-{uuid.uuid4().hex[:8]}", exclusive=True,
                           auto_delete=True, bindings=[
                               binding(Exchange(f"{producer}.events", type="topic", durable=True),
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
        publisher.declare_event_exchange(f"{producer}.events")
        publisher.publish([OutgoingMessage(f"{producer}.events", event_type, json.dumps(envelope),
                                           message_id=envelope["id"])])
    finally:
        publisher.close()
    return envelope


class TcpProxy:
    """A loopback TCP proxy that a test can cut and restore, to take the broker from one service."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        import eventlet
        self._eventlet = eventlet
        self.target = (target_host, target_port)
        self.port = free_port()
        self._sockets: list = []
        self._listener = None
        self.restore()

    def restore(self) -> None:
        self._listener = self._eventlet.listen(("127.0.0.1", self.port))
        self._acceptor = self._eventlet.spawn(self._accept, self._listener)

    def cut(self) -> None:
        """Refuse new connections and drop the open ones, as a vanished broker would."""
        self._acceptor.kill()
        self._listener.close()
        for sock in self._sockets:
            _shutdown(sock)  # the pumps reading them see EOF, close them and end
        self._sockets.clear()

    def uri(self, amqp_uri: str) -> str:
        parts = urllib.parse.urlsplit(amqp_uri)
        netloc = f"{parts.username}:{parts.password}@127.0.0.1:{self.port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def _accept(self, listener) -> None:
        while True:
            client, _ = listener.accept()
            upstream = self._eventlet.connect(self.target)
            self._sockets += [client, upstream]
            self._eventlet.spawn(self._pump, client, upstream)
            self._eventlet.spawn(self._pump, upstream, client)

    @staticmethod
    def _pump(source, sink) -> None:
        # A socket is closed only by the pump that reads it: closing it under another green
        # thread's read would leave that thread's listener on a file number the OS reuses.
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            _shutdown(sink)  # the opposite pump, reading sink, sees EOF and ends too
            source.close()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass

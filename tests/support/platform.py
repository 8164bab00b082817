"""Services started in-process, each test on its own vhost and databases.

Integration and kit tests run real nameko containers (through nameko's ``container_factory``) rather
than subprocesses, so a test can start, stop and kill them and read their configuration. Each gets
the configuration `make run` would give it, pointed at the test's vhost, database and a free port.
"""
from __future__ import annotations

import copy
import urllib.parse

from demo.launch import Broker, ServiceClient, free_port
from shared.config import load_config
from shared.topology import declare_topology, service_class
from tests.support.databases import DatabaseFactory


# The inbox of the test services: retries in milliseconds rather than minutes.
TEST_INBOX = {**load_config()["INBOX"], "max_attempts": 3, "backoff_ms": [50, 100]}


def test_config(amqp_uri: str, management_url: str, service_name: str, database_url: str,
                **overrides) -> dict:
    config = load_config()
    config.pop("LOGGING", None)
    config.update({
        "AMQP_URI": amqp_uri, "AMQP_MANAGEMENT_URL": management_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "DATABASE_URLS": {service_name: database_url},
        "INBOX": dict(TEST_INBOX),
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

    def declare_topology(self, services=None):  # None: every service of the registry
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

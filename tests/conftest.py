"""Fixtures over tests/support: a test that asks for them talks to the real RabbitMQ (a fresh vhost
each) and a real database.

SQLite by default; with ``IOP_TEST_POSTGRES_URL`` set (``make test-postgres``) every service
database is a fresh PostgreSQL database cloned from a migrated template.

Nothing here connects at import or session start, only when a test asks for a fixture: tests/unit
asks for none and runs without a broker (``make test-unit``).
"""
import eventlet

eventlet.monkey_patch()  # first, before anything imports socket or threading

import os  # noqa: E402

import pytest  # noqa: E402

from demo.launch import Broker  # noqa: E402
from tests.support.databases import DEFAULT_POSTGRES_URL, DatabaseFactory  # noqa: E402
from tests.support.events import EventSubscriber  # noqa: E402
from tests.support.platform import PlatformHarness  # noqa: E402


@pytest.fixture(scope="session")
def broker():
    return Broker.from_environment()


@pytest.fixture
def amqp_uri(broker):
    vhost = broker.create_vhost()
    yield broker.uri(vhost)
    broker.delete_vhost(vhost)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def postgres_database_factory(tmp_path_factory):
    """Databases on PostgreSQL whatever the run's default, for tests of PostgreSQL itself."""
    factory = DatabaseFactory(tmp_path_factory.mktemp("pg-databases"),
                              os.environ.get("IOP_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    yield factory
    factory.drop_all()


@pytest.fixture
def platform(amqp_uri, broker, database_factory, container_factory):
    """Starts services in-process, each with its own fresh database, on the test's vhost."""
    harness = PlatformHarness(amqp_uri, broker, database_factory, container_factory)
    yield harness
    harness.stop()


@pytest.fixture
def postgres_platform(amqp_uri, broker, postgres_database_factory, container_factory):
    """The platform harness with every database on PostgreSQL."""
    harness = PlatformHarness(amqp_uri, broker, postgres_database_factory, container_factory)
    yield harness
    harness.stop()


@pytest.fixture
def subscriber(amqp_uri):
    """A plain kombu subscriber, as an integrator would write one."""
    subscribers = []

    def make(*bindings):
        sub = EventSubscriber(amqp_uri, bindings)
        subscribers.append(sub)
        return sub

    yield make
    for sub in subscribers:
        sub.close()

"""Database handling: migrations match the models; PostgreSQL waits never block the hub."""
import eventlet
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from demo.launch import wait_until
from shared.config import load_config
from shared.migrations import service_metadata
from shared.registry import service_class, service_names
from tests.kit.kit_services import ProducerBase, QueryService

CONFIG = load_config()


@pytest.mark.parametrize("service_name", service_names(CONFIG))
def test_migrations_create_exactly_the_models_tables(database_factory, service_name):
    metadata = service_metadata(CONFIG, service_name)
    engine = create_engine(database_factory.create(service_name))
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == [], f"{service_name}: models and migrations differ: {differences}"
    assert service_class(CONFIG, service_name).name == service_name


def test_slow_query_in_one_worker_does_not_stall_another(postgres_platform):
    # On PostgreSQL in every run: pg_sleep is PostgreSQL's, and SQLite is serialised by design.
    platform = postgres_platform
    service = platform.start(QueryService, ProducerBase.metadata)
    slow = eventlet.spawn(service.get, "/slow")
    engine = create_engine(platform.database_urls["intake"])

    def slow_query_running():
        # A transaction of its own each time: pg_stat_activity is a snapshot per transaction.
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                    "WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'"))

    wait_until(slow_query_running)
    engine.dispose()
    fast = service.get("/fast")
    assert fast.json() == {"done": "fast", "one": 1}
    assert not slow.dead, "the fast query waited for the slow one"
    assert slow.wait().json() == {"done": "slow"}

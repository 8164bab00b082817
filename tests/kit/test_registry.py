"""The kit's wiring without a broker: the service registry, names built in one place, settings
that must be configured, and one metrics registry per service container."""
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from nameko.containers import ServiceContainer

from shared.config import ConfigurationError, load_config
from shared.events import CATALOG
from shared.metrics import ServiceMetrics
from shared.names import events_exchange, handler_queue_name
from shared.outbox import OutboxRelay
from shared.registry import migrations_folder, service_class, service_names
from tests.kit.kit_services import DischargingService, LedgerService

CONFIG = load_config()


def test_the_registry_lists_the_four_services_and_resolves_each_class_and_migrations():
    assert service_names(CONFIG) == ["intake", "scheduling", "notifications", "outcomes"]
    for name in service_names(CONFIG):
        assert service_class(CONFIG, name).name == name
        assert (migrations_folder(CONFIG, name) / "env.py").is_file()


@pytest.mark.parametrize("entry", ["services.intake.service", "services.intake.service:Missing",
                                   "services.outcomes.service:OutcomesService"])
def test_a_malformed_or_mismatched_registry_entry_is_a_configuration_error(entry):
    config = {**CONFIG, "SERVICES": {"intake": entry}}
    with pytest.raises(ConfigurationError, match="SERVICES.intake"):
        service_class(config, "intake")


def test_a_missing_registry_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="SERVICES is missing"):
        service_names({key: value for key, value in CONFIG.items() if key != "SERVICES"})


def test_a_missing_kit_setting_is_a_configuration_error_not_a_default_in_code():
    config = {**CONFIG, "OUTBOX": {"batch_size": 500, "poll_interval_s": 1.0}}
    database = SimpleNamespace(container=SimpleNamespace(config=config), service_name="intake")
    with pytest.raises(ConfigurationError, match="OUTBOX.retention_days is missing"):
        OutboxRelay(database)


def test_the_catalog_and_the_handlers_take_their_names_from_shared_names():
    assert {event.exchange for event in CATALOG.values()} == {
        events_exchange(name) for name in service_names(CONFIG)}
    assert handler_queue_name("intake", "PatientDischarged", "ledger", "record_discharge") == (
        "evt-intake-PatientDischarged--ledger.record_discharge")


def metrics_of(container) -> set:
    return {extension for extension in container.subextensions if isinstance(extension, ServiceMetrics)}


def test_each_container_has_one_metrics_registry_shared_by_its_extensions():
    config = {"AMQP_URI": "memory://"}
    producer = ServiceContainer(DischargingService, config)
    ledger = ServiceContainer(LedgerService, config)
    assert len(metrics_of(producer)) == 1 and len(metrics_of(ledger)) == 1
    assert metrics_of(producer) != metrics_of(ledger)
    users = [extension for extension in producer.extensions if hasattr(extension, "metrics")]
    assert len(users) > 3 and {extension.metrics for extension in users} == metrics_of(producer)
    assert not hasattr(producer, "iop_metrics")


def test_each_edge_resolves_and_make_run_starts_it_on_its_port():
    """EDGES (the FHIR gateway, the console): not services of the registry, each a circus watcher."""
    import configparser

    from shared.registry import edge_names, edge_path

    assert edge_names(CONFIG) == ["interop", "console"]
    circus = configparser.ConfigParser(interpolation=None)
    circus.read(Path(__file__).resolve().parents[2] / "config" / "circus.ini")
    for edge, address in (("interop", "127.0.0.1:8006"), ("console", "127.0.0.1:8000")):
        assert edge not in service_names(CONFIG)  # no topology, no migrations
        assert circus[f"watcher:{edge}"]["cmd"].split()[-1] == edge_path(CONFIG, edge)
        assert circus[f"env:{edge}"]["WEB_SERVER_ADDRESS"] == address
        module, _, class_name = edge_path(CONFIG, edge).partition(":")
        assert getattr(importlib.import_module(module), class_name).name == edge
    assert set(CONFIG["SERVICE_URLS"]) == set(service_names(CONFIG))

"""Nothing is lost when the broker goes away, a consumer is killed, or the broker restarts."""
import os
import signal
import subprocess
import sys
import uuid

import pytest
import yaml
from sqlalchemy import create_engine, func, select

from demo.launch import wait_until
from shared.config import ROOT
from tests.kit.kit_services import (DischargingService, Effect, LedgerBase, LedgerService,
                                    ProducerBase)
from tests.support.proxy import TcpProxy


def discharge(producer):
    response = producer.post("/discharges", {"enrollment_id": str(uuid.uuid4()),
                                             "patient_id": str(uuid.uuid4())})
    assert response.status_code == 201, response.text
    return response.json()["event_id"]


def effects(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Effect.__table__))
        distinct = conn.scalar(select(func.count(func.distinct(Effect.event_id))))
    engine.dispose()
    return total, distinct


def test_events_raised_while_broker_unreachable_are_published_in_order_when_back(platform, subscriber):
    proxy = TcpProxy(5672)
    producer = platform.start(DischargingService, ProducerBase.metadata,
                              AMQP_URI=proxy.uri(platform.amqp_uri))
    watcher = subscriber(("intake", "PatientDischarged"))
    first = discharge(producer)
    watcher.wait_for("PatientDischarged")

    proxy.cut()
    during = [discharge(producer) for _ in range(5)]
    backlog = lambda: producer.get("/metrics", key=None).text  # noqa: E731
    wait_until(lambda: "iop_outbox_backlog 5.0" in backlog(), message="events not held back")
    assert [e["id"] for e in watcher.received] == [first]

    proxy.restore()
    try:
        watcher.wait_for("PatientDischarged", count=6, timeout=20)
        assert [e["id"] for e in watcher.received] == [first] + during
    finally:
        producer.container.kill()
        proxy.cut()


def start_ledger_process(platform, tmp_path):
    config = platform.config("ledger", LedgerBase.metadata)
    config_file = tmp_path / "ledger.yaml"
    config_file.write_text(yaml.safe_dump(config))
    return subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(config_file),
         "tests.kit.kit_services:LedgerService"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_consumer_killed_mid_stream_loses_nothing_and_duplicates_no_effect(platform, tmp_path):
    platform.declare_topology(services=[LedgerService])
    producer = platform.start(DischargingService, ProducerBase.metadata)
    ledger_db = platform.database_url("ledger", LedgerBase.metadata)
    consumer = start_ledger_process(platform, tmp_path)
    sent = 150
    try:
        for _ in range(sent):
            discharge(producer)
        wait_until(lambda: effects(ledger_db)[0] >= 20, timeout=30,
                   message="the consumer never got going")
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
        assert effects(ledger_db)[0] < sent, "killed too late to prove anything"

        consumer = start_ledger_process(platform, tmp_path)
        wait_until(lambda: effects(ledger_db)[1] == sent, timeout=60,
                   message=f"lost events: {effects(ledger_db)}")
        assert effects(ledger_db) == (sent, sent)
    finally:
        consumer.kill()
        consumer.wait()


@pytest.mark.slow
def test_broker_restart_mid_stream_leaves_services_running_and_loses_nothing(platform):
    producer = platform.start(DischargingService, ProducerBase.metadata)
    ledger = platform.start(LedgerService, LedgerBase.metadata)
    ledger_db = platform.database_urls["ledger"]
    sent = [discharge(producer) for _ in range(30)]

    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True)
    try:
        sent += [discharge(producer) for _ in range(30)]  # committed to the outbox meanwhile
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "await_startup"], check=True, capture_output=True)
    sent += [discharge(producer) for _ in range(30)]

    wait_until(lambda: effects(ledger_db)[1] == len(sent), timeout=90,
               message=f"lost events: {effects(ledger_db)} of {len(sent)}")
    assert effects(ledger_db) == (len(sent), len(sent))
    for service in (producer, ledger):
        assert not service.container._died.ready(), f"{service.container.service_name} died"
        assert service.get("/health", key=None).status_code == 200

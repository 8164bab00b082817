"""The platform on a three-node RabbitMQ cluster (scripts/rabbit-cluster.sh) with quorum queues:
the node leading the handler's queue is stopped mid-stream; nothing is lost or done twice and the
services carry on through another node.

The cluster is the test's own (its own node names and ports), never the machine's broker.
"""
import os
import random
import subprocess
import uuid

import pytest
import requests
from sqlalchemy import create_engine, func, select

from demo.launch import Broker, wait_until
from shared.config import ROOT, load_config
from shared.topology import declare_topology
from tests.kit.kit_services import (DischargingService, Effect, LedgerBase, LedgerService,
                                    ProducerBase)
from tests.support.platform import PlatformHarness

SCRIPT = str(ROOT / "scripts" / "rabbit-cluster.sh")
QUEUE = "evt-intake-PatientDischarged--ledger.record_discharge"


@pytest.fixture(scope="module")
def cluster():
    base = random.randrange(21000, 29000, 10)
    # Not under pytest's temp folder: its parents are private to root, and the nodes run as the
    # rabbitmq user.
    env = {**os.environ, "RABBIT_CLUSTER_DIR": f"/tmp/iop-cluster-{uuid.uuid4().hex[:8]}",
           "RABBIT_CLUSTER_PORT": str(base), "RABBIT_CLUSTER_PREFIX": f"iop-t{uuid.uuid4().hex[:4]}-"}
    started = subprocess.run(["bash", SCRIPT, "start"], env=env, timeout=600, capture_output=True,
                             text=True)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield env, base
    finally:
        subprocess.run(["bash", SCRIPT, "stop"], env=env, timeout=300, capture_output=True)


def effects(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Effect.__table__))
        distinct = conn.scalar(select(func.count(func.distinct(Effect.event_id))))
    engine.dispose()
    return total, distinct


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_stopping_the_leading_node_mid_stream_loses_and_duplicates_nothing(
        cluster, database_factory, container_factory):
    env, base = cluster
    management = f"http://guest:guest@127.0.0.1:{base + 10000}"
    broker = Broker(f"amqp://guest:guest@127.0.0.1:{base}", management)
    vhost = broker.create_vhost()
    uris = subprocess.run(["bash", SCRIPT, "uris"], env={**env, "RABBIT_CLUSTER_VHOST": vhost},
                          check=True, capture_output=True, text=True).stdout.strip()
    assert uris.count(";") == 2
    quorum = {"AMQP_QUEUE_TYPE": "quorum", "AMQP_DELIVERY_LIMIT": 20}
    declare_topology(uris, None, services=[LedgerService], config={**load_config(), **quorum})
    platform = PlatformHarness(uris, broker, database_factory, container_factory)
    try:
        producer = platform.start(DischargingService, ProducerBase.metadata, **quorum)
        ledger = platform.start(LedgerService, LedgerBase.metadata, **quorum)
        ledger_db = platform.database_urls["ledger"]

        def send(n):
            for _ in range(n):
                response = producer.post("/discharges", {"enrollment_id": str(uuid.uuid4()),
                                                         "patient_id": str(uuid.uuid4())})
                assert response.status_code == 201, response.text
        send(40)
        wait_until(lambda: effects(ledger_db)[0] >= 10, timeout=60)
        info = broker.queue(vhost, QUEUE)
        assert info["type"] == "quorum" and len(info["members"]) == 3
        leader = info["leader"]
        number = int(leader.split("@")[0][-1])
        subprocess.run(["bash", SCRIPT, "stop-node", str(number)], env=env, check=True, timeout=120)
        try:
            send(40)  # while the leader is down: a new leader is elected among the other two
            wait_until(lambda: effects(ledger_db)[1] == 80, timeout=180,
                       message=f"lost events: {effects(ledger_db)} of 80")
            assert effects(ledger_db) == (80, 80)
            survivor = base + (number % 3)  # another node's management API
            moved = requests.get(f"http://127.0.0.1:{survivor + 10000}/api/queues/{vhost}/{QUEUE}",
                                 auth=("guest", "guest"), timeout=10).json()
            assert moved["leader"] != leader
        finally:
            subprocess.run(["bash", SCRIPT, "start-node", str(number)], env=env, timeout=300)
        for service in (producer, ledger):
            assert not service.container._died.ready(), f"{service.container.service_name} died"
    finally:
        platform.stop()

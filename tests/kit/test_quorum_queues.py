"""AMQP_QUEUE_TYPE=quorum: every handler, retry and dead-letter queue a quorum queue, the
handler queues with a delivery limit that dead-letters to the service's dead letters."""
import uuid

from kombu import Connection, Queue
from sqlalchemy import create_engine

from demo.launch import wait_until
from shared.config import load_config
from shared.ops import list_dead_letters
from shared.topology import declare_topology
from tests.kit.kit_services import (DischargingService, Effect, LedgerBase, LedgerService, Poison,
                                    ProducerBase)
from tests.kit.test_messaging import count, discharge

QUEUE = "evt-intake-PatientDischarged--ledger.record_discharge"
QUORUM = {"AMQP_QUEUE_TYPE": "quorum", "AMQP_DELIVERY_LIMIT": 2}


def test_topology_declares_quorum_queues_with_a_delivery_limit(platform, broker):
    declare_topology(platform.amqp_uri, None, services=[LedgerService],
                     config={**load_config(), **QUORUM})

    handler = broker.queue(platform.vhost, QUEUE)
    retry = broker.queue(platform.vhost, QUEUE + ".retry")
    letters = broker.queue(platform.vhost, "ledger.dead-letters")
    assert [q["type"] for q in (handler, retry, letters)] == ["quorum", "quorum", "quorum"]
    assert handler["arguments"]["x-delivery-limit"] == 2
    assert handler["arguments"]["x-dead-letter-routing-key"] == "ledger.dead-letters"
    assert retry["arguments"]["x-dead-letter-routing-key"] == QUEUE


def test_classic_stays_the_default(platform, broker):
    platform.declare_topology(services=[LedgerService])
    assert broker.queue(platform.vhost, QUEUE)["type"] == "classic"
    assert broker.queue(platform.vhost, "ledger.dead-letters")["type"] == "classic"


def test_services_on_quorum_queues_handle_once_retry_and_dead_letter(platform, broker):
    producer = platform.start(DischargingService, ProducerBase.metadata, **QUORUM)
    ledger = platform.start(LedgerService, LedgerBase.metadata, **QUORUM)
    assert broker.queue(platform.vhost, QUEUE)["type"] == "quorum"

    discharge(producer)
    wait_until(lambda: count(platform, "ledger", Effect) == 1, timeout=15)

    poisoned = str(uuid.uuid4())
    engine = create_engine(platform.database_urls["ledger"])
    with engine.begin() as conn:
        conn.execute(Poison.__table__.insert().values(enrollment_id=poisoned))
    engine.dispose()
    discharge(producer, enrollment_id=poisoned)  # fails every attempt, through the retry queue
    letters = wait_until(lambda: list_dead_letters(platform.amqp_uri, "ledger"), timeout=20)
    assert letters[0]["attempts"] == ledger.config["INBOX"]["max_attempts"]
    assert count(platform, "ledger", Effect) == 1


def test_a_message_delivered_past_the_limit_is_dead_lettered_by_the_broker(platform):
    declare_topology(platform.amqp_uri, None, services=[LedgerService],
                     config={**load_config(), **QUORUM})
    with Connection(platform.amqp_uri) as conn:
        conn.default_channel.basic_publish(
            conn.default_channel.prepare_message(b'{"id": "x"}', content_type="application/json"),
            exchange="", routing_key=QUEUE)
        queue = Queue(QUEUE, no_declare=True)(conn.default_channel)
        # A consumer that dies on the message before settling it, again and again.
        for _ in range(3):
            message = wait_until(lambda: queue.get(no_ack=False), timeout=5)
            message.requeue()
        wait_until(lambda: queue.get(no_ack=False) is None, timeout=5)
    letters = list_dead_letters(platform.amqp_uri, "ledger")
    assert len(letters) == 1 and letters[0]["id"] == "x"

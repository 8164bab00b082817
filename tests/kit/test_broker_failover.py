"""A list of broker URIs (``;``-separated, as kombu reads them): services and the publisher use
the first that answers, so a node that is down is passed over."""
import json

from kombu import Connection, Queue

from demo.launch import free_port, wait_until
from shared.broker import ConfirmingPublisher, OutgoingMessage, broker_uris
from tests.kit.kit_services import DischargingService, Effect, LedgerBase, LedgerService, ProducerBase
from tests.kit.test_messaging import count, discharge


def with_a_dead_node_first(amqp_uri: str) -> str:
    port = free_port()  # nothing listens there
    vhost = amqp_uri.rsplit("/", 1)[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/{vhost};{amqp_uri}"


def test_broker_uris_split_a_failover_list():
    assert broker_uris("amqp://a:5672/v; amqp://b:5673/v;") == ["amqp://a:5672/v", "amqp://b:5673/v"]
    assert broker_uris("amqp://a:5672/v") == ["amqp://a:5672/v"]


def test_publisher_passes_over_a_node_that_is_down(amqp_uri):
    with Connection(amqp_uri) as conn:
        Queue("failover-check", durable=True)(conn.default_channel).declare()
    publisher = ConfirmingPublisher(with_a_dead_node_first(amqp_uri))
    publisher.publish([OutgoingMessage("", "failover-check", json.dumps({"n": 1}))])
    publisher.close()
    with Connection(amqp_uri) as conn:
        message = Queue("failover-check", durable=True)(conn.default_channel).get(no_ack=True)
    assert json.loads(message.body) == {"n": 1}


def test_services_given_a_uri_list_run_on_the_node_that_answers(platform):
    uris = with_a_dead_node_first(platform.amqp_uri)
    producer = platform.start(DischargingService, ProducerBase.metadata, AMQP_URI=uris)
    ledger = platform.start(LedgerService, LedgerBase.metadata, AMQP_URI=uris)

    discharge(producer)

    wait_until(lambda: count(platform, "ledger", Effect) == 1, timeout=30)
    ready = ledger.get("/ready", key=None)
    assert ready.status_code == 200, ready.text

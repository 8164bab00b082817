"""The outbox, inbox and topology against the real broker and database."""
import json
import logging
import uuid

from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, func, select, text

from demo.launch import wait_until
from shared.config import load_config
from shared.logs import JsonFormatter
from shared.ops import list_dead_letters, replay_dead_letters
from tests.kit.kit_services import (DischargingService, Effect, LedgerBase, LedgerService,
                                    Poison, ProducerBase, WaitingLedgerService)


def discharge(producer, roll_back=False, enrollment_id=None):
    return producer.post("/discharges", {"enrollment_id": enrollment_id or str(uuid.uuid4()),
                                         "patient_id": str(uuid.uuid4()), "roll_back": roll_back})


def start_pair(platform):
    producer = platform.start(DischargingService, ProducerBase.metadata)
    ledger = platform.start(LedgerService, LedgerBase.metadata)
    return producer, ledger


def count(platform, service_name, model):
    engine = create_engine(platform.database_urls[service_name])
    with engine.connect() as conn:
        value = conn.scalar(select(func.count()).select_from(getattr(model, "__table__", model)))
    engine.dispose()
    return value


def test_event_committed_with_state_reaches_another_service_once(platform, subscriber):
    producer, _ = start_pair(platform)
    watcher = subscriber(("intake", "PatientDischarged"))

    response = discharge(producer)

    assert response.status_code == 201, response.text
    envelope = watcher.wait_for("PatientDischarged")[0]
    assert envelope["id"] == response.json()["event_id"]
    assert envelope["specversion"] == "1.0" and envelope["siteid"] == "riverside"
    wait_until(lambda: count(platform, "ledger", Effect) == 1)


def test_same_message_delivered_twice_has_one_effect(platform, subscriber):
    producer, _ = start_pair(platform)
    watcher = subscriber(("intake", "PatientDischarged"))
    discharge(producer)
    envelope = watcher.wait_for("PatientDischarged")[0]
    wait_until(lambda: count(platform, "ledger", Effect) == 1)

    with Connection(platform.amqp_uri) as conn:
        Producer(conn).publish(json.dumps(envelope), exchange=Exchange("intake.events", "topic"),
                               routing_key="PatientDischarged", content_type="application/json")
    watcher.wait_for("PatientDischarged", count=2)
    metrics = lambda: platform.running[1].get("/metrics", key=None).text  # noqa: E731
    wait_until(lambda: 'outcome="duplicate"' in metrics())
    assert count(platform, "ledger", Effect) == 1


def test_rolled_back_transaction_publishes_nothing(platform, subscriber):
    producer, _ = start_pair(platform)
    watcher = subscriber(("intake", "PatientDischarged"))

    refused = discharge(producer, roll_back=True)
    accepted = discharge(producer)

    assert refused.status_code == 409
    received = watcher.wait_for("PatientDischarged")
    watcher.drain()
    assert [e["id"] for e in watcher.received] == [accepted.json()["event_id"]]
    assert received
    assert count(platform, "intake", ProducerBase.metadata.tables["discharges"]) == 1


def test_event_published_before_its_consumer_started_is_delivered(platform):
    platform.declare_topology(services=[LedgerService])
    producer = platform.start(DischargingService, ProducerBase.metadata)
    sent = discharge(producer)
    assert sent.status_code == 201
    outbox = ProducerBase.metadata.tables["outbox"]
    engine = create_engine(platform.database_urls["intake"])
    with engine.connect() as conn:
        wait_until(lambda: conn.execute(select(outbox.c.published_at)).scalar() is not None)
    engine.dispose()

    platform.start(LedgerService, LedgerBase.metadata)

    wait_until(lambda: count(platform, "ledger", Effect) == 1)


def test_failing_handler_is_dead_lettered_after_its_attempts_and_replays(platform):
    producer, ledger = start_pair(platform)
    enrollment_id = str(uuid.uuid4())
    engine = create_engine(platform.database_urls["ledger"])
    with engine.begin() as conn:
        conn.execute(Poison.__table__.insert().values(enrollment_id=enrollment_id))

    discharge(producer, enrollment_id=enrollment_id)

    letters = wait_until(lambda: list_dead_letters(platform.amqp_uri, "ledger"), timeout=15)
    assert letters[0]["attempts"] == ledger.config["INBOX"]["max_attempts"]
    assert "RuntimeError" in letters[0]["error"] and "poisoned" in letters[0]["error"]
    assert letters[0]["handler"] == "ledger.record_discharge"
    assert count(platform, "ledger", Effect) == 0

    with engine.begin() as conn:
        conn.execute(Poison.__table__.delete())
    engine.dispose()
    assert replay_dead_letters(platform.amqp_uri, "ledger") == 1

    wait_until(lambda: count(platform, "ledger", Effect) == 1)
    assert list_dead_letters(platform.amqp_uri, "ledger") == []


def test_event_that_came_too_early_is_an_expected_retry_logged_without_traceback(platform, caplog):
    producer = platform.start(DischargingService, ProducerBase.metadata)
    platform.start(WaitingLedgerService, LedgerBase.metadata,
                   INBOX={**load_config()["INBOX"], "max_attempts": 50, "backoff_ms": [200]})
    enrollment_id = str(uuid.uuid4())
    engine = create_engine(platform.database_urls["waiting"])
    with engine.begin() as conn:
        conn.execute(Poison.__table__.insert().values(enrollment_id=enrollment_id))
    caplog.set_level(logging.WARNING)

    discharge(producer, enrollment_id=enrollment_id)
    retried = wait_until(lambda: [r for r in caplog.records if "retrying later" in r.getMessage()])
    with engine.begin() as conn:
        conn.execute(Poison.__table__.delete())
    engine.dispose()

    wait_until(lambda: count(platform, "waiting", Effect) == 1)
    assert retried[0].levelno == logging.WARNING and retried[0].exc_info is None
    assert enrollment_id in retried[0].getMessage()
    about_it = [r for r in caplog.records if "RetryLater" in JsonFormatter().format(r)]
    assert about_it and {r.levelname for r in about_it} == {"WARNING"}  # nameko's "(expected)"
    assert not any("Traceback" in JsonFormatter().format(r) for r in about_it)
    assert list_dead_letters(platform.amqp_uri, "waiting") == []


def test_invalid_envelope_goes_straight_to_dead_letters(platform):
    platform.start(LedgerService, LedgerBase.metadata)
    with Connection(platform.amqp_uri) as conn:
        Producer(conn).publish({"specversion": "1.0", "type": "PatientDischarged"},
                               exchange=Exchange("intake.events", "topic"),
                               routing_key="PatientDischarged")
    letters = wait_until(lambda: list_dead_letters(platform.amqp_uri, "ledger"))
    assert letters[0]["attempts"] == 1 and "InvalidEvent" in letters[0]["error"]


def test_unroutable_events_are_kept_by_the_alternate_exchange(platform, broker):
    platform.declare_topology(services=[])
    with Connection(platform.amqp_uri) as conn:
        Producer(conn).publish({"nobody": "listens"}, exchange=Exchange("outcomes.events", "topic"),
                               routing_key="AssessmentDue")
    wait_until(lambda: broker.queue(platform.vhost, "iop.unroutable").get("messages") == 1,
               message="unroutable message not kept")


def dead_letter_messages(amqp_uri, service_name):
    """The dead letters as they sit on the queue (raw body, content type, headers), left there."""
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue = Queue(f"{service_name}.dead-letters", durable=True)(channel)
        while (message := queue.get(no_ack=False)) is not None:
            body = message.body  # py-amqp hands a utf-8 encoded body over as text
            found.append((body.encode() if isinstance(body, str) else body, message.content_type,
                          dict(message.headers or {})))
        channel.close()
    return found


def test_undecodable_messages_reach_the_dead_letters_raw_and_counted(platform, subscriber):
    producer, ledger = start_pair(platform)
    not_json = b"\x00not json {"
    not_json_type = json.dumps({"specversion": "1.0", "type": "PatientDischarged"}).encode()
    with Connection(platform.amqp_uri) as conn:
        raw = Producer(conn, exchange=Exchange("intake.events", "topic"),
                       routing_key="PatientDischarged")
        raw.publish(not_json, content_type="application/json", content_encoding="binary",
                    headers={"x-sender": "mangled"})
        raw.publish(not_json_type, content_type="text/plain", content_encoding="utf-8",
                    headers={"x-sender": "wrong-type"})

    letters = wait_until(lambda: len(dead_letter_messages(platform.amqp_uri, "ledger")) == 2
                         and dead_letter_messages(platform.amqp_uri, "ledger"), timeout=15)
    by_sender = {headers["x-sender"]: (body, content_type, headers)
                 for body, content_type, headers in letters}
    assert by_sender["mangled"][0] == not_json
    assert by_sender["mangled"][1] == "application/json"
    assert by_sender["wrong-type"][0] == not_json_type
    assert by_sender["wrong-type"][1] == "text/plain"
    for body, _, headers in letters:
        assert headers["x-iop-queue"] == "evt-intake-PatientDischarged--ledger.record_discharge"
        assert headers["x-iop-handler"] == "ledger.record_discharge"
        assert headers["x-iop-attempts"] == 1
    assert "ContentDisallowed" in by_sender["wrong-type"][2]["x-iop-error"]
    summaries = list_dead_letters(platform.amqp_uri, "ledger")
    assert {s["handler"] for s in summaries} == {"ledger.record_discharge"}
    metrics = ledger.get("/metrics", key=None).text
    assert 'iop_events_consumed_total{outcome="invalid",type="unknown"} 2.0' in metrics

    # The consumer carries on: a good event after them is handled once.
    discharge(producer)
    wait_until(lambda: count(platform, "ledger", Effect) == 1)
    assert len(dead_letter_messages(platform.amqp_uri, "ledger")) == 2


def test_one_confirming_publisher_shared_by_concurrent_green_threads(amqp_uri):
    # The inbox's workers share their handler's publisher for retries and dead letters.
    import eventlet

    from shared.broker import ConfirmingPublisher, OutgoingMessage

    with Connection(amqp_uri) as conn:
        Queue("concurrent-confirms", durable=True)(conn.default_channel).declare()
    publisher = ConfirmingPublisher(amqp_uri, confirm_timeout=5)
    pool = eventlet.GreenPool()
    sent = [pool.spawn(publisher.publish,
                       [OutgoingMessage("", "concurrent-confirms", f'{{"n": {n}}}')])
            for n in range(40)]
    with eventlet.Timeout(20):
        for thread in sent:
            thread.wait()  # re-raises a publish's error (two readers of one socket)
    publisher.close()
    with Connection(amqp_uri) as conn:
        queue = Queue("concurrent-confirms", durable=True)(conn.default_channel)
        got = []
        while (message := queue.get(no_ack=True)) is not None:
            got.append(json.loads(message.body)["n"])
    assert sorted(got) == list(range(40))

"""Group commit in the inbox: delivered events share one transaction, a savepoint each.

Run on SQLite, and on PostgreSQL with IOP_TEST_POSTGRES_URL set (make test-postgres).
"""
import os
import signal
import subprocess
import sys
import uuid

import yaml
from kombu import Connection, Exchange, Producer
from sqlalchemy import create_engine, event, func, select

from demo.launch import wait_until
from shared.config import ROOT, load_config
from shared.db import Database
from shared.events import build_envelope
from shared.ops import list_dead_letters
from tests.kit import kit_services
from tests.kit.kit_services import (Effect, LedgerBase, LedgerService, Poison, ProbingLedgerService,
                                    SlowLedgerService)
from tests.support.platform import TEST_INBOX

DISCHARGE = {"track": "depression", "discharged_on": "2026-11-27", "reason": "withdrew"}

# Group commit is off by default (config.yaml INBOX.group_commit); these tests turn it on.
GROUPED = {**TEST_INBOX, "group_commit": True}


def publish_discharges(amqp_uri, enrollment_ids):
    """PatientDischarged events as intake's relay publishes them; their ids, in order."""
    sent = []
    with Connection(amqp_uri) as conn:
        producer = Producer(conn)
        for enrollment_id in enrollment_ids:
            envelope = build_envelope("PatientDischarged", {
                "enrollment_id": enrollment_id, "patient_id": str(uuid.uuid4()), **DISCHARGE},
                source_service="intake", site_id="riverside", subject=enrollment_id)
            producer.publish(envelope, exchange=Exchange("intake.events", "topic", durable=True),
                             routing_key="PatientDischarged", delivery_mode=2,
                             message_id=envelope["id"])
            sent.append(envelope["id"])
    return sent


def effects(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Effect.event_id, Effect.enrollment_id)).all()
        inbox = conn.scalar(select(func.count()).select_from(LedgerBase.metadata.tables["inbox"]))
    engine.dispose()
    return rows, inbox


def count_transactions(service):
    database = next(ext for ext in service.container.dependencies if isinstance(ext, Database))
    commits = []
    # The workers' transactions are sessions' (the relay uses the engine on its own); savepoints
    # are nested transactions, not counted.
    event.listen(database.sessionmaker, "after_transaction_end",
                 lambda session, transaction: transaction.parent is None and commits.append(1))
    return commits


def consumed(service, outcome):
    for line in service.get("/metrics", key=None).text.splitlines():
        if line.startswith("iop_events_consumed_total{") and f'outcome="{outcome}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_group_with_one_failing_event_retries_that_one_alone_and_commits_the_others_once(platform):
    platform.declare_topology(services=[LedgerService])
    enrollments = [str(uuid.uuid4()) for _ in range(30)]
    poisoned = enrollments[4]
    ledger_db = platform.database_url("ledger", LedgerBase.metadata)
    engine = create_engine(ledger_db)
    with engine.begin() as conn:
        conn.execute(Poison.__table__.insert().values(enrollment_id=poisoned))
    engine.dispose()
    sent = publish_discharges(platform.amqp_uri, enrollments)  # queued before the ledger starts

    ledger = platform.start(LedgerService, LedgerBase.metadata, INBOX=GROUPED)
    transactions = count_transactions(ledger)
    assert ledger.config["INBOX"]["group_commit"] is True

    letters = wait_until(lambda: list_dead_letters(platform.amqp_uri, "ledger"), timeout=30)
    wait_until(lambda: len(effects(ledger_db)[0]) == 29, timeout=30,
               message=f"effects: {len(effects(ledger_db)[0])}")
    rows, inbox = effects(ledger_db)
    # Every other event committed exactly once; the failing one kept nothing.
    assert sorted(event_id for event_id, _ in rows) == sorted(sent[:4] + sent[5:])
    assert poisoned not in {enrollment for _, enrollment in rows}
    assert inbox == 29
    # It alone took the retry path: 3 attempts (the test config), then the dead letters.
    assert [letter["id"] for letter in letters] == [sent[4]]
    assert letters[0]["attempts"] == 3 and "poisoned" in letters[0]["error"]
    assert consumed(ledger, "retried") == 2 and consumed(ledger, "dead_lettered") == 1
    assert consumed(ledger, "processed") == 29
    # Grouped: far fewer transactions than events (one per event without group commit).
    assert len(transactions) < 29 - 2


def test_a_group_commits_once_at_its_end_not_event_by_event(platform):
    platform.declare_topology(services=[ProbingLedgerService])
    kit_services.SEEN_COMMITTED.clear()
    publish_discharges(platform.amqp_uri, [str(uuid.uuid4()) for _ in range(10)])
    platform.start(ProbingLedgerService, LedgerBase.metadata,
                   INBOX={**GROUPED, "groups_in_flight": 1})
    ledger_db = platform.database_urls["ledger"]
    wait_until(lambda: len(effects(ledger_db)[0]) == 10, timeout=30)
    wait_until(lambda: len(kit_services.SEEN_COMMITTED) == 10)
    # The first group's events all ran before anything of it was committed (on SQLite too, where
    # a savepoint outside a transaction would itself commit on release).
    first_group = kit_services.SEEN_COMMITTED.count(0)
    assert first_group >= 2, kit_services.SEEN_COMMITTED
    assert kit_services.SEEN_COMMITTED[:first_group] == [0] * first_group


def test_a_groups_savepoints_cost_no_round_trips_of_their_own_on_postgresql(platform):
    platform.declare_topology(services=[LedgerService])
    publish_discharges(platform.amqp_uri, [str(uuid.uuid4()) for _ in range(10)])
    ledger = platform.start(LedgerService, LedgerBase.metadata,
                            INBOX={**GROUPED, "groups_in_flight": 1})
    database = next(ext for ext in ledger.container.dependencies if isinstance(ext, Database))
    statements = []
    event.listen(database.engine, "after_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    sent = publish_discharges(platform.amqp_uri, [str(uuid.uuid4()) for _ in range(10)])
    ledger_db = platform.database_urls["ledger"]
    wait_until(lambda: {e for e, _ in effects(ledger_db)[0]} >= set(sent), timeout=30)
    savepoints = [s for s in statements if "SAVEPOINT" in s]
    assert savepoints, statements  # the group used savepoints
    if database.engine.dialect.name == "postgresql":
        # Each SAVEPOINT rides on the event's first statement (its inbox row); none is released.
        assert all(s.startswith("SAVEPOINT") and "INSERT INTO inbox" in s for s in savepoints)
        assert not [s for s in statements if s.startswith("RELEASE")]
    else:
        assert "BEGIN IMMEDIATE" in statements  # SQLite: in-process, a savepoint is no round trip


def test_group_commit_can_be_turned_off(platform):
    ledger = platform.start(LedgerService, LedgerBase.metadata,
                            INBOX={**load_config()["INBOX"], "group_commit": False})
    transactions = count_transactions(ledger)
    sent = publish_discharges(platform.amqp_uri, [str(uuid.uuid4()) for _ in range(12)])
    ledger_db = platform.database_urls["ledger"]
    wait_until(lambda: len(effects(ledger_db)[0]) == 12, timeout=30)
    assert sorted(event_id for event_id, _ in effects(ledger_db)[0]) == sorted(sent)
    wait_until(lambda: consumed(ledger, "processed") == 12)
    assert len(transactions) == 12  # one per event


def start_ledger_process(platform, tmp_path):
    config = platform.config("ledger", LedgerBase.metadata)
    config_file = tmp_path / "ledger.yaml"
    config_file.write_text(yaml.safe_dump(config))
    return subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(config_file),
         "tests.kit.kit_services:SlowLedgerService"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_consumer_killed_mid_group_loses_nothing_and_applies_nothing_twice(platform, tmp_path):
    platform.declare_topology(services=[SlowLedgerService])
    ledger_db = platform.database_url("ledger", LedgerBase.metadata)
    sent = publish_discharges(platform.amqp_uri, [str(uuid.uuid4()) for _ in range(120)])
    consumer = start_ledger_process(platform, tmp_path)
    try:
        # Groups of 10 take 0.2 s each before their commit: killed now, one is open.
        wait_until(lambda: len(effects(ledger_db)[0]) >= 20, timeout=60,
                   message="the consumer never got going")
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
        assert len(effects(ledger_db)[0]) < len(sent), "killed too late to prove anything"

        consumer = start_ledger_process(platform, tmp_path)
        wait_until(lambda: len(effects(ledger_db)[0]) >= len(sent), timeout=90,
                   message=f"lost events: {len(effects(ledger_db)[0])} of {len(sent)}")
        rows, inbox = effects(ledger_db)
        assert sorted(event_id for event_id, _ in rows) == sorted(sent)  # each once, none lost
        assert inbox == len(sent)
    finally:
        consumer.kill()
        consumer.wait()

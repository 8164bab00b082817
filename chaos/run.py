"""The chaos run: servers of its own, the platform twice over, the workload, the faults, the
reconciliation and its table."""
from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from collections import defaultdict
from pathlib import Path

import psycopg2
from kombu import Connection, Producer, Queue
from sqlalchemy import create_engine, text

from chaos.nodes import PostgresCluster, RabbitNode
from chaos.platform import ALL, LEDGER, ChaosPlatform
from chaos.services import LedgerBase, SlowLedger
from demo import network
from demo.drive import Run
from demo.launch import Broker, wait_until
from demo.platform import ROOT
from demo.sinks import Mailbox, SmsProvider, live_channels_env
from shared.names import dead_letter_queue_name, handler_queue_name
from shared.topology import declare_topology
from tests.support.proxy import TcpProxy

POISON_HEADER = "x-chaos-poison"
# The handler queue the poison goes to, and the instance whose broker link is cut.
POISON_QUEUE = handler_queue_name("scheduling", "SessionAttended", "outcomes", "count_attendance")
CUT_INSTANCE = "notifications#2"
KINDS = ("kill", "kill-in-commit-ack-window", "broker-restart", "postgres-restart",
         "broker-link-cut", "poison")


class Faults:
    """Injects faults one after another, in a seeded order, while the workload runs."""

    def __init__(self, platform: ChaosPlatform, rabbit: RabbitNode, postgres: PostgresCluster,
                 proxy: TcpProxy, amqp_uri: str, count: int, seed: int, say):
        self.platform, self.rabbit, self.postgres, self.proxy = platform, rabbit, postgres, proxy
        self.amqp_uri, self.say = amqp_uri, say
        rng = random.Random(seed)
        # Kills aimed at the commit-to-ack window first, while the bookings stream to the ledger.
        plan = ["kill-in-commit-ack-window"] + list(KINDS) + [rng.choice(("kill", "kill", "kill-in-commit-ack-window",
                                          "broker-restart", "postgres-restart"))
                              for _ in range(max(0, count - len(KINDS)))]
        rest = plan[1:]
        rng.shuffle(rest)
        plan = plan[:1] + rest
        plan = plan[:max(count, len(KINDS))]
        self.plan, self.rng = plan, rng
        self.done: list[dict] = []
        self.poison_ids: list[str] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.pause = (2.0, 6.0)  # seconds between faults, spread over the workload
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error:
            raise self.error

    def _run(self) -> None:
        try:
            for kind in self.plan:
                if self.stop.is_set():
                    break
                began = time.monotonic()
                detail, recovery = getattr(self, kind.replace("-", "_"))()
                self.done.append({"kind": kind, "detail": detail, "recovery_s": recovery,
                                  "at_s": began})
                self.say(f"  fault {len(self.done)}: {kind} {detail} (back in {recovery:.2f} s)")
                time.sleep(self.rng.uniform(*self.pause))
        except BaseException as exc:  # noqa: BLE001 — reported by join()
            self.error = exc
            traceback.print_exc()

    # -- the faults -------------------------------------------------------------------------

    def kill(self):
        instance = self.rng.choice([i for name in ALL for i in self.platform.instances(name)])
        return instance, self.platform.kill(instance)

    def kill_in_commit_ack_window(self):
        """SIGKILL a ledger instance right after one of its commits (it waits before its ack)."""
        instance = self.rng.choice(self.platform.instances(LEDGER))
        engine = self.platform.engine(LEDGER)

        def entries():
            with engine.connect() as conn:
                return conn.scalar(text("SELECT count(*) FROM entries"))
        before = entries()
        deadline = time.monotonic() + 30
        while entries() == before and time.monotonic() < deadline:
            time.sleep(0.02)  # wait for a commit: its ack is SLOW_AFTER_COMMIT_S away
        return f"{instance} after commit {entries()}", self.platform.kill(instance)

    def broker_restart(self):
        self.rabbit.stop_app()
        back = time.monotonic()
        self.rabbit.start_app()
        return self.rabbit.name, self._all_ready(back)

    def postgres_restart(self):
        self.platform.gate.close()  # requests wait; handlers, timers and relays run into it
        try:
            self.postgres.stop("fast")
            time.sleep(1.0)
            back = time.monotonic()
            self.postgres.start()
        finally:
            self.platform.gate.reopen()
        return f"port {self.postgres.port}", self._all_ready(back)

    def broker_link_cut(self):
        self.proxy.cut()
        time.sleep(4.0)
        back = time.monotonic()
        self.proxy.restore()
        wait_until(lambda: self.platform.ready().get(CUT_INSTANCE), timeout=120, interval=0.1)
        return CUT_INSTANCE, time.monotonic() - back

    def poison(self):
        """An invalid envelope and a body that is not JSON, straight onto a handler queue."""
        ids = [f"poison-{uuid.uuid4().hex[:8]}" for _ in range(2)]
        with Connection(self.amqp_uri) as conn:
            producer = Producer(conn)
            producer.publish({"specversion": "1.0", "type": "SessionAttended"}, exchange="",
                             routing_key=POISON_QUEUE, headers={POISON_HEADER: ids[0]})
            producer.publish(b"\x00not json {", exchange="", routing_key=POISON_QUEUE,
                             content_type="application/json", content_encoding="binary",
                             headers={POISON_HEADER: ids[1]})
        self.poison_ids += ids
        began = time.monotonic()
        wait_until(lambda: set(ids) <= set(poison_in_dead_letters(self.amqp_uri, "outcomes")),
                   timeout=60, interval=0.1)
        return POISON_QUEUE.split("--")[1], time.monotonic() - began

    def _all_ready(self, since: float) -> float:
        state = {}

        def all_ready():
            state.update(self.platform.ready())
            return all(state.values())
        try:
            wait_until(all_ready, timeout=180, interval=0.1)
        except AssertionError:
            raise AssertionError("not /ready after the fault: "
                                 + ", ".join(i for i, ok in state.items() if not ok)) from None
        return time.monotonic() - since


def dead_letters(amqp_uri: str, service: str) -> list[dict]:
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue = Queue(dead_letter_queue_name(service), durable=True)(channel)  # declared by the topology
        while (message := queue.get(no_ack=False)) is not None:
            found.append(dict(message.headers or {}))
        channel.close()
    return found


def poison_in_dead_letters(amqp_uri: str, service: str) -> list:
    return [h.get(POISON_HEADER) for h in dead_letters(amqp_uri, service)]


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(sql)) or 0)


def reconcile(platform: ChaosPlatform, run: Run, faults: Faults, mailbox: Mailbox, sms: SmsProvider,
              amqp_uri: str) -> list[dict]:
    """Each check: what should be (from the API's answers or the source of truth), what is."""
    rows = []

    def check(what, expected, found, lost=None, duplicated=None):
        lost = max(0, expected - found) if lost is None else lost
        duplicated = max(0, found - expected) if duplicated is None else duplicated
        rows.append({"check": what, "expected": expected, "found": found, "lost": lost,
                     "duplicated": duplicated})

    db = platform.engine
    enrollment_ids = [e["enrollment_id"] for e in run.enrollments.values()]
    with db("scheduling").connect() as conn:
        booked = {row[0] for row in conn.execute(text("SELECT DISTINCT enrollment_id FROM bookings"))}
        twice = conn.scalar(text(
            "SELECT (SELECT count(*) FROM bookings) - (SELECT count(*) FROM (SELECT DISTINCT "
            "patient_id, session_id FROM bookings) b) + (SELECT count(*) FROM series_members) - "
            "(SELECT count(*) FROM (SELECT DISTINCT series_id, enrollment_id FROM series_members) m)"))
    check("enrollments booked", len(enrollment_ids), sum(1 for e in enrollment_ids if e in booked),
          lost=sum(1 for e in enrollment_ids if e not in booked), duplicated=int(twice or 0))
    bookings = count(db("scheduling"), "SELECT count(*) FROM bookings")
    check("bookings at notifications", bookings,
          count(db("notifications"), "SELECT count(*) FROM session_bookings"))
    recorded = count(db("scheduling"), "SELECT count(*) FROM attendance")
    check("attendance at intake", recorded, count(db("intake"), "SELECT count(*) FROM session_outcomes"))
    check("attendance at outcomes", recorded, count(db("outcomes"), "SELECT count(*) FROM attendance"))
    scored = sum(len(s) for s in run.scores.values())
    check("assessments answered 201", scored, count(db("outcomes"), "SELECT count(*) FROM assessments"))
    check("discharges answered", len(run.discharges),
          count(db("intake"), "SELECT count(*) FROM enrollments WHERE status <> 'active'"))
    # The slow ledger: one entry per event published, whatever was killed in its window.
    published = count(db("intake"), "SELECT count(*) FROM outbox WHERE type = 'PatientEnrolled'") + \
        count(db("scheduling"), "SELECT count(*) FROM outbox WHERE type IN "
                                "('SessionScheduled', 'SessionAttended')")
    entries = count(db(LEDGER), "SELECT count(DISTINCT event_id) FROM entries")
    extra = count(db(LEDGER), "SELECT count(*) FROM entries") - entries
    check("events at the slow ledger", published, entries, duplicated=extra + max(0, entries - published))
    # The sinks: every message the notifications database counts sent arrived once.
    with db("notifications").connect() as conn:
        sent = dict(conn.execute(text(
            "SELECT channel, count(*) FROM messages WHERE status = 'sent' GROUP BY channel")).all())
        unsent = conn.scalar(text("SELECT count(*) FROM messages WHERE status IN ('sending', 'failed')"
                                  " OR (status = 'scheduled' AND send_at <= now() + interval '1 day')"))
    check("emails at the SMTP sink", sent.get("email", 0), len(mailbox.recipients))
    check("texts at the SMS sink", sent.get("sms", 0), len(sms.delivered))
    check("messages due but not sent", 0, int(unsent or 0), lost=int(unsent or 0), duplicated=0)
    letters = {name: dead_letters(amqp_uri, name) for name in ALL}
    poison = [h.get(POISON_HEADER) for h in letters["outcomes"]]
    check("poison in outcomes' dead letters", len(faults.poison_ids),
          sum(1 for p in faults.poison_ids if p in poison))
    others = sum(1 for name, hs in letters.items() for h in hs if not h.get(POISON_HEADER))
    check("other dead letters", 0, others, lost=others, duplicated=0)
    backlog = sum(count(db(name), "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                  for name in platform.database_urls)
    check("outbox rows unconfirmed", 0, backlog, lost=backlog, duplicated=0)
    not_ready = sum(1 for ok in platform.ready().values() if not ok)
    check("instances not /ready", 0, not_ready, lost=not_ready, duplicated=0)
    return rows


def table(headers, rows) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def run(programs: int = 40, faults: int = 12, seed: int = 7, keep: bool = False, say=print) -> dict:
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="chaos-", dir=ROOT / "var")) if (ROOT / "var").exists() \
        else Path(tempfile.mkdtemp(prefix="iop-chaos-"))
    rabbit, postgres = RabbitNode(), PostgresCluster()
    mailbox, sms = Mailbox().start(), SmsProvider().start()
    platform = proxy = None
    try:
        say(f"chaos: own RabbitMQ node {rabbit.name} :{rabbit.port}, own PostgreSQL :{postgres.port}")
        rabbit.start()
        postgres.start()
        broker = Broker(rabbit.amqp_base, rabbit.management_url)
        vhost = broker.create_vhost(f"iop-chaos-{uuid.uuid4().hex[:6]}")
        amqp_uri = broker.uri(vhost)
        admin = psycopg2.connect(postgres.url + "/postgres")
        admin.autocommit = True
        urls = {}
        for name in ALL:
            admin.cursor().execute(f'CREATE DATABASE "iop_chaos_{name}"')
            urls[name] = f"{postgres.url}/iop_chaos_{name}"
        admin.close()
        engine = create_engine(urls[LEDGER])
        LedgerBase.metadata.create_all(engine)
        engine.dispose()
        proxy = TcpProxy(rabbit.port)
        env = {**live_channels_env(mailbox, sms), "AMQP_MANAGEMENT_URL": rabbit.management_url,
               "CHAOS_MANAGEMENT_URL": f"http://127.0.0.1:{rabbit.management_port}",
               "CHAOS_VHOST": vhost, "IOP_CHAOS_SLOW_AFTER_COMMIT_S": "0.5"}
        platform = ChaosPlatform(amqp_uri, folder, urls, env,
                                 amqp_uri_for={CUT_INSTANCE: proxy.uri(amqp_uri)})
        platform.prepare()
        declare_topology(amqp_uri, rabbit.management_url, services=[SlowLedger])
        platform.start(names=(*ALL,), clock=network.BOOKING_CLOCK)
        say(f"chaos: two instances each of {', '.join(ALL)} ({time.monotonic() - began:.0f} s)")
        people = network.patients(seed, -(-programs * 4 // 3) + 1)  # about 3 in 4 enroll
        drive = Run(platform, people, say=say)
        injector = Faults(platform, rabbit, postgres, proxy, amqp_uri, faults, seed, say)
        drive.open_clinics()
        drive.refer()
        injector.start()  # from the first enrollment on, through the whole program
        drive.enroll()
        drive.wait_for_bookings()
        platform.restart_service("scheduling")
        drive.load_schedules()
        drive.record_attendance()
        drive.assess()
        drive.discharge()
        drive.send_notifications()
        injector.join()
        drive.send_notifications()  # what a late fault held back
        # Quiet, and nothing still arriving at the sinks nor half sent.
        platform.settle(also=lambda: (len(mailbox.recipients), len(sms.delivered), count(
            platform.engine("notifications"), "SELECT count(*) FROM messages WHERE status = 'sending'")))
        rows = reconcile(platform, drive, injector, mailbox, sms, amqp_uri)
        duplicates = sum(v for (name, labels), v in
                         ((k, v) for n in ALL for k, v in platform.metrics(n).items())
                         if name == "iop_events_consumed_total" and dict(labels).get("outcome") == "duplicate")
        lost = sum(r["lost"] for r in rows)
        duplicated = sum(r["duplicated"] for r in rows)
        by_kind = defaultdict(list)
        for fault in injector.done:
            by_kind[fault["kind"]].append(fault["recovery_s"])
        say("\n" + table(["check", "expected", "found", "lost", "duplicated"],
                         [[r["check"], r["expected"], r["found"], r["lost"], r["duplicated"]] for r in rows]))
        say("\n" + table(["fault", "n", "recovery min s", "max s"],
                         [[k, len(v), f"{min(v):.2f}", f"{max(v):.2f}"] for k, v in sorted(by_kind.items())]))
        say(f"\n{len(drive.enrollments)} programs, {len(people)} referrals; redeliveries skipped as "
            f"duplicates: {int(duplicates)}; instances restarted: {sum(platform.restarts.values())}; "
            f"{time.monotonic() - began:.0f} s")
        say(f"faults {len(injector.done)} lost {lost} duplicated {duplicated}")
        return {"faults": len(injector.done), "lost": lost, "duplicated": duplicated, "rows": rows,
                "recovery": dict(by_kind), "duplicates_skipped": duplicates,
                "programs": len(drive.enrollments)}
    except BaseException:
        if platform is not None:
            for instance in platform.processes:
                tail = platform.log_tail(instance.replace("#", "-"), 15)
                if tail:
                    say(f"--- {instance} log ---\n{tail}")
        raise
    finally:
        if platform is not None:
            platform.stop()
        if proxy is not None:
            proxy.cut()
        mailbox.stop()
        sms.stop()
        rabbit.remove() if not keep else rabbit.stop()
        postgres.remove() if not keep else postgres.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)

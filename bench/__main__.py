"""``python -m bench [--n N]``: events per second along four paths, each against raw kombu.

(a) raw kombu, a confirm round trip per persistent message, then consuming them all: the baseline;
(b) nameko's own EventDispatcher → @event_handler;
(c) the platform's path: a row and an outbox event per transaction → relay → @consumes writing a
    row, from the first commit to the last row written, on SQLite and on PostgreSQL;
(d) the relay alone: committed outbox rows → every one confirmed by the broker.

Everything runs in this process against the real broker (a fresh vhost per path, deleted after)
and fresh databases (dropped after). A benchmark, not a test: it measures and asserts nothing.
"""
import eventlet

eventlet.monkey_patch()  # first, before anything imports socket or threading

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import yaml  # noqa: E402
from eventlet import tpool  # noqa: E402

from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.testing.services import entrypoint_hook  # noqa: E402
from sqlalchemy import create_engine, func, insert, select  # noqa: E402

from bench.resources import Broker, Databases, free_port  # noqa: E402
from bench.services import (DISCHARGE, PROGRESS, DischargingService, Effect, LedgerBase,  # noqa: E402
                            LedgerService, NamekoSink, NamekoSource, ProducerBase)
from shared.config import ROOT, load_config  # noqa: E402
from shared.db import Database, utcnow  # noqa: E402
from shared.events import build_envelope  # noqa: E402

DIALECTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WAIT_S = 600.0


@dataclass
class Result:
    label: str
    rate: float | None
    detail: str = ""
    notes: list[str] = field(default_factory=list)


def sample_envelope() -> dict:
    """A real PatientDischarged envelope, so every path carries messages of the same size."""
    enrollment_id = str(uuid.uuid4())
    return build_envelope("PatientDischarged", {"site_id": "riverside", "enrollment_id": enrollment_id,
                                                "patient_id": str(uuid.uuid4()), **DISCHARGE},
                          source_service="intake", site_id="riverside", subject=enrollment_id)


def service_config(amqp_uri: str, service_name: str | None = None, database_url: str | None = None,
                   **overrides) -> dict:
    config = load_config()
    config.pop("LOGGING", None)
    config.update({"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                   "AMQP_MANAGEMENT_URL": None,
                   "DATABASE_URLS": {service_name: database_url} if service_name else {}})
    config.update(overrides)
    return config


def split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts) if n // parts or i < n % parts]


def run_concurrently(container, method: str, n: int, writers: int) -> float:
    """``writers`` workers share the n calls, as concurrent requests would; returns when all return."""
    def one(count):
        with entrypoint_hook(container, method, timeout=WAIT_S) as hook:
            hook(count)

    pool = eventlet.GreenPool(writers)
    for count in split(n, writers):
        pool.spawn(one, count)
    pool.waitall()
    return time.perf_counter()


def wait_for_progress(t0: float) -> float:
    PROGRESS.done.wait(timeout=WAIT_S)
    if PROGRESS.finished_at is None:
        raise RuntimeError(f"only {PROGRESS.count}/{PROGRESS.target} events arrived in {WAIT_S:.0f}s")
    return PROGRESS.finished_at - t0


def cpu(since: float, n: int, elapsed: float) -> str:
    """This process's CPU per event: near 100% of a core means Python work, not waiting, sets the pace."""
    used = time.process_time() - since
    return f"CPU {1000 * used / n:.1f} ms/event ({used / elapsed:.0%} of a core)"


def database_of(container) -> Database:
    return next(ext for ext in container.dependencies if isinstance(ext, Database))


class BatchCounter:
    """Counts the relay's confirm rounds: how many events each one carried."""

    def __init__(self, publisher):
        self.rounds, self.messages = 0, 0
        self._publish = publisher.publish
        publisher.publish = self

    def __call__(self, messages):
        self._publish(messages)
        self.rounds += 1
        self.messages += len(messages)

    def describe(self) -> str:
        mean = self.messages / self.rounds if self.rounds else 0
        return f"{self.rounds} confirm round{'' if self.rounds == 1 else 's'}, {mean:.0f} events each"


def raw_kombu(broker: Broker, n: int) -> Result:
    body = sample_envelope()
    exchange = Exchange("bench.raw", type="direct", durable=True)
    queue = Queue("bench-raw", exchange, routing_key="raw", durable=True)
    with broker.vhost() as uri:
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            queue(conn.default_channel).declare()
            producer = conn.Producer()
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                # confirm_publish: kombu waits for the broker's ack of each message in turn.
                producer.publish(body, exchange=exchange, routing_key="raw", delivery_mode=2,
                                 serializer="json")
            t1 = time.perf_counter()
        received = []

        def on_message(_body, message):
            message.ack()
            received.append(1)

        with Connection(uri) as conn:
            # The prefetch nameko gives a consumer: its max_workers.
            with conn.Consumer(queue, callbacks=[on_message], accept=["json"], prefetch_count=10):
                while len(received) < n:
                    conn.drain_events(timeout=WAIT_S)
            t2 = time.perf_counter()
    return Result("(a) kombu, confirm per message + consume", n / (t2 - t0),
                  f"publish {n / (t1 - t0):,.0f}/s, consume {n / (t2 - t1):,.0f}/s; {cpu(c0, n, t2 - t0)}")


def nameko_events(broker: Broker, n: int, writers: int) -> Result:
    with broker.vhost() as uri:
        config = service_config(uri)
        sink = ServiceContainer(NamekoSink, config)
        source = ServiceContainer(NamekoSource, config)
        sink.start()  # declares the handler's queue before anything is dispatched
        source.start()
        try:
            PROGRESS.reset(n)
            c0, t0 = time.process_time(), time.perf_counter()
            dispatched = run_concurrently(source, "emit_many", n, writers)
            elapsed = wait_for_progress(t0)
            used = cpu(c0, n, elapsed)
        finally:
            source.stop()
            sink.stop()
    return Result("(b) nameko EventDispatcher → @event_handler", n / elapsed,
                  f"dispatch {n / (dispatched - t0):,.0f}/s; {used}")


def platform_path(broker: Broker, n: int, writers: int, dialect: str) -> Result:
    databases = Databases(dialect)
    label = f"(c) outbox → relay → @consumes, {DIALECTS[dialect]}"
    try:
        with broker.vhost() as uri:
            ledger_url = databases.create("ledger", LedgerBase.metadata)
            producer_url = databases.create("intake", ProducerBase.metadata)
            ledger = ServiceContainer(LedgerService, service_config(uri, "ledger", ledger_url))
            producer = ServiceContainer(DischargingService, service_config(uri, "intake", producer_url))
            ledger.start()
            producer.start()
            try:
                batches = BatchCounter(database_of(producer).relay.publisher)
                PROGRESS.reset(n)
                c0, t0 = time.process_time(), time.perf_counter()
                committed = run_concurrently(producer, "discharge_many", n, writers)
                elapsed = wait_for_progress(t0)
                used = cpu(c0, n, elapsed)
            finally:
                producer.stop()
                ledger.stop()
            rows = count_rows(ledger_url, Effect)
    finally:
        databases.drop_all()
    result = Result(label, n / elapsed,
                    f"commits {n / (committed - t0):,.0f}/s; {batches.describe()}; {used}")
    if rows != n:
        result.notes.append(f"{label}: {rows} ledger rows for {n} events")
    return result


class Process:
    """A service in a process of its own (bench/process.py), driven over its stdin and stdout."""

    def __init__(self, role: str, config: dict, folder: str, target: int = 0):
        path = os.path.join(folder, f"{role}-{uuid.uuid4().hex[:6]}.yaml")
        with open(path, "w") as handle:
            yaml.safe_dump(config, handle)
        command = [sys.executable, "-m", "bench.process", role, path]
        if target:
            command += ["--target", str(target)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})

    def expect(self, word: str) -> list[str]:
        while True:
            line = tpool.execute(self.proc.stdout.readline)
            if not line:
                raise RuntimeError(f"a bench process exited before saying {word!r}")
            words = line.split()
            if words and words[0] == word:
                return words[1:]

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self) -> float:
        """Stop it; the CPU seconds it used."""
        try:
            self.proc.stdin.close()
            return float(self.expect("cpu")[0])
        finally:
            self.proc.wait(timeout=60)

    def cpu(self) -> float:
        """CPU seconds (user + system) it has used so far, from /proc."""
        with open(f"/proc/{self.proc.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def processes():
    folder = tempfile.mkdtemp(prefix="iop-bench-proc-")
    started: list[Process] = []

    def start(*args, **kwargs) -> Process:
        started.append(Process(*args, folder=folder, **kwargs))
        return started[-1]

    try:
        yield start
    finally:
        for proc in started:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def cpu_of(seconds: float, n: int, elapsed: float) -> str:
    return f"CPU {1000 * seconds / n:.2f} ms/event ({seconds / elapsed:.0%} of a core)"


def nameko_processes(broker: Broker, n: int, writers: int) -> Result:
    """(b) with its dispatcher and handler in two processes, as (c) runs."""
    with broker.vhost() as uri, processes() as start:
        config = service_config(uri)
        sink = start("sink", config, target=n)
        sink.expect("ready")  # its queue is declared before anything is dispatched
        source = start("source", config)
        source.expect("ready")
        c0 = source.cpu() + sink.cpu()
        source.send(f"go {n} {writers}")
        t0 = float(source.expect("started")[0])
        dispatched = float(source.expect("committed")[0])
        t1 = float(sink.expect("done")[0])
        used = source.cpu() + sink.cpu() - c0
        source.finish(), sink.finish()
    elapsed = t1 - t0
    return Result("(b) nameko EventDispatcher → @event_handler, 2 processes", n / elapsed,
                  f"dispatch {n / (dispatched - t0):,.0f}/s; {cpu_of(used, n, elapsed)} (both processes)")


def platform_processes(broker: Broker, n: int, writers: int, dialect: str, consumers: int = 1,
                       group_commit: bool = True) -> Result:
    """(c) as deployed: the producer in one process, ``consumers`` ledger instances in others."""
    databases = Databases(dialect)
    mode = "" if group_commit else ", no group commit"
    label = (f"(c) outbox → relay → @consumes, {DIALECTS[dialect]}, "
             f"{consumers} consumer{'s' if consumers > 1 else ''}{mode}")
    try:
        with broker.vhost() as uri, processes() as start:
            ledger_url = databases.create("ledger", LedgerBase.metadata)
            producer_url = databases.create("intake", ProducerBase.metadata)
            inbox = {**load_config()["INBOX"], "group_commit": group_commit}
            ledgers = [start("ledger", service_config(uri, "ledger", ledger_url, INBOX=inbox))
                       for _ in range(consumers)]
            for ledger in ledgers:
                ledger.expect("ready")
            producer = start("producer", service_config(uri, "intake", producer_url))
            producer.expect("ready")
            engine = create_engine(ledger_url)
            services = [producer, *ledgers]
            try:
                c0 = sum(proc.cpu() for proc in services)
                producer.send(f"go {n} {writers}")
                t0 = float(producer.expect("started")[0])
                committed = float(producer.expect("committed")[0])
                t1 = wait_for_rows(engine, Effect, n, t0)
                used = sum(proc.cpu() for proc in services) - c0
                rows = count_rows_on(engine, Effect)
            finally:
                engine.dispose()
            for proc in services:
                proc.finish()
    finally:
        databases.drop_all()
    elapsed = t1 - t0
    result = Result(label, n / elapsed, f"commits {n / (committed - t0):,.0f}/s; "
                    f"{cpu_of(used, n, elapsed)} (all its processes)")
    if rows != n:
        result.notes.append(f"{label}: {rows} ledger rows for {n} events")
    return result


def wait_for_rows(engine, model, n: int, t0: float) -> float:
    """The wall-clock time the n-th row was seen committed (polled every 10 ms)."""
    while count_rows_on(engine, model) < n:
        if time.time() - t0 > WAIT_S:
            raise RuntimeError(f"only {count_rows_on(engine, model)}/{n} rows after {WAIT_S:.0f}s")
        eventlet.sleep(0.01)
    return time.time()


def count_rows_on(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model.__table__))


def relay_only(broker: Broker, n: int, dialect: str) -> Result:
    databases = Databases(dialect)
    try:
        with broker.vhost() as uri:
            producer_url = databases.create("intake", ProducerBase.metadata)
            with Connection(uri) as conn:
                # A durable queue takes the events, so each confirm covers a message written to disk.
                Queue("bench-relay-sink", Exchange("intake.events", type="topic", durable=True),
                      routing_key="PatientDischarged", durable=True)(conn.default_channel).declare()
            # A long poll interval: the relay stays idle until the rows are all in, then is woken.
            config = service_config(uri, "intake", producer_url,
                                    OUTBOX={**load_config()["OUTBOX"], "batch_size": 500,
                                            "poll_interval_s": 3600})
            producer = ServiceContainer(DischargingService, config)
            producer.start()
            try:
                relay = database_of(producer).relay
                fill_outbox(producer_url, n)
                batches = BatchCounter(relay.publisher)
                c0, t0 = time.process_time(), time.perf_counter()
                relay.wake()
                while relay.backlog():
                    if time.perf_counter() - t0 > WAIT_S:
                        raise RuntimeError(f"{relay.backlog()}/{n} outbox rows unconfirmed after {WAIT_S:.0f}s")
                    eventlet.sleep(0.005)
                elapsed = time.perf_counter() - t0
                used = cpu(c0, n, elapsed)
            finally:
                producer.stop()
    finally:
        databases.drop_all()
    return Result(f"(d) relay alone, committed → confirmed, {DIALECTS[dialect]}", n / elapsed,
                  f"{batches.describe()}; {used}")


def fill_outbox(url: str, n: int) -> None:
    outbox = ProducerBase.metadata.tables["outbox"]
    rows = []
    for _ in range(n):
        envelope = sample_envelope()
        rows.append({"event_id": envelope["id"], "type": envelope["type"], "site_id": "riverside",
                     "body": json.dumps(envelope), "created_at": utcnow()})
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(outbox), rows)
    engine.dispose()


def count_rows(url: str, model) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(select(func.count()).select_from(model.__table__))
    engine.dispose()
    return value


def ratio(value: float, baseline: float) -> str:
    r = value / baseline
    if r >= 10:
        return f"{r:.0f}"
    return f"{r:.1f}" if r >= 1 else f"{r:.2g}"


def print_table(results: list[Result], header: str) -> None:
    baseline = next((r.rate for r in results if r.label.startswith("(a)") and r.rate), None)
    width = max(len(r.label) for r in results)
    print(header)
    print(f"{'path':<{width}}  {'events/s':>9}  {'× (a)':>6}  detail")
    for r in results:
        rate = f"{r.rate:,.0f}" if r.rate else "—"
        times = ratio(r.rate, baseline) if r.rate and baseline else "—"
        print(f"{r.label:<{width}}  {rate:>9}  {times:>6}  {r.detail}")
    for r in results:
        for note in r.notes:
            print(f"note: {note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="events per path (default 3000)")
    parser.add_argument("--writers", type=int, default=8,
                        help="concurrent workers that commit or dispatch, as concurrent requests (default 8)")
    parser.add_argument("--only", default="a,b,c,d,scaling",
                        help="paths to run, e.g. a,c (default all; scaling: (c) on PostgreSQL with "
                             "2 and 4 consumer processes, and without group commit)")
    parser.add_argument("--db", default="sqlite,postgresql", help="databases for (c) and (d)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    paths = set(args.only.split(","))
    dialects = [d for d in args.db.split(",") if d in DIALECTS]

    broker = Broker()
    header = (f"IOP bench: N={args.n} persistent events per path, {args.writers} concurrent writers, "
              f"max_workers={load_config().get('max_workers')}, RabbitMQ {broker.version()}, "
              f"{os.cpu_count()} CPUs")
    results: list[Result] = []
    steps = []
    if "a" in paths:
        steps.append(("a", lambda: raw_kombu(broker, args.n)))
    if "b" in paths:
        steps.append(("b", lambda: nameko_events(broker, args.n, args.writers)))
        steps.append(("b processes", lambda: nameko_processes(broker, args.n, args.writers)))
    for dialect in dialects:
        if "c" in paths:
            steps.append((f"c {dialect}", lambda d=dialect: platform_path(broker, args.n, args.writers, d)))
            steps.append((f"c {dialect} processes",
                          lambda d=dialect: platform_processes(broker, args.n, args.writers, d)))
        if "d" in paths:
            steps.append((f"d {dialect}", lambda d=dialect: relay_only(broker, args.n, d)))
    if "scaling" in paths and "postgresql" in dialects:
        for consumers in (2, 4):
            steps.append((f"c postgresql {consumers} consumers", lambda k=consumers: platform_processes(
                broker, args.n, args.writers, "postgresql", consumers=k)))
        steps.append(("c postgresql no group commit", lambda: platform_processes(
            broker, args.n, args.writers, "postgresql", group_commit=False)))
    for name, step in steps:
        started = time.perf_counter()
        try:
            results.append(step())
        except Exception as exc:  # one unavailable backend must not hide the other figures
            results.append(Result(f"({name})", None, f"failed: {type(exc).__name__}: {exc}"[:200]))
        print(f"  … {name} done in {time.perf_counter() - started:.1f}s", flush=True)
    print()
    print_table(results, header)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A load run: the platform as `make run` runs it on PostgreSQL, seeded through its APIs, then a
fixed request rate from locust (its own process) while the backlog is sampled, then the report."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import psycopg2

from demo import network
from demo.__main__ import broker_urls
from demo.drive import Run
from demo.launch import DEV_KEYS, Broker
from demo.platform import ROOT, SERVICES, Platform
from load import report

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOCUST = Path(sys.executable).with_name("locust")
ROSTER = 12  # a full group: the core group series' capacity (demo.network)
KINDS = ("attendance", "schedule", "assessment")
# Each user sends at most one request per MAX_LATENCY_S seconds: the offered rate holds while an
# answer takes less than that.
MAX_LATENCY_S = 2.0
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432"


def roster_people(seed: int, size: int = ROSTER) -> list[network.Patient]:
    """``size`` patients of the seeded network who all join one site's depression track on the
    first Monday and stay the whole program, so the core group's every session has them all."""
    chosen = []
    for patient in network.patients(seed, 40 * size):
        if patient.expected == "iop" and patient.enrolls and patient.site_id == "riverside" \
                and patient.track == "depression":
            chosen.append(dataclasses.replace(
                patient, index=len(chosen), start_date=network.FIRST_START, planned_weeks=6,
                referred_on=network.FIRST_START - timedelta(days=7), leaves_after_week=None,
                leave_reason=None, item9_week=None, item9_answer=0))
        if len(chosen) == size:
            return chosen
    raise RuntimeError(f"the seeded network has fewer than {size} such patients")


def split_rate(rate: float, mix: tuple[float, ...]) -> dict[str, float]:
    total = sum(mix)
    return {kind: rate * share / total for kind, share in zip(KINDS, mix)}


def users_for(rates: dict[str, float]) -> dict[str, int]:
    return {kind: math.ceil(rate * MAX_LATENCY_S) if rate > 0 else 0 for kind, rate in rates.items()}


class Databases:
    """One fresh PostgreSQL database per service (migrated by Platform.prepare), dropped after."""

    def __init__(self, postgres_url: str):
        self.postgres_url = postgres_url.rstrip("/")
        self.names = {name: f"iop_load_{name}_{uuid.uuid4().hex[:8]}" for name in SERVICES}

    def _admin(self, statement: str) -> None:
        conn = psycopg2.connect(self.postgres_url + "/postgres")
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def create(self) -> dict[str, str]:
        for name in self.names.values():
            self._admin(f'CREATE DATABASE "{name}"')
        return {service: f"{self.postgres_url}/{name}" for service, name in self.names.items()}

    def drop(self) -> None:
        for name in self.names.values():
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Sampler:
    """Every ``interval`` seconds: each service's ``iop_outbox_backlog`` (its /metrics) and the
    messages (ready + unacknowledged) on the handler and retry queues each service consumes."""

    def __init__(self, platform: Platform, broker: Broker, vhost: str, interval: float):
        self.platform, self.broker, self.vhost, self.interval = platform, broker, vhost, interval
        self.samples: list[dict] = []
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Sampler":
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling, with one last sample: the backlog once the run has drained."""
        self._stop.set()
        self._thread.join()
        self.samples.append(self.sample())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.interval)

    def sample(self) -> dict:
        outbox = {}
        for name in SERVICES:
            try:
                outbox[name] = self.platform[name].metrics().get(("iop_outbox_backlog", frozenset()))
            except Exception:  # noqa: BLE001 — a sample missed is shown as "-", not a failed run
                outbox[name] = None
        try:
            queues = queue_depths(self.broker.queues(self.vhost))
        except Exception:  # noqa: BLE001
            queues = None
        return {"t": round(time.monotonic() - self.started, 1), "outbox": outbox, "queues": queues}


def queue_depths(queues: list[dict]) -> dict[str, int]:
    """Messages waiting or in flight on the ``evt-…--<service>.<handler>`` queues, by service."""
    depths: dict[str, int] = {}
    for queue in queues:
        name = queue["name"]
        if name.startswith("evt-") and "--" in name:
            service = name.split("--", 1)[1].split(".", 1)[0]
            depths[service] = depths.get(service, 0) + int(queue.get("messages") or 0)
    return depths


def cpu_seconds(platform: Platform) -> dict[str, float]:
    """CPU time (user + system) each service's process has used so far."""
    used = {}
    for name in SERVICES:
        times = psutil.Process(platform.processes[name].pid).cpu_times()
        used[name] = times.user + times.system
    return used


def seed(platform: Platform, seed_value: int, say) -> dict:
    """Staff, series and twelve patients through the APIs (demo.drive), then the plan's ids."""
    run = Run(platform, roster_people(seed_value), say=say)
    run.open_clinics()
    run.refer()
    run.enroll()
    run.wait_for_bookings()
    platform.restart_service("scheduling")  # on the real clock: the program's sessions have happened
    run.load_schedules()
    patients = [run.referrals[p.index]["patient_id"] for p in run.enrolled]
    if len(patients) != ROSTER:
        raise RuntimeError(f"{len(patients)} of {ROSTER} patients enrolled")
    on_every = set.intersection(*({s["session_id"] for s in run.schedules[p.index]
                                   if s["modality"] == network.CORE_GROUP["depression"]}
                                  for p in run.enrolled))
    if not on_every:
        raise RuntimeError("no group session has the whole roster")
    run.step(f"{len(on_every)} group sessions with all {ROSTER} patients on the roster")
    days = 7 * run.enrolled[0].planned_weeks - 2
    return {"sessions": sorted(on_every), "roster": patients,
            "patients": [{"patient_id": p, "start": network.FIRST_START.isoformat(), "days": days}
                         for p in patients]}


def run_locust(plan_path: Path, prefix: Path, users: int, duration: int, log: Path) -> int:
    command = [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(users),
               "-t", f"{duration}s", "--stop-timeout", "5", "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING"]
    with open(log, "ab") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                              env={**os.environ, "LOAD_PLAN": str(plan_path)}, timeout=duration + 120)
    return done.returncode


def run(rate: float = 20.0, duration: int = 180, mix: tuple[float, ...] = (1, 3, 1),
        interval: float = 3.0, seed_value: int = 7, postgres_url: str | None = None,
        out_dir: Path | None = None, broker: Broker | None = None, say=print) -> dict:
    """The whole run; returns the report (also written to ``out_dir``, var/load/ by default)."""
    out_dir = Path(out_dir or ROOT / "var" / "load")
    out_dir.mkdir(parents=True, exist_ok=True)
    rates = split_rate(rate, mix)
    users = users_for(rates)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    broker = broker or Broker(*broker_urls())
    vhost = broker.create_vhost(f"iop-load-{uuid.uuid4().hex[:8]}")
    databases = Databases(postgres_url or os.environ.get("POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    data_dir = Path(tempfile.mkdtemp(prefix="load-", dir=out_dir))
    platform, finished = None, False
    try:
        platform = Platform(broker.uri(vhost), data_dir, database_urls=databases.create())
        say(f"load: the four services on PostgreSQL, vhost {vhost}, data in {data_dir}")
        platform.prepare()
        platform.start(clock=network.BOOKING_CLOCK)
        plan = seed(platform, seed_value, say)
        platform.settle(timeout=150)  # the seeding's events handled: the backlog starts empty
        plan.update(scheduling=platform["scheduling"].base_url, outcomes=platform["outcomes"].base_url,
                    key=DEV_KEYS["admin"], rates=rates, users=users)
        plan_path = data_dir / "plan.json"
        plan_path.write_text(json.dumps(plan))
        say(f"load: {rate:g} requests/s for {duration} s from {sum(users.values())} locust users "
            f"({', '.join(f'{k} {v:g}/s' for k, v in rates.items())})")
        before, cpu_before = os.getloadavg(), cpu_seconds(platform)
        sampler = Sampler(platform, broker, vhost, interval).start()
        prefix = data_dir / "locust"
        try:
            code = run_locust(plan_path, prefix, sum(users.values()), duration, data_dir / "locust.log")
            after, cpu_after = os.getloadavg(), cpu_seconds(platform)
            # Then until the backlog drains: how long the platform takes to catch up.
            drain_began = time.monotonic()
            platform.settle(timeout=300)
            drained_after = time.monotonic() - drain_began
        finally:
            sampler.stop()
        if not Path(f"{prefix}_stats.csv").exists():
            raise RuntimeError(f"locust wrote no statistics (exit {code}):\n"
                               + (data_dir / "locust.log").read_text(errors="replace")[-3000:])
        stats = report.read_stats(Path(f"{prefix}_stats.csv"), duration)
        settings = {"rate": rate, "duration_s": duration, "rates": rates, "users": users,
                    "mix": list(mix), "sample_interval_s": interval, "seed": seed_value,
                    "database": "postgresql", "started_at": stamp, "locust_exit_code": code,
                    "drained_after_load_s": round(drained_after, 1), "cpus": os.cpu_count(),
                    "group_sessions": len(plan["sessions"]), "roster": ROSTER,
                    # Each service's share of a core while locust ran: on a shared machine the
                    # figures above depend on what the others left.
                    "cpu_share": {name: round((cpu_after[name] - cpu_before[name]) / duration, 3)
                                  for name in SERVICES}}
        result = report.build(settings, stats, report.read_failures(Path(f"{prefix}_failures.csv")),
                              sampler.samples, {"before": list(before), "after": list(after)})
        path = out_dir / f"load-{stamp}.json"
        path.write_text(json.dumps(result, indent=2))
        say(report.as_text(result))
        say(f"backlog drained {drained_after:.1f} s after the load stopped; report: {path}")
        result["path"] = str(path)
        finished = True
        return result
    finally:
        if platform is not None:
            platform.stop()
            if not finished:
                for name in SERVICES:
                    tail = platform.log_tail(name, 15)
                    if tail:
                        print(f"--- {name} log (last lines) ---\n{tail}", file=sys.stderr)
        databases.drop()
        broker.delete_vhost(vhost)
        if finished:
            shutil.rmtree(data_dir, ignore_errors=True)

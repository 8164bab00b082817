"""The platform as the chaos run runs it: two instances of every service (and of the slow ledger),
on a broker node and a PostgreSQL cluster of the run's own, behind one client per service.

The client spreads requests over a service's instances. An instance about to be killed is first
taken out of the rotation and its requests in flight are let finish (the API has no idempotency
keys: a request cut mid-way could not be told apart from one never made); the kill then lands on
its consumers, timers and outbox relay, mid-stream. A PostgreSQL restart holds new requests the
same way (the handlers keep running into it).
"""
from __future__ import annotations

import itertools
import signal
import subprocess
import threading
import time

import requests
from sqlalchemy import create_engine, text

from demo.launch import free_port, wait_until
from demo.platform import CLASSES, CONFIG, NAMEKO, ROOT, SERVICES, Platform, ServiceClient

LEDGER = "ledger"
LEDGER_CLASS = "chaos.services:SlowLedger"
ALL = (*SERVICES, LEDGER)


class Gate:
    """Holds new requests while closed; counts those in flight per instance."""

    def __init__(self):
        self._cond = threading.Condition()
        self._open = True
        self.inflight: dict[str, int] = {}
        self.out: set[str] = set()

    def enter(self, instance: str) -> None:
        with self._cond:
            self.inflight[instance] = self.inflight.get(instance, 0) + 1

    def leave(self, instance: str) -> None:
        with self._cond:
            self.inflight[instance] -= 1
            self._cond.notify_all()

    def wait_open(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._open)

    def close(self, instances=None) -> None:
        """Stop new requests (to the given instances, or all) and wait for those in flight."""
        with self._cond:
            if instances is None:
                self._open = False
                self._cond.wait_for(lambda: not any(self.inflight.values()))
            else:
                self.out.update(instances)
                self._cond.wait_for(lambda: not any(self.inflight.get(i, 0) for i in instances))

    def reopen(self, instances=None) -> None:
        with self._cond:
            if instances is None:
                self._open = True
            else:
                self.out.difference_update(instances)
            self._cond.notify_all()


class PooledClient(ServiceClient):
    """One service's instances, round robin, skipping those taken out."""

    def __init__(self, platform: "ChaosPlatform", name: str):
        super().__init__("")
        self.platform, self.name = platform, name
        self._turn = itertools.count()

    def request(self, method, path, key="admin", **kwargs):
        gate = self.platform.gate
        while True:
            gate.wait_open()
            with gate._cond:
                live = [i for i in self.platform.instances(self.name) if i not in gate.out]
                if not live or not gate._open:
                    chosen = None
                else:
                    chosen = live[next(self._turn) % len(live)]
                    gate.inflight[chosen] = gate.inflight.get(chosen, 0) + 1
            if chosen is None:
                time.sleep(0.05)
                continue
            try:
                client = self.platform.instance_clients[chosen]
                response = client.request(method, path, key, **kwargs)
            except requests.ConnectionError as exc:
                if "refused" not in str(exc).lower():
                    raise  # reached the service: retrying could do it twice
                response = None  # never reached it: another instance may answer
            finally:
                gate.leave(chosen)
            if response is not None:
                return response
            time.sleep(0.1)

    def healthy(self) -> bool:
        return all(self.platform.instance_clients[i].healthy() for i in self.platform.instances(self.name))

    def metrics(self) -> dict:
        return self.platform.metrics(self.name)


class ChaosPlatform(Platform):
    def __init__(self, amqp_uri, data_dir, database_urls, env, copies: int = 2,
                 amqp_uri_for=None):
        super().__init__(amqp_uri, data_dir, database_urls, env)
        self.env["LEDGER_DATABASE_URL"] = database_urls[LEDGER]
        self.env["LOG_LEVEL"] = "WARNING"
        self.amqp_uri = amqp_uri
        self.database_urls = database_urls
        self.copies = copies
        self.amqp_uri_for = amqp_uri_for or {}  # instance → AMQP URI (a proxied one)
        self.gate = Gate()
        self.instance_clients: dict[str, ServiceClient] = {}
        self.clocks: dict[str, object] = {}
        self.lock = threading.RLock()
        self.restarts: dict[str, int] = {}
        self.ledger_config = self.data_dir / "config-ledger.yaml"
        self.ledger_config.write_text(CONFIG.read_text().replace(
            "  intake: ${INTAKE_DATABASE_URL:}",
            "  intake: ${INTAKE_DATABASE_URL:}\n  ledger: ${LEDGER_DATABASE_URL:}"))

    def instances(self, name: str) -> list[str]:
        return [f"{name}#{n}" for n in range(1, self.copies + 1)]

    # -- processes ------------------------------------------------------------------------------

    def start_service(self, name: str, clock=None) -> None:
        self.clocks[name] = clock
        for instance in self.instances(name):
            self.spawn(instance)
        self.clients[name] = PooledClient(self, name)

    def spawn(self, instance: str) -> None:
        name = instance.split("#")[0]
        clock = self.clocks.get(name)
        config, target = CONFIG, CLASSES.get(name)
        if name == LEDGER:
            config, target = self.ledger_config, LEDGER_CLASS
        if clock is not None:
            config = self.data_dir / "config-with-clock.yaml"
            config.write_text(CONFIG.read_text() + f"\nCLOCK_NOW: '{clock.isoformat()}'\n")
        port = free_port()
        log = open(self.data_dir / f"{instance.replace('#', '-')}.log", "ab")
        env = {**self.env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}
        if instance in self.amqp_uri_for:
            env["AMQP_URI"] = self.amqp_uri_for[instance]
        with self.lock:
            self.processes[instance] = subprocess.Popen(
                [str(NAMEKO), "run", "--config", str(config), target], cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT, env=env)
            self.instance_clients[instance] = ServiceClient(f"http://127.0.0.1:{port}")
        log.close()

    def wait_healthy(self, name: str, timeout: float = 90.0) -> None:
        for instance in self.instances(name) if "#" not in name else [name]:
            self.wait_instance(instance, timeout)

    def wait_instance(self, instance: str, timeout: float = 90.0) -> None:
        def up():
            process = self.processes[instance]
            if process.poll() is not None:
                raise RuntimeError(f"{instance} exited with {process.returncode}:\n"
                                   f"{self.log_tail(instance.replace('#', '-'))}")
            return self.instance_clients[instance].healthy()
        wait_until(up, timeout=timeout, interval=0.2, message=f"{instance} did not answer /health")

    def scrape(self, instance: str) -> None:
        """Keep an instance's counters before it goes (a SIGKILL would lose them)."""
        try:
            current = self.instance_clients[instance].metrics()
        except Exception:  # gone already: what it counted since the last scrape is lost
            return
        earlier = self.earlier_metrics.setdefault(instance, {})
        for key, value in current.items():
            if key[0].endswith("_total"):
                earlier[key] = earlier.get(key, 0.0) + value

    def kill(self, instance: str) -> float:
        """Drain its requests, SIGKILL it, start it again; the seconds until it answers."""
        with self.lock:  # not while the runner restarts the same service
            return self._kill(instance)

    def _kill(self, instance: str) -> float:
        self.gate.close([instance])
        try:
            self.scrape(instance)
            process = self.processes[instance]
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = time.monotonic()
            self.restarts[instance] = self.restarts.get(instance, 0) + 1
            self.spawn(instance)
            self.wait_instance(instance)
            return time.monotonic() - killed
        finally:
            self.gate.reopen([instance])

    def restart_service(self, name: str, clock=None) -> None:
        with self.lock:
            self._restart_service(name, clock)

    def _restart_service(self, name: str, clock=None) -> None:
        self.clocks[name] = clock
        for instance in self.instances(name):
            self.gate.close([instance])
            self.scrape(instance)
            process = self.processes[instance]
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self.spawn(instance)
            self.wait_instance(instance)
            self.gate.reopen([instance])

    def metrics(self, name: str) -> dict:
        totals: dict = {}
        for instance in self.instances(name):
            for key, value in self.earlier_metrics.get(instance, {}).items():
                totals[key] = totals.get(key, 0.0) + value
            try:
                current = self.instance_clients[instance].metrics()
            except Exception:
                continue
            for key, value in current.items():
                totals[key] = totals.get(key, 0.0) + value
        return totals

    def ready(self) -> dict[str, bool]:
        found = {}
        for instance, client in list(self.instance_clients.items()):
            try:
                found[instance] = requests.get(client.base_url + "/ready", timeout=3).status_code == 200
            except requests.RequestException:
                found[instance] = False
        return found

    # -- quiet ----------------------------------------------------------------------------------

    def settle(self, timeout: float = 240.0, also=None) -> None:
        """Quiet: no outbox row unconfirmed, no message on any handler or retry queue, and the
        outbox and inbox totals the same on two reads in a row (counters die with a SIGKILL;
        the databases and queues do not). ``also``: more state that must hold still (a sink's
        count), read with the rest."""
        previous = [None]

        def quiet():
            try:
                snapshot = self.snapshot()
                if snapshot is not None and also is not None:
                    snapshot = (snapshot, also())
            except Exception:  # the broker or the database is away right now
                previous[0] = None
                return False
            same = snapshot is not None and snapshot == previous[0]
            previous[0] = snapshot
            return same

        wait_until(quiet, timeout=timeout, interval=0.5, message="events still in flight")

    def snapshot(self):
        totals = []
        for name, url in sorted(self.database_urls.items()):
            engine = self.engine(name)
            with engine.connect() as conn:
                pending = conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
                if pending:
                    return None
                totals.append((name, conn.scalar(text("SELECT count(*) FROM outbox")),
                               conn.scalar(text("SELECT count(*) FROM inbox"))))
        for queue in self.queues():
            if queue["name"].startswith("evt-") and (queue.get("messages", 0)
                                                    or queue.get("messages_unacknowledged", 0)):
                return None
        return tuple(totals)

    def engine(self, name: str):
        engines = self.__dict__.setdefault("_engines", {})
        if name not in engines:
            engines[name] = create_engine(self.database_urls[name], pool_pre_ping=True)
        return engines[name]

    def queues(self) -> list[dict]:
        management, vhost = self.env["CHAOS_MANAGEMENT_URL"], self.env["CHAOS_VHOST"]
        response = requests.get(f"{management}/api/queues/{requests.utils.quote(vhost, safe='')}",
                                auth=("guest", "guest"), timeout=5)
        response.raise_for_status()
        return response.json()

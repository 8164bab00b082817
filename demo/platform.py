"""The four services as separate processes, started the way `make run` starts them.

Shared by `make demo` and the end-to-end tests: topology and migrations first with the same
environment, then one `nameko run --config config/config.yaml services.<name>.service:<Name>Service`
per service on a free port, each waited for on `/health` and stopped at the end.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from demo.launch import ServiceClient as HttpClient
from demo.launch import free_port, wait_until
from shared.config import load_config
from shared.registry import edge_names, edge_path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "config.yaml"
# The registry (SERVICES in config/config.yaml): names in order, and what `nameko run` starts.
CLASSES = load_config()["SERVICES"]
SERVICES = tuple(CLASSES)
# The edges (EDGES: the FHIR gateway, the staff console), started over the services' APIs by start_edge.
EDGES = {name: edge_path(load_config(), name) for name in edge_names(load_config())}
NAMEKO = Path(sys.executable).with_name("nameko")


class ServiceClient(HttpClient):
    """A service run as its own process: the HTTP client of demo.launch, plus health and metrics."""

    def healthy(self) -> bool:
        try:
            return requests.get(self.base_url + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def metrics(self) -> dict[tuple, float]:
        """Samples of `/metrics` as {(name, frozenset(labels)): value}."""
        text = requests.get(self.base_url + "/metrics", timeout=10).text
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples}


FINAL_OUTCOMES = ("processed", "duplicate", "dead_lettered", "invalid")


def event_counts(metrics: dict[tuple, float], counter: str, outcomes=None) -> dict[str, float]:
    """A counter's samples summed by event type (only the given outcomes, if any)."""
    counts: dict[str, float] = {}
    for (name, labels), value in metrics.items():
        labels = dict(labels)
        if name == counter and (outcomes is None or labels.get("outcome") in outcomes):
            counts[labels["type"]] = counts.get(labels["type"], 0.0) + value
    return counts


def subscriptions_by_service() -> dict[str, list[tuple[str, str]]]:
    """(producer, event type) pairs each service consumes, read from its handlers."""
    from shared.topology import service_class, subscriptions
    return {name: [(producer, kind) for producer, kind, _ in subscriptions(service_class(name))]
            for name in SERVICES}


class Platform:
    """Runs the platform on one broker vhost and one data folder (or the given databases).

    ``clock`` (an aware datetime) starts scheduling with a fixed "now": the service reads it from
    the configuration key CLOCK_NOW, which config.yaml leaves out (it must never be set in
    production), so that one service gets a copy of config.yaml with the key added.
    """

    def __init__(self, amqp_uri: str, data_dir: Path, database_urls: dict[str, str] | None = None,
                 env: dict[str, str] | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": amqp_uri,
                    "IOP_DATA_DIR": str(self.data_dir), "LOG_LEVEL": "WARNING", **(env or {})}
        for name in SERVICES:  # given databases, else SQLite in the data folder (never the caller's)
            self.env[f"{name.upper()}_DATABASE_URL"] = (database_urls or {}).get(name, "")
        self.processes: dict[str, subprocess.Popen] = {}
        self.clients: dict[str, ServiceClient] = {}
        # Counters of a service's earlier runs, so a restart does not lose what it counted.
        self.earlier_metrics: dict[str, dict[tuple, float]] = {}

    def prepare(self) -> None:
        """Declare the topology and migrate every database, as `make run` does first."""
        for args in (["-m", "shared.topology"], ["-m", "shared.migrations", "upgrade"]):
            done = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env,
                                  capture_output=True, text=True, timeout=180)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def start(self, names=SERVICES, clock=None) -> "Platform":
        for name in names:
            self.start_service(name, clock if name == "scheduling" else None)
        for name in names:
            self.wait_healthy(name)
        return self

    def start_edge(self, name: str, port: int | None = None, env: dict | None = None) -> ServiceClient:
        """An edge over the services running now (their current ports), waited for on /health.
        Start it after any restart of a service: a restarted service has a new port. ``port``:
        one chosen beforehand (the console's redirect URI names it)."""
        urls = {f"{service.upper()}_URL": client.base_url for service, client in self.clients.items()
                if service in SERVICES}
        self.start_service(name, target=EDGES[name], env={**urls, **(env or {})}, port=port)
        self.wait_healthy(name)
        return self.clients[name]

    def start_service(self, name: str, clock=None, target: str | None = None,
                      env: dict | None = None, port: int | None = None) -> None:
        config = CONFIG
        if clock is not None:
            config = self.data_dir / "config-with-clock.yaml"
            config.write_text(CONFIG.read_text() + f"\nCLOCK_NOW: '{clock.isoformat()}'\n")
        port = port or free_port()
        log = open(self.data_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            [str(NAMEKO), "run", "--config", str(config), target or CLASSES[name]], cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT,
            env={**self.env, **(env or {}), "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
        log.close()
        self.clients[name] = ServiceClient(f"http://127.0.0.1:{port}")

    def wait_healthy(self, name: str, timeout: float = 60.0) -> None:
        process = self.processes[name]

        def up():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            return self.clients[name].healthy()

        wait_until(up, timeout=timeout, interval=0.2, message=f"{name} did not answer /health")

    def restart_service(self, name: str, clock=None) -> None:
        """Stop one service and start it again on the same data (e.g. with another clock)."""
        previous = self.metrics(name)
        self.stop_service(name)
        self.earlier_metrics[name] = previous
        self.start_service(name, clock)
        self.wait_healthy(name)

    def metrics(self, name: str) -> dict[tuple, float]:
        """The service's counters over all its runs here."""
        totals = dict(self.earlier_metrics.get(name, {}))
        for key, value in self.clients[name].metrics().items():
            if key[0].endswith("_total"):
                totals[key] = totals.get(key, 0.0) + value
            else:
                totals[key] = value
        return totals

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until every event published so far has been handled by each service bound to it.

        Quiet means: no outbox backlog anywhere, each subscriber's final outcomes (processed,
        duplicate, dead-lettered, invalid) at least what its producer published, and the same
        published totals on two reads in a row (a handler may have raised events in between).
        """
        previous = [None]

        def quiet():
            snapshot = self._quiet_snapshot()
            same = snapshot is not None and snapshot == previous[0]
            previous[0] = snapshot
            return same

        wait_until(quiet, timeout=timeout, interval=0.3, message="events still in flight")

    def _quiet_snapshot(self):
        metrics = {name: self.metrics(name) for name in self.clients}
        if any(m.get(("iop_outbox_backlog", frozenset()), 0) for m in metrics.values()):
            return None
        published = {name: event_counts(metrics[name], "iop_events_published_total") for name in metrics}
        for consumer, subscribed in subscriptions_by_service().items():
            handled = event_counts(metrics[consumer], "iop_events_consumed_total", FINAL_OUTCOMES)
            if any(handled.get(kind, 0) < published[producer].get(kind, 0) for producer, kind in subscribed):
                return None
        return tuple(sorted((name, tuple(sorted(counts.items()))) for name, counts in published.items()))

    def stop_service(self, name: str, timeout: float = 20.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # nameko stops its containers gracefully on TERM
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        """TERM every service at once, then wait for each (kill what outlives the timeout)."""
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.data_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def __getitem__(self, name: str) -> ServiceClient:
        return self.clients[name]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

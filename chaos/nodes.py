"""Private broker and database servers for a chaos run, that it may stop and restart at will.

Other runs on the machine use its RabbitMQ (5672) and PostgreSQL (5432); a chaos run restarts
its own: a RabbitMQ node with its own node name, ports and data under a temp folder, and a
PostgreSQL cluster made by ``initdb`` and run by ``pg_ctl`` on a port of its own.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from demo.launch import free_port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


class RabbitNode:
    """One RabbitMQ node of its own (``rabbitmq-server`` under a temp folder), management on."""

    def __init__(self, folder: Path | None = None, name: str | None = None, port: int | None = None,
                 dist_port: int | None = None, management_port: int | None = None,
                 cluster_with: list[str] | None = None):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="iop-rabbit-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = name or f"iop-chaos-{uuid.uuid4().hex[:6]}@localhost"
        self.port = port or free_port()
        self.dist_port = dist_port or free_port()
        self.management_port = management_port or free_port()
        self.cluster_with = cluster_with or []
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n"
            "loopback_users = none\n"
            + "".join(f"cluster_formation.classic_config.nodes.{i} = {node}\n"
                      for i, node in enumerate(self.cluster_with, 1)))
        (self.folder / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.folder / "rabbitmq-env.conf").write_text(
            "ERL_EPMD_ADDRESS=127.0.0.1\n"
            'export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n')
        if os.geteuid() == 0:  # Debian's rabbitmq-server runs as the rabbitmq user
            for path in [self.folder, *self.folder.iterdir()]:
                shutil.chown(path, "rabbitmq", "rabbitmq")

    @property
    def env(self) -> dict:
        return {**os.environ,
                "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
                "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.folder / "log"),
                "RABBITMQ_PID_FILE": str(self.folder / "rabbit.pid"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
                "RABBITMQ_PLUGINS_EXPAND_DIR": str(self.folder / "plugins-expand")}

    @property
    def amqp_base(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def ctl(self, *args, check=True, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run(["rabbitmqctl", "-n", self.name, *args], env=self.env, check=check,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 120) -> float:
        """Start the node (a fresh one the first time) and return the seconds it took."""
        started = time.monotonic()
        self._process = subprocess.Popen(["rabbitmq-server"], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
        _wait(lambda: port_open(self.port) and port_open(self.management_port), timeout,
              f"RabbitMQ node {self.name}")
        return time.monotonic() - started

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> float:
        started = time.monotonic()
        self.ctl("start_app")
        self.ctl("await_startup")
        _wait(lambda: port_open(self.port), 60, "the AMQP listener")
        return time.monotonic() - started

    def restart(self) -> float:
        """Stop the broker application and start it again (the Erlang VM stays)."""
        self.stop_app()
        return self.start_app()

    def stop(self) -> None:
        process = getattr(self, "_process", None)
        if process is None:
            return
        self.ctl("stop", check=False, timeout=60)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        self._process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if found:
        return found[-1]
    if shutil.which(tool):
        return shutil.which(tool)
    raise RuntimeError(f"PostgreSQL's {tool} is not installed")


class PostgresCluster:
    """A PostgreSQL cluster of its own: ``initdb`` into a temp folder, ``pg_ctl`` on its own port."""

    def __init__(self, folder: Path | None = None, port: int | None = None):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="iop-postgres-"))
        self.data = self.folder / "data"
        self.port = port or free_port()
        self._user = None
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
            self._user = "postgres"
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *command, check=True) -> subprocess.CompletedProcess:
        command = list(command)
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> float:
        started = time.monotonic()
        if not self.data.exists():
            self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-w", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                  "-c max_connections=300 -c fsync=off", "start")
        _wait(lambda: port_open(self.port), 60, "PostgreSQL")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> None:
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> float:
        """Stop (fast: open connections are cut) and start again; the seconds it was away."""
        started = time.monotonic()
        self.stop("fast")
        self.start()
        return time.monotonic() - started

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

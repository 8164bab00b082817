"""Fresh, throw-away resources for one bench run: broker vhosts and databases."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
import urllib.parse
import uuid
from contextlib import contextmanager

import requests
from sqlalchemy import create_engine

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672"
DEFAULT_MANAGEMENT_URL = "http://guest:guest@127.0.0.1:15672"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432"


def _env(*names: str, default: str) -> str:
    return next((os.environ[n] for n in names if os.environ.get(n)), default)


class Broker:
    def __init__(self):
        self.base_uri = _env("IOP_BENCH_AMQP_URI", "IOP_TEST_AMQP_URI", default=DEFAULT_AMQP_URI).rstrip("/")
        self.management_url = _env("IOP_BENCH_AMQP_MANAGEMENT_URL", "IOP_TEST_AMQP_MANAGEMENT_URL",
                                   default=DEFAULT_MANAGEMENT_URL).rstrip("/")
        parts = urllib.parse.urlsplit(self.management_url)
        self._api = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
        self._auth = (parts.username or "guest", parts.password or "guest")

    def version(self, patience_s: float = 60.0) -> str:
        """The broker's version, once its management API answers (other suites restart it)."""
        deadline = time.monotonic() + patience_s
        while True:
            try:
                return self._call("GET", "/overview").json().get("rabbitmq_version", "?")
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"no RabbitMQ management API at {self._api}; "
                                     "start the broker (make bench does) or set IOP_BENCH_AMQP_MANAGEMENT_URL")
                time.sleep(1.0)

    @contextmanager
    def vhost(self):
        """A vhost of its own for one scenario, deleted with everything in it afterwards."""
        name = f"iop-bench-{uuid.uuid4().hex[:10]}"
        self._call("PUT", f"/vhosts/{name}")
        try:
            self._call("PUT", f"/permissions/{name}/{self._auth[0]}",
                       {"configure": ".*", "write": ".*", "read": ".*"})
            yield f"{self.base_uri}/{urllib.parse.quote(name, safe='')}"
        finally:
            self._delete_vhost(name)

    def _delete_vhost(self, name: str, patience_s: float = 60.0) -> None:
        # Other suites restart the shared broker; wait for it rather than leave the vhost behind.
        deadline = time.monotonic() + patience_s
        while True:
            try:
                self._call("DELETE", f"/vhosts/{name}")
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

    def _call(self, method: str, path: str, body=None):
        response = requests.request(method, self._api + path, auth=self._auth, json=body, timeout=10)
        response.raise_for_status()
        return response


class Databases:
    """Creates fresh databases (tables from the metadata) and removes them all at the end."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.postgres_url = _env("IOP_BENCH_POSTGRES_URL", "IOP_TEST_POSTGRES_URL",
                                 default=DEFAULT_POSTGRES_URL).rstrip("/")
        self._folder = tempfile.mkdtemp(prefix="iop-bench-") if dialect == "sqlite" else None
        self._created: list[str] = []

    def create(self, label: str, metadata) -> str:
        name = f"iop_bench_{label}_{uuid.uuid4().hex[:8]}"
        if self.dialect == "sqlite":
            url = f"sqlite:///{self._folder}/{name}.db"
        else:
            self._admin(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            url = f"{self.postgres_url}/{name}"
        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        return url

    def _admin(self, statement: str) -> None:
        import psycopg2
        conn = psycopg2.connect(f"{self.postgres_url}/postgres", connect_timeout=5)
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def drop_all(self) -> None:
        for name in self._created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

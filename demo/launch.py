"""What it takes to launch the platform and reach it: a free port, a wait, an HTTP client, a vhost.

The demo and the tests both start services and talk to them, and the demo may not import from
tests/, so these live here and tests/support imports them (one definition of each).
"""
from __future__ import annotations

import os
import socket
import time
import urllib.parse
import uuid

import requests

DEV_KEYS = {"admin": "dev-admin-key", "riverside": "dev-riverside-key",
            "lakeside": "dev-lakeside-key", "integrator": "dev-integrator-key",
            "coordinator": "dev-riverside-coordinator-key", "ops": "dev-ops-key"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll a condition until it holds; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(interval)


class ServiceClient:
    """HTTP to one service with a development key, as any client of the API would call it."""

    timeout = 30

    def __init__(self, base_url: str):
        self.base_url = base_url

    def request(self, method: str, path: str, key: str | None = "admin", **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if key is not None:
            headers["Authorization"] = f"Bearer {DEV_KEYS.get(key, key)}"
        return requests.request(method, self.base_url + path, headers=headers,
                                timeout=self.timeout, **kwargs)

    def get(self, path, key="admin", **kwargs):
        return self.request("GET", path, key, **kwargs)

    def post(self, path, json=None, key="admin", **kwargs):
        return self.request("POST", path, key, json=json, **kwargs)

    def put(self, path, json=None, key="admin", **kwargs):
        return self.request("PUT", path, key, json=json, **kwargs)


class Broker:
    """RabbitMQ's management API: a vhost of one's own for each run, so runs never share queues."""

    def __init__(self, base_uri: str, management_url: str):
        self.base_uri = base_uri.rstrip("/")
        self.management_url = management_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.management_url)
        self._api = f"{parts.scheme}://{parts.hostname}:{parts.port}/api"
        self._auth = (parts.username or "guest", parts.password or "guest")

    @classmethod
    def from_environment(cls) -> "Broker":
        return cls(os.environ.get("IOP_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672"),
                   os.environ.get("IOP_TEST_AMQP_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672"))

    def create_vhost(self, vhost: str | None = None) -> str:
        """Create ``vhost`` (a fresh test name if none is given) with every permission; return it."""
        vhost = vhost or f"iop-test-{uuid.uuid4().hex[:12]}"
        self._call("PUT", f"/vhosts/{vhost}")
        self._call("PUT", f"/permissions/{vhost}/{self._auth[0]}",
                   {"configure": ".*", "write": ".*", "read": ".*"})
        return vhost

    def delete_vhost(self, vhost: str) -> None:
        self._call("DELETE", f"/vhosts/{vhost}")

    def uri(self, vhost: str) -> str:
        return f"{self.base_uri}/{urllib.parse.quote(vhost, safe='')}"

    def queue(self, vhost: str, name: str) -> dict:
        return self._call("GET", f"/queues/{urllib.parse.quote(vhost, safe='')}/{name}").json()

    def queues(self, vhost: str) -> list[dict]:
        """Every queue of the vhost with its depths (the management API's figures: refreshed
        every few seconds by the broker, not live)."""
        return self._call("GET", f"/queues/{urllib.parse.quote(vhost, safe='')}").json()

    def _call(self, method: str, path: str, body=None):
        # After a broker restart the management listener comes back a little after AMQP.
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.request(method, self._api + path, auth=self._auth,
                                            json=body, timeout=10)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        response.raise_for_status()
        return response

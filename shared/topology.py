"""The broker's topology, declared before any service starts.

nameko declares a handler's queue only when that service starts and publishes with
``mandatory=False``, so an event sent earlier would vanish. ``python -m shared.topology`` (run by
``make run`` and by compose) declares every exchange, every handler queue with its binding, the
retry and dead-letter queues, and an alternate exchange that keeps what is still unroutable.
The services are those of the registry (``SERVICES`` in config/config.yaml); the queue type is
``AMQP_QUEUE_TYPE`` (classic, or quorum on a cluster: see shared.queues).
"""
from __future__ import annotations

import argparse
import inspect
import json
import logging
import urllib.parse
import urllib.request

from kombu import Connection, Exchange, Queue
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from shared import registry
from shared.config import load_config, setting
from shared.events import CATALOG
from shared.inbox import InboxHandler
from shared.names import EVENTS_EXCHANGE_PATTERN, UNROUTABLE, handler_queue_name
from shared.queues import (declare_handler_queues, delivery_limit, events_exchange_of,
                           handler_queue, handler_queue_arguments, queue_type)

log = logging.getLogger(__name__)

__all__ = ["UNROUTABLE", "declare_handler_queues", "declare_topology", "main", "service_class",
           "set_unroutable_policy", "subscriptions"]


def service_class(service_name: str, config: dict | None = None) -> type:
    """The registry's class for a service (the platform configuration unless one is given)."""
    return registry.service_class(config or load_config(), service_name)


def subscriptions(service_cls) -> list[tuple[str, str, str]]:
    """(source service, event type, method) for each inbox handler of a service class."""
    found = []
    for method_name, method in inspect.getmembers(service_cls, callable):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, InboxHandler):
                found.append((entrypoint.source_service, entrypoint.event_type, method_name))
    return sorted(found)


def service_classes(services=None, config: dict | None = None) -> list[type]:
    """Service classes from names (resolved through the registry) or classes; None → all."""
    if services is None or any(isinstance(service, str) for service in services):
        config = config or load_config()
    if services is None:
        services = registry.service_names(config)
    return [registry.service_class(config, service) if isinstance(service, str) else service
            for service in services]


def declare_topology(amqp_uri: str, management_url: str | None = None, services=None,
                     config: dict | None = None) -> dict:
    declared = {"exchanges": [], "queues": []}
    settings = config if config is not None else load_config()
    kind, limit = queue_type(settings), delivery_limit(settings)
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        Exchange(UNROUTABLE, type="fanout", durable=True)(channel).declare()
        Queue(UNROUTABLE, Exchange(UNROUTABLE, type="fanout"), durable=True)(channel).declare()
        for producer in sorted({spec.producer for spec in CATALOG.values()}):
            exchange = events_exchange_of(producer)
            exchange(channel).declare()
            declared["exchanges"].append(exchange.name)
        for service_cls in service_classes(services, config):
            for source, event_type, method in subscriptions(service_cls):
                queue_name = handler_queue_name(source, event_type, service_cls.name, method)
                arguments = handler_queue_arguments(service_cls.name, kind, limit)
                handler_queue(queue_name, source, event_type, arguments)(channel).declare()
                declare_handler_queues(amqp_uri, queue_name, service_cls.name, kind)
                declared["queues"].append(queue_name)
    if management_url:
        set_unroutable_policy(amqp_uri, management_url)
    return declared


def set_unroutable_policy(amqp_uri: str, management_url: str) -> bool:
    """Point every ``<service>.events`` exchange at the alternate exchange.

    A policy, not an exchange argument: integrators (and nameko) can keep declaring the
    exchanges plainly without an 'inequivalent arg' error.
    """
    vhost = Connection(amqp_uri).info()["virtual_host"] or "/"
    parts = urllib.parse.urlsplit(management_url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    policy = {"pattern": EVENTS_EXCHANGE_PATTERN, "apply-to": "exchanges", "priority": 0,
              "definition": {"alternate-exchange": UNROUTABLE}}
    request = urllib.request.Request(
        f"{base}/api/policies/{urllib.parse.quote(vhost, safe='')}/iop-unroutable",
        data=json.dumps(policy).encode(), method="PUT",
        headers={"content-type": "application/json"})
    password_mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    password_mgr.add_password(None, base, parts.username or "guest", parts.password or "guest")
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(password_mgr))
    try:
        opener.open(request, timeout=5).close()
        return True
    except OSError as exc:
        log.warning("management API unreachable (%s): unroutable events are not kept", exc)
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Declare the platform's exchanges and queues.")
    parser.add_argument("--config", default=None)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    try:
        with Connection(config["AMQP_URI"], connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        safe_uri = Connection(config["AMQP_URI"]).as_uri()  # password masked
        print(f"No broker at {safe_uri} ({type(exc).__name__}).\n"
              "Start RabbitMQ (e.g. `rabbitmq-server -detached`, or "
              "`docker run -d -p 5672:5672 -p 15672:15672 rabbitmq:3-management`) "
              "or set AMQP_URI.")
        return 1
    declared = declare_topology(config["AMQP_URI"], setting(config, "AMQP_MANAGEMENT_URL"),
                                config=config)
    print(f"declared {len(declared['exchanges'])} exchanges and {len(declared['queues'])} handler queues")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

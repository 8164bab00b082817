"""Prometheus metrics, one registry per service container so services in one process stay apart.

``ServiceMetrics`` is a nameko shared extension: every extension of a container that declares
``metrics = ServiceMetrics()`` (the HTTP and inbox entrypoints, the database, the ``Metrics``
dependency) gets the container's one instance.
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider, SharedExtension
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServiceMetrics(SharedExtension):
    def setup(self):
        self.registry = CollectorRegistry()
        labels = {"registry": self.registry}
        self.http_requests = Counter(
            "iop_http_requests_total", "HTTP requests answered", ["method", "route", "status"], **labels)
        self.http_latency = Histogram(
            "iop_http_request_seconds", "HTTP request latency", ["method", "route"], **labels)
        self.events_published = Counter(
            "iop_events_published_total", "Events confirmed by the broker", ["type"], **labels)
        self.events_consumed = Counter(
            "iop_events_consumed_total", "Events handled, by outcome "
            "(processed, duplicate, retried, dead_lettered, invalid)", ["type", "outcome"], **labels)
        self.auth_failures = Counter(
            "iop_auth_failures_total", "Failed authentications, by reason (expired, bad_signature, "
            "wrong_audience, unknown_key, unknown_api_key, …; throttled: refused with 429)",
            ["reason"], **labels)
        self.outbox_backlog = Gauge(
            "iop_outbox_backlog", "Outbox rows not yet confirmed by the broker", **labels)
        self.service_name = self.container.service_name

    def render(self) -> bytes:
        return generate_latest(self.registry)


class Metrics(DependencyProvider):
    """Injects the container's :class:`ServiceMetrics` into each worker."""

    service_metrics = ServiceMetrics()

    def get_dependency(self, worker_ctx) -> ServiceMetrics:
        return self.service_metrics

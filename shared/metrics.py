"""Prometheus metrics, one registry per service so services in one process stay apart."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServiceMetrics:
    def __init__(self, service_name: str):
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
        self.outbox_backlog = Gauge(
            "iop_outbox_backlog", "Outbox rows not yet confirmed by the broker", **labels)
        self.service_name = service_name

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_for(container) -> ServiceMetrics:
    """The metrics of one service container (several may share a process in tests)."""
    metrics = getattr(container, "iop_metrics", None)
    if metrics is None:
        metrics = container.iop_metrics = ServiceMetrics(container.service_name)
    return metrics


class Metrics(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return metrics_for(self.container)

"""The service's own Prometheus metrics: alerts that reached nobody, read from its database at
each scrape (so they survive restarts and agree across processes)."""
from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily


class AlertMetrics:
    """A collector on the container's registry: ``iop_alerts_unrouted_open`` (open alerts that
    reached nobody) and ``iop_alert_steps_unreached_total{reason}`` (routing steps that reached
    nobody, by reason: no_staff, no_channel, no_contact_configured, delivery_failed)."""

    def __init__(self):
        self.open_unrouted, self.by_reason = 0, {}

    def update(self, open_unrouted: int, by_reason: dict) -> None:
        self.open_unrouted, self.by_reason = open_unrouted, dict(by_reason)

    def collect(self):
        gauge = GaugeMetricFamily("iop_alerts_unrouted_open",
                                  "Open care-team alerts that reached nobody")
        gauge.add_metric([], self.open_unrouted)
        yield gauge
        counter = CounterMetricFamily("iop_alert_steps_unreached",
                                      "Alert routing steps that reached nobody, by reason", labels=["reason"])
        for reason, count in sorted(self.by_reason.items()):
            counter.add_metric([reason], count)
        yield counter


def alert_metrics(service_metrics) -> AlertMetrics:
    """The container's one AlertMetrics, registered on first use."""
    collector = getattr(service_metrics, "alert_metrics", None)
    if collector is None:
        collector = service_metrics.alert_metrics = AlertMetrics()
        service_metrics.registry.register(collector)
    return collector

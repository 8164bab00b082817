"""What every service has: health, readiness, metrics, its OpenAPI document, correlation ids.

A service class inherits ``PlatformService`` and declares ``name`` and ``db = Database(metadata)``.
"""
from __future__ import annotations

from datetime import timezone

from kombu import Connection
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from shared.access import GRANTED, GRANTING_SERVICE, BreakGlass, record_grant
from shared.clinical import ClinicalRules
from shared.http import api, routes_of
from shared.inbox import consumes
from shared.logs import set_correlation_id
from shared.metrics import CONTENT_TYPE, Metrics
from shared.events import CATALOG
from shared.openapi import openapi_document
from shared.problems import NotFound, ServiceUnavailable
from shared.roles import PRIVACY_OFFICERS


class CorrelationId(DependencyProvider):
    """Puts the worker's correlation id where logs and raised events find it."""

    def worker_setup(self, worker_ctx):
        set_correlation_id(worker_ctx.context_data.get("correlation_id"))

    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data.get("correlation_id")

    def worker_teardown(self, worker_ctx):
        set_correlation_id(None)


class ApiRoutes(DependencyProvider):
    """The service's routes (its container's ``@api`` entrypoints), for its OpenAPI document."""

    def get_dependency(self, worker_ctx):
        return routes_of(self.container)


class EventReplayQuery(Schema):
    after = fields.String(load_default=None, metadata={"description": "id of the last event seen"})
    type = fields.String(load_default=None, validate=validate.OneOf(sorted(CATALOG)))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AuditQuery(Schema):
    patient_id = fields.UUID(required=True, metadata={"description": "the patient"})
    start = fields.AwareDateTime(data_key="from", load_default=None, default_timezone=timezone.utc,
                                 metadata={"description": "entries at or after (ISO 8601; UTC if no offset)"})
    end = fields.AwareDateTime(data_key="to", load_default=None, default_timezone=timezone.utc,
                               metadata={"description": "entries before (ISO 8601; UTC if no offset)"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("Must be after 'from'.", "to")


class PlatformService:
    name: str
    errors: dict = {}  # the service's domain exceptions → problems (its errors.py), kit's after
    config = Config()
    rules = ClinicalRules()
    correlation_id = CorrelationId()
    metrics = Metrics()
    api_routes = ApiRoutes()
    break_glass = BreakGlass()  # X-Access-Reason: another site's patient (shared.access)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name") == GRANTING_SERVICE:
            cls.record_emergency_grant = None  # it records its grants as it makes them

    @consumes(GRANTING_SERVICE, GRANTED)
    def record_emergency_grant(self, event):
        """Break-the-glass granted at intake holds for the patient's whole chart: this service
        records the grant in its own audit log, where ``open_patient`` finds it (shared.access)."""
        with self.db.unit_of_work() as uow:
            record_grant(uow, event)

    @api("GET", "/health", public=True, summary="The process is up")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @api("GET", "/ready", public=True, summary="The database and the broker are reachable")
    def ready(self, request):
        checks = {}
        try:
            self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = type(exc).__name__
        if any(value != "ok" for value in checks.values()):
            raise ServiceUnavailable("Not ready.", checks=checks)
        return {"status": "ready", "checks": checks}

    @api("GET", "/metrics", public=True, summary="Prometheus metrics")
    def prometheus_metrics(self, request):
        self.metrics.outbox_backlog.set(self.db.outbox_backlog())
        return Response(self.metrics.render(), content_type=CONTENT_TYPE)

    @api("GET", "/openapi.json", public=True, summary="This document")
    def openapi(self, request):
        return openapi_document(self.name, self.api_routes)

    @api("GET", "/audit", query=AuditQuery, roles=PRIVACY_OFFICERS,
         summary="Accounting of disclosures: every read and change of a patient's data here, oldest first")
    def accounting_of_disclosures(self, request):
        query, caller = request.query, request.caller
        patient_id = str(query["patient_id"])
        with self.db.unit_of_work() as uow:
            entries = uow.audit_entries(patient_id, sites=caller.sites, start=query["start"],
                                        end=query["end"], limit=query["limit"])
            uow.audit(caller, "read", "audit_log", patient_id, patient_id=patient_id)
        return {"service": self.name, "patient_id": patient_id, "from": query["start"],
                "to": query["end"], "entries": entries}

    @api("GET", "/events", query=EventReplayQuery, roles=["integrator"],
         summary="Events this service published after a given one (catch-up for integrators)")
    def replay_events(self, request):
        query = request.query
        events = self.db.published_events(
            after_event_id=query["after"], event_type=query["type"],
            sites=request.caller.sites, limit=query["limit"])
        if events is None:
            raise NotFound("No retained event has that id; start again without 'after'.")
        return {"events": events, "last": events[-1]["id"] if events else query["after"]}

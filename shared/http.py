"""The HTTP edge: ``@api(method, url, ...)``, nameko's ``@http`` with the platform's rules.

Each route states its body and query schemas and the roles that may call it. The entrypoint
authenticates the bearer key, parses and validates input (400 malformed JSON, 422 naming every
bad field), runs the worker, and answers JSON or ``application/problem+json``. It also times
requests for ``/metrics``; ``/openapi.json`` is built from the container's ``ApiHandler``
entrypoints (:func:`routes_of`).
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from eventlet.event import Event
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Response

from shared.auth import REASON_MAX, KeyRing
from shared.config import environment, setting
from shared.input import read_json_body
from shared.errors import DomainError
from shared.logs import set_correlation_id
from shared.metrics import ServiceMetrics
from shared.problems import (KIT_ERRORS, PROBLEM_CONTENT_TYPE, Problem, TooManyRequests,
                             Unauthorized, problem_for, problem_from_validation, validation_problem)
from shared.throttle import AuthThrottle
from shared.webserver import PlatformWebServer

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"
# Why the caller opens this record (break-the-glass): recorded in every audit entry of the request.
ACCESS_REASON_HEADER = "X-Access-Reason"


def to_json(payload) -> str:
    return json.dumps(payload, default=_json_default)


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value) if isinstance(value, uuid.UUID) else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    return Response(to_json(payload), status=status, headers=headers,
                    mimetype="application/json")


def problem_response(problem: Problem) -> Response:
    response = Response(json.dumps(problem.to_dict()), status=problem.status,
                        content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(problem, Unauthorized):  # RFC 6750: say which scheme is expected
        response.headers["WWW-Authenticate"] = 'Bearer realm="iop"'
    if isinstance(problem, TooManyRequests):
        response.headers["Retry-After"] = str(problem.extra["retry_after_s"])
    return response


class ApiHandler(HttpRequestHandler):
    server = PlatformWebServer()
    metrics = ServiceMetrics()
    auth_throttle = AuthThrottle()

    def __init__(self, method: str, url: str, *, body: type[Schema] | Schema | None = None,
                 query: type[Schema] | Schema | None = None, roles=None, public: bool = False,
                 status: int = 200, summary: str | None = None, response=None,
                 access_reason: bool = False, body_required: bool = True, **kwargs):
        # Expected: logged as warnings by nameko, not as crashes.
        kwargs.setdefault("expected_exceptions", (Problem, ValidationError, DomainError))
        super().__init__(method, url, **kwargs)
        self.body_schema = body() if isinstance(body, type) else body
        self.query_schema = query() if isinstance(query, type) else query
        self.response_schema = response() if isinstance(response, type) else response
        self.roles = tuple(roles or ())
        self.public = public
        self.status = status
        self.summary = summary
        # X-Access-Reason opens another site's record here (documented; any route records it).
        self.access_reason = access_reason
        # False: a request with no body at all is read as an empty object (the schema's
        # defaults), so a route can take an optional body without breaking callers that send none.
        self.body_required = body_required

    def setup(self):
        super().setup()
        config = self.container.config
        environment(config)  # refuses to start on an IOP_ENV it does not know
        self.keys = KeyRing.from_config(config)
        self.max_body_bytes = setting(config, "HTTP", "max_body_bytes")
        self.max_json_depth = setting(config, "HTTP", "max_json_depth")

    def handle_request(self, request):
        request.shallow = False
        started = time.perf_counter()
        correlation = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        set_correlation_id(correlation)
        try:
            self._prepare(request)
            context_data = self.server.context_data_from_headers(request)
            context_data["correlation_id"] = correlation
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            done = Event()
            self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                        handle_result=partial(self.handle_result, done))
            response = self.response_from_result(done.wait())
        except Exception as exc:  # every failure answers as a problem document
            response = self.response_from_exception(exc)
        response.headers[CORRELATION_HEADER] = correlation
        self.metrics.http_requests.labels(self.method, self.url, str(response.status_code)).inc()
        self.metrics.http_latency.labels(self.method, self.url).observe(time.perf_counter() - started)
        return response

    def _authenticate(self, request):
        """The caller, or a 401 counted by reason; an address failing too often waits (429)."""
        throttle = self.auth_throttle.throttle
        address = request.remote_addr
        wait = throttle.retry_after(address)
        if wait:
            self.metrics.auth_failures.labels("throttled").inc()
            raise TooManyRequests("Too many failed authentications from this address; "
                                  f"try again in {wait} s.", retry_after_s=wait)
        try:
            caller = self.keys.authenticate(request.headers.get("Authorization"), address)
        except Unauthorized as exc:
            throttle.failed(address)
            self.metrics.auth_failures.labels(exc.reason).inc()
            raise
        reason = request.headers.get(ACCESS_REASON_HEADER)
        if reason is not None:
            reason = " ".join(reason.split())
            if not reason or len(reason) > REASON_MAX:
                raise validation_problem({ACCESS_REASON_HEADER: [
                    f"State the reason in 1 to {REASON_MAX} characters."]})
            caller = caller.stating(reason)
        return caller

    def _prepare(self, request) -> None:
        request.caller = None if self.public else self._authenticate(request)
        if request.caller is not None and self.roles:
            request.caller.require_role(*self.roles)
        request.body = None
        if self.body_schema is not None:
            if not self.body_required and not _has_body(request):
                raw = {}
            else:
                raw = read_json_body(request, max_bytes=self.max_body_bytes,
                                     max_depth=self.max_json_depth)
            if raw is None:
                raise validation_problem({"_schema": ["A JSON body is required."]})
            # The body's shape before its schema: marshmallow's validators assume it.
            many = getattr(self.body_schema, "many", False)
            if not isinstance(raw, list if many else dict):
                raise validation_problem({"_schema": [
                    "Expected a JSON array." if many else "Expected a JSON object."]})
            if many:
                item_errors = {str(i): ["Expected a JSON object."]
                               for i, item in enumerate(raw) if not isinstance(item, dict)}
                if item_errors:
                    raise validation_problem(item_errors)
            request.body = self.body_schema.load(raw)
        request.query = self.query_schema.load(request.args.to_dict()) if self.query_schema else {}

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (self.status, result)
        if self.response_schema is not None:
            payload = self.response_schema.dump(payload)
        return json_response(payload, status)

    def response_from_exception(self, exc):
        if isinstance(exc, Problem):
            return problem_response(exc)
        if isinstance(exc, ValidationError):
            return problem_response(problem_from_validation(exc))
        if isinstance(exc, DomainError):
            # The service's table (`errors = ERRORS` on the service class) first, then the kit's.
            problem = problem_for(exc, getattr(self.container.service_cls, "errors", {}), KIT_ERRORS)
            if problem is not None:
                return problem_response(problem)
        log.error("unhandled %s in %s %s", type(exc).__name__, self.method, self.url)
        return problem_response(Problem("An unexpected error occurred; it has been logged."))


api = ApiHandler.decorator


def _has_body(request) -> bool:
    return bool(request.content_length) or (
        "chunked" in request.headers.get("Transfer-Encoding", "").lower())


def routes_of(container) -> list[ApiHandler]:
    """The routes a service container serves: its ``@api`` entrypoints."""
    return [entrypoint for entrypoint in container.entrypoints if isinstance(entrypoint, ApiHandler)]

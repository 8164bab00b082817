"""The four services' HTTP APIs, called with the caller's own credential.

The edges (the FHIR gateway, the staff console) present the caller's ``Authorization`` header
unchanged, so each service applies its own roles and site rules and writes its own audit; an edge
decides nothing about who may see what.
"""
from __future__ import annotations

import requests


class UpstreamError(Exception):
    """A service answered with an error: its status, the problem's title/detail, and for a 422
    the problem's ``errors`` (field → messages) so a form can show them beside its fields."""

    def __init__(self, status: int, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}


class Upstream:
    def __init__(self, urls: dict, authorization: str | None, timeout: float,
                 forwarded_for: str | None = None, correlation_id: str | None = None):
        self.urls = urls
        self.headers = {"Authorization": authorization or ""}
        if forwarded_for:
            self.headers["X-Forwarded-For"] = forwarded_for
        if correlation_id:
            self.headers["X-Correlation-ID"] = correlation_id
        self.timeout = timeout
        self.session = requests.Session()

    def get(self, service: str, path: str, params: dict | None = None, *, missing_ok=False):
        """The JSON answer; None for 404 when ``missing_ok``; else UpstreamError."""
        response = self._call("GET", service, path, params=params, missing_ok=missing_ok)
        return None if response is None else _json(response)

    def get_bytes(self, service: str, path: str) -> bytes:
        """A document's bytes (the discharge summary's PDF); UpstreamError as for ``get``."""
        return self._call("GET", service, path).content

    def post(self, service: str, path: str, body=None):
        return _json(self._call("POST", service, path, json=body))

    def put(self, service: str, path: str, body=None):
        return _json(self._call("PUT", service, path, json=body))

    def _call(self, method: str, service: str, path: str, *, missing_ok=False, **kwargs):
        try:
            response = self.session.request(method, self.urls[service].rstrip("/") + path,
                                            headers=self.headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise UpstreamError(502, f"The {service} service did not answer ({type(exc).__name__}).")
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            errors = {}
            try:
                body = response.json()
                detail = body.get("detail") or body.get("title") or response.reason
                errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
            except ValueError:
                detail = response.reason
            raise UpstreamError(response.status_code if response.status_code < 500 else 502,
                                str(detail), errors)
        return response


def _json(response):
    return None if response.status_code == 204 or not response.content else response.json()

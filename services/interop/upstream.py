"""The four services' HTTP APIs, called with the caller's own credential.

The gateway presents the caller's ``Authorization`` header unchanged, so each service applies its
own roles and site rules and writes its own audit; the gateway decides nothing about who may see what.
"""
from __future__ import annotations

import requests


class UpstreamError(Exception):
    """A service answered with an error: its status and the problem's title/detail."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


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
        response = self._get(service, path, params, missing_ok)
        return None if response is None else response.json()

    def get_bytes(self, service: str, path: str) -> bytes:
        """A document's bytes (the discharge summary's PDF); UpstreamError as for ``get``."""
        return self._get(service, path, None, False).content

    def _get(self, service: str, path: str, params: dict | None, missing_ok: bool):
        try:
            response = self.session.get(self.urls[service].rstrip("/") + path, params=params,
                                        headers=self.headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise UpstreamError(502, f"The {service} service did not answer ({type(exc).__name__}).")
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail") or body.get("title") or response.reason
            except ValueError:
                detail = response.reason
            raise UpstreamError(response.status_code if response.status_code < 500 else 502,
                                str(detail))
        return response


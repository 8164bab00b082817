"""nameko's web server, answering what never reaches a route as problem+json too.

werkzeug's routing answers an unknown path (404) or method (405) with HTML, and eventlet's
protocol writes bare 414 and 400 answers for an over-long request line or oversized headers;
here each of them is a problem document (431 for the headers, as RFC 6585 names it).
"""
from __future__ import annotations

import json

from eventlet import wsgi
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as RoutingMethodNotAllowed
from werkzeug.exceptions import NotFound as RoutingNotFound
from werkzeug.wrappers import Request, Response

from shared.problems import (PROBLEM_CONTENT_TYPE, BadRequest, HeadersTooLarge, MethodNotAllowed,
                             NotFound, Problem, UriTooLong)


def _raw_problem(problem: Problem) -> bytes:
    body = json.dumps(problem.to_dict()).encode()
    return (f"HTTP/1.1 {problem.status} {problem.title}\r\nConnection: close\r\n"
            f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


# eventlet's canned answers (eventlet.wsgi.HttpProtocol.handle_one_request) → ours.
_CANNED = {
    wsgi.RESPONSE_414: _raw_problem(UriTooLong(
        f"The request line is longer than {wsgi.MAX_REQUEST_LINE} bytes.")),
    b"HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
        _raw_problem(HeadersTooLarge(f"A header line is longer than {wsgi.MAX_HEADER_LINE} bytes.")),
    b"HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
        _raw_problem(HeadersTooLarge(
            f"The headers are larger than {wsgi.MAX_TOTAL_HEADER_SIZE} bytes.")),
    b"HTTP/1.0 400 Bad Request\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
        _raw_problem(BadRequest("The Content-Length header is not a non-negative integer.")),
}


class _ProblemWriter:
    """The connection's writer, with eventlet's canned error answers swapped for problems."""

    def __init__(self, wfile):
        self._wfile = wfile

    def write(self, data):
        return self._wfile.write(_CANNED.get(bytes(data), data))

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class ProblemProtocol(HttpOnlyProtocol):
    def handle_one_request(self):
        original = self.wfile
        self.wfile = _ProblemWriter(original)
        try:
            super().handle_one_request()
        finally:
            self.wfile = original


class ProblemWsgiApp(WsgiApp):
    """nameko's WsgiApp (same steps), with routing's 404 and 405 answered as problems."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)  # shallow: as nameko, nothing reads the body yet
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except RoutingMethodNotAllowed as exc:
            allowed = sorted(exc.valid_methods or [])
            response = _problem_response(MethodNotAllowed(
                f"{environ.get('REQUEST_METHOD')} is not allowed here; use {', '.join(allowed)}.",
                allowed=allowed))
            response.headers["Allow"] = ", ".join(allowed)
        except RoutingNotFound:
            response = _problem_response(NotFound("No such route."))
        except HTTPException as exc:  # e.g. a redirect to the canonical URL, as nameko answers it
            response = exc
        return response(environ, start_response)


def _problem_response(problem: Problem) -> Response:
    return Response(json.dumps(problem.to_dict()), status=problem.status,
                    content_type=PROBLEM_CONTENT_TYPE)


class PlatformWebServer(WebServer):
    def get_wsgi_app(self):
        return ProblemWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=ProblemProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)

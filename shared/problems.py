"""RFC 9457 problem details: the only shape of an HTTP error the platform answers with."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from marshmallow import ValidationError

from shared.errors import ActionForbidden, DomainError, InvalidFields, RecordNotFound, StateConflict

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra

    def to_dict(self) -> dict:
        slug = self.title.lower().replace(" ", "-")
        body = {"type": f"urn:iop:problem:{slug}", "title": self.title,
                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class BadRequest(Problem):
    status, title = 400, "Bad Request"


class Unauthorized(Problem):
    """``reason`` says why, for the failed-authentication counter in ``/metrics`` (never shown
    in the body): missing, unknown_api_key, expired_api_key, malformed, untrusted_issuer,
    algorithm_refused, unknown_key, bad_signature, expired, not_yet_valid, wrong_audience,
    missing_claim, invalid, no_issuers."""

    status, title = 401, "Unauthorized"

    def __init__(self, detail: str | None = None, *, reason: str = "invalid", **kwargs):
        super().__init__(detail, **kwargs)
        self.reason = reason


class Forbidden(Problem):
    status, title = 403, "Forbidden"


class NotFound(Problem):
    status, title = 404, "Not Found"


class Conflict(Problem):
    status, title = 409, "Conflict"


class MethodNotAllowed(Problem):
    status, title = 405, "Method Not Allowed"


class PayloadTooLarge(Problem):
    status, title = 413, "Content Too Large"


class UriTooLong(Problem):
    status, title = 414, "URI Too Long"


class UnsupportedMediaType(Problem):
    status, title = 415, "Unsupported Media Type"


class HeadersTooLarge(Problem):
    status, title = 431, "Request Header Fields Too Large"


class Unprocessable(Problem):
    status, title = 422, "Unprocessable Content"


class TooManyRequests(Problem):
    status, title = 429, "Too Many Requests"


class ServiceUnavailable(Problem):
    status, title = 503, "Service Unavailable"


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict → ``{"patient.birth_date": [...], "responses.3": [...]}``."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    if isinstance(messages, str):
        return {prefix or "_schema": [messages]}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def validation_problem(errors, detail: str = "The request has invalid fields.") -> Unprocessable:
    return Unprocessable(detail, errors=flatten_errors(errors))


def problem_from_validation(exc: ValidationError) -> Unprocessable:
    return validation_problem(exc.messages)


# A domain exception type → the problem it answers as: a Problem class (built from the exception's
# detail, errors and extra) or a function that builds the Problem.
ErrorTable = Mapping[type, "type[Problem] | Callable[[Exception], Problem]"]

KIT_ERRORS: ErrorTable = {
    RecordNotFound: NotFound,
    InvalidFields: Unprocessable,
    StateConflict: Conflict,
    ActionForbidden: Forbidden,
}


def problem_for(exc: DomainError, *tables: ErrorTable) -> Problem | None:
    """The problem a domain exception answers as: the first table naming its class or the
    nearest base class wins, so a service's own table goes before the kit's."""
    for cls in type(exc).__mro__:
        for table in tables:
            if cls in table:
                mapped = table[cls]
                if isinstance(mapped, type) and issubclass(mapped, Problem):
                    return mapped(exc.detail, errors=exc.errors, **exc.extra)
                return mapped(exc)
    return None

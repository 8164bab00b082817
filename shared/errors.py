"""What a rule can refuse, in the domain's words: no HTTP, no framework.

Domain code raises these (or its own subclasses); each service's ``errors.py`` maps its own
exceptions to problem types, and the HTTP kit maps the four generic kinds below by itself.
"""
from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. ``errors`` names each bad field; ``extra`` carries the numbers
    the answer should show (e.g. the weekly hours of a plan under the minimum)."""

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class RecordNotFound(DomainError):
    """No such record, or one the caller may not see (the two are indistinguishable)."""


class InvalidFields(DomainError):
    """Fields that break a rule; ``errors`` maps each field path to its messages."""

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request has invalid fields.",
                 **extra):
        super().__init__(detail, errors=errors, **extra)


class StateConflict(DomainError):
    """The request is valid but the record's state does not allow it (already enrolled, discharged)."""


class ActionForbidden(DomainError):
    """The caller may not do this, whatever the record."""


class RetryLater(Exception):
    """An event depends on another not yet handled here (queues of different event types may
    deliver out of order): the inbox retries it with backoff, then dead-letters it."""

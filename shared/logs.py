"""JSON logs with the correlation id of the request or event being handled.

Log records carry ids and outcomes, never patient data: no names, contacts, answers or free text.
"""
from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime, timezone

from eventlet.corolocal import local

_current = local()  # one slot per green thread: the worker being run


def set_correlation_id(correlation_id: str | None) -> None:
    _current.correlation_id = correlation_id


def correlation_id() -> str | None:
    return getattr(_current, "correlation_id", None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if correlation_id():
            entry["correlation_id"] = correlation_id()
        for key in ("service", "event_type", "event_id", "attempt", "route", "status"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = "".join(traceback.format_exception_only(*record.exc_info[:2])).strip()
        return json.dumps(entry)

"""Logs are JSON lines carrying the correlation id of the work being done."""
import json
import logging

from shared.logs import JsonFormatter, set_correlation_id


def test_log_line_is_json_with_the_current_correlation_id():
    record = logging.LogRecord("iop", logging.WARNING, __file__, 1, "handler %s failed", ("book",),
                               None)
    record.event_type = "PatientEnrolled"
    set_correlation_id("corr-7")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        set_correlation_id(None)
    assert line["message"] == "handler book failed"
    assert line["correlation_id"] == "corr-7" and line["event_type"] == "PatientEnrolled"
    assert line["level"] == "WARNING" and line["time"].endswith("+00:00")


def test_log_line_without_work_in_progress_has_no_correlation_id():
    record = logging.LogRecord("iop", logging.INFO, __file__, 1, "relay idle", (), None)
    assert "correlation_id" not in json.loads(JsonFormatter().format(record))

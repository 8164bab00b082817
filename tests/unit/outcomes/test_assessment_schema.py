"""POST /assessments bodies: every bad field and item is named at once."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from services.outcomes.schemas import AssessmentIn, OutcomeReportQuery
from shared.problems import flatten_errors


def body(**changes):
    return {"patient_id": str(uuid.uuid4()), "instrument": "phq9", "responses": [0] * 9,
            "administered_at": "2026-03-09T14:00:00+00:00", **changes}


def errors_of(data, schema=AssessmentIn):
    with pytest.raises(ValidationError) as caught:
        schema().load(data)
    return flatten_errors(caught.value.messages)


def test_a_valid_body_loads():
    loaded = AssessmentIn().load(body())

    assert loaded["responses"] == [0] * 9 and loaded["enrollment_id"] is None


def test_an_item_out_of_range_is_named_by_field_and_item():
    errors = errors_of(body(responses=[0, 0, 0, 4, 0, 0, 0, 0, 0]))

    assert list(errors) == ["responses.3"]
    assert "item 4" in errors["responses.3"][0]


def test_item_errors_are_reported_with_other_field_errors():
    errors = errors_of(body(responses=[0] * 8 + [7], administered_at="yesterday"))

    assert set(errors) == {"responses.8", "administered_at"}


def test_wrong_item_count_names_the_field():
    assert "expected 7 items" in errors_of(body(instrument="gad7"))["responses"][0]


def test_an_unknown_instrument_is_refused():
    assert set(errors_of(body(instrument="bdi2"))) == {"instrument"}


def test_a_time_in_the_future_is_refused():
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()

    assert set(errors_of(body(administered_at=later))) == {"administered_at"}


def test_a_time_without_offset_is_refused():
    assert set(errors_of(body(administered_at="2026-03-09T14:00:00"))) == {"administered_at"}


def test_report_period_must_be_in_order():
    assert set(errors_of({"from": "2026-04-01", "to": "2026-03-01"}, OutcomeReportQuery)) == {"to"}

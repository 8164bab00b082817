"""POST /assessments bodies and report queries: every bad field is named at once."""
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


def test_the_answers_are_left_to_the_instrument_and_other_fields_are_still_named():
    # The items are checked against the clinical rules when scored (tests/unit/outcomes/test_recording.py).
    errors = errors_of(body(responses=[0] * 8 + [7], administered_at="yesterday"))

    assert set(errors) == {"administered_at"}


def test_an_id_must_be_a_hyphenated_uuid():
    assert set(errors_of(body(patient_id="0b6f5c1e8a434f0e9d2a6c1f4e2b7a10"))) == {"patient_id"}


def test_an_unknown_instrument_is_refused():
    assert set(errors_of(body(instrument="bdi2"))) == {"instrument"}


def test_a_time_in_the_future_is_refused():
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()

    assert set(errors_of(body(administered_at=later))) == {"administered_at"}


def test_a_time_without_offset_is_refused():
    assert set(errors_of(body(administered_at="2026-03-09T14:00:00"))) == {"administered_at"}


def test_report_period_must_be_in_order():
    assert set(errors_of({"from": "2026-04-01", "to": "2026-03-01"}, OutcomeReportQuery)) == {"to"}

"""Attendance rate and the completion rule (handbook CLINICAL.md, Program)."""
from datetime import date

import pytest

from services.intake.completion import (Attendance, CompletionRefused, check_completion,
                                        meets_completion_rate, tally, weeks_in_program)

REQUIRED = 0.75


def test_excused_absences_leave_the_denominator():
    record = tally(["attended"] * 3 + ["missed"] + ["excused"] * 4)
    assert (record.attended, record.missed, record.excused) == (3, 1, 4)
    assert record.rate == 0.75


def test_no_counted_session_has_no_rate_rather_than_zero():
    assert tally(["excused"]).rate is None
    assert not meets_completion_rate(tally([]), REQUIRED)


def test_rate_at_exactly_the_threshold_allows_completion():
    check_completion(Attendance(attended=6, missed=2, excused=0), REQUIRED, None)


def test_rate_under_the_threshold_refuses_completion_with_the_numbers():
    record = Attendance(attended=5, missed=2, excused=1)
    with pytest.raises(CompletionRefused) as refused:
        check_completion(record, REQUIRED, None)
    assert refused.value.attendance.reported_rate == 0.7143
    assert "75%" in str(refused.value) and "5 of 7" in str(refused.value)


def test_an_override_reason_allows_completion_under_the_threshold():
    check_completion(Attendance(attended=1, missed=3, excused=0), REQUIRED, "medical leave, goals met")


def test_completion_without_any_counted_session_needs_an_override():
    with pytest.raises(CompletionRefused, match="no counted sessions"):
        check_completion(Attendance(0, 0, 2), REQUIRED, None)


@pytest.mark.parametrize("end, weeks", [
    (date(2027, 1, 4), 1), (date(2027, 1, 10), 1), (date(2027, 1, 11), 2),
    (date(2027, 2, 26), 8),  # Friday of the eighth week
])
def test_weeks_in_program_count_started_weeks(end, weeks):
    assert weeks_in_program(date(2027, 1, 4), end) == weeks


def test_a_rate_just_under_the_threshold_does_not_round_up_to_completion():
    record = Attendance(attended=14999, missed=5001, excused=0)  # 0.74995
    assert record.reported_rate == 0.75
    assert not meets_completion_rate(record, REQUIRED)

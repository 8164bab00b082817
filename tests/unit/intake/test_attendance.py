"""Attendance rate and the completion rule (handbook CLINICAL.md, Program)."""
from datetime import date
from types import SimpleNamespace

import pytest

from services.intake.domain.attendance import (Attendance, CompletionRefused, absence_status,
                                               meets_completion_rate, tally, weeks_in_program)
from services.intake.domain.enrollments import DISCHARGED, discharge

REQUIRED = 0.75


def active_enrollment():
    """An enrollment as the domain sees it: attributes only (an ORM record in the service)."""
    return SimpleNamespace(status="active", start_date=date(2027, 1, 4), discharged_on=None,
                           discharge_reason=None, discharge_attendance_rate=None,
                           override_reason=None)


def complete(record: Attendance, override_reason=None):
    enrollment = active_enrollment()
    discharge(enrollment, "completed", date(2027, 2, 26), override_reason, record, REQUIRED)
    return enrollment


def test_excused_absences_leave_the_denominator():
    record = tally(["attended"] * 3 + ["absent"] + ["excused"] * 4)
    assert (record.attended, record.absent, record.excused) == (3, 1, 4)
    assert record.rate == 0.75


def test_an_absence_is_excused_or_absent_in_the_platform_vocabulary():
    assert (absence_status(True), absence_status(False)) == ("excused", "absent")


def test_no_counted_session_has_no_rate_rather_than_zero():
    assert tally(["excused"]).rate is None
    assert not meets_completion_rate(tally([]), REQUIRED)


def test_rate_at_exactly_the_threshold_completes_the_enrollment():
    enrollment = complete(Attendance(attended=6, absent=2, excused=0))
    assert (enrollment.status, enrollment.discharge_reason) == (DISCHARGED, "completed")
    assert enrollment.discharge_attendance_rate == 0.75


def test_rate_under_the_threshold_refuses_completion_with_the_numbers():
    record = Attendance(attended=5, absent=2, excused=1)
    with pytest.raises(CompletionRefused) as refused:
        complete(record)
    assert refused.value.attendance.reported_rate == 0.7143
    assert "at least 75 %; it is 71.4 %" in str(refused.value) and "5 of 7" in str(refused.value)
    assert refused.value.extra == {"attendance_rate": 0.7143, "attended": 5,
                                   "counted_sessions": 7, "required_rate": REQUIRED}
    assert refused.value.errors == {"reason": [str(refused.value)]}


def test_an_override_reason_completes_under_the_threshold_and_is_kept():
    enrollment = complete(Attendance(attended=1, absent=3, excused=0), "medical leave, goals met")
    assert (enrollment.status, enrollment.discharge_reason) == (DISCHARGED, "completed")
    assert enrollment.override_reason == "medical leave, goals met"
    assert enrollment.discharge_attendance_rate == 0.25


def test_completion_without_any_counted_session_needs_an_override():
    with pytest.raises(CompletionRefused, match="no counted sessions"):
        complete(Attendance(0, 0, 2))


@pytest.mark.parametrize("end, weeks", [
    (date(2027, 1, 4), 1), (date(2027, 1, 10), 1), (date(2027, 1, 11), 2),
    (date(2027, 2, 26), 8),  # Friday of the eighth week
])
def test_weeks_in_program_count_started_weeks(end, weeks):
    assert weeks_in_program(date(2027, 1, 4), end) == weeks


def test_a_rate_just_under_the_threshold_does_not_round_up_to_completion():
    record = Attendance(attended=14999, absent=5001, excused=0)  # 0.74995
    assert record.reported_rate == 0.75
    assert not meets_completion_rate(record, REQUIRED)


@pytest.mark.parametrize("attended, absent, shown", [
    (149, 51, "74.5 %"),     # 74.5 %: not rounded up to "75 %"
    (1499, 501, "74.9 %"),   # 74.95 %: one decimal, rounded down, never "75.0 %"
    (2, 1, "66.6 %"),        # 66.67 %
])
def test_the_completion_refusal_shows_the_rate_to_one_decimal(attended, absent, shown):
    with pytest.raises(CompletionRefused) as refused:
        complete(Attendance(attended=attended, absent=absent, excused=0))
    assert f"it is {shown} ({attended} of {attended + absent} sessions)" in str(refused.value)
    assert "75.0 %" not in str(refused.value) and "it is 75 %" not in str(refused.value)

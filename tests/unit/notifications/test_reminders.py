"""Session reminders on the site's wall clock, DST and quiet hours (handbook CLINICAL.md, Notifications)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.reminders import (SKIPPED_QUIET_HOURS, SKIPPED_WINDOW_PASSED,
                                              aftercare_checkin_time, patient_message_time,
                                              plan_reminders)
from shared.clinical import load_clinical_rules

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
RULES = load_clinical_rules()["notifications"]
LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


def planned(starts_at, zone=NEW_YORK, now=LONG_AGO):
    return {p.hours_before: p for p in plan_reminders(starts_at, zone, now, RULES)}


def test_reminders_go_24_and_2_hours_before_on_the_local_clock():
    reminders = planned(local(NEW_YORK, 2026, 12, 9, 14, 0))

    assert reminders[24].send_at == local(NEW_YORK, 2026, 12, 8, 14, 0)
    assert reminders[2].send_at == local(NEW_YORK, 2026, 12, 9, 12, 0)
    assert all(p.send_at.tzinfo == timezone.utc for p in reminders.values())


def test_nine_oclock_session_gets_its_two_hour_reminder_when_quiet_hours_end():
    reminders = planned(local(NEW_YORK, 2026, 12, 9, 9, 0))

    assert reminders[2].send_at == local(NEW_YORK, 2026, 12, 9, 8, 0)
    assert reminders[24].send_at == local(NEW_YORK, 2026, 12, 8, 9, 0)


def test_eight_oclock_session_skips_its_two_hour_reminder():
    reminders = planned(local(NEW_YORK, 2026, 12, 9, 8, 0))

    assert reminders[2].send_at is None and reminders[2].skipped == SKIPPED_QUIET_HOURS
    assert reminders[2].due_at == local(NEW_YORK, 2026, 12, 9, 6, 0)
    assert reminders[24].send_at == local(NEW_YORK, 2026, 12, 8, 8, 0)


def test_reminder_due_at_half_past_nine_in_the_evening_goes_at_eight_when_the_session_is_later():
    reminders = planned(local(NEW_YORK, 2026, 12, 9, 21, 30))  # 24 h before: 21:30 the evening before

    assert reminders[24].send_at == local(NEW_YORK, 2026, 12, 9, 8, 0)


def test_reminder_due_at_half_past_nine_in_the_evening_is_skipped_when_the_session_comes_first():
    reminders = planned(local(NEW_YORK, 2026, 12, 9, 23, 30))  # 2 h before: 21:30 that evening

    assert reminders[2].send_at is None and reminders[2].skipped == SKIPPED_QUIET_HOURS
    assert reminders[24].send_at == local(NEW_YORK, 2026, 12, 9, 8, 0)  # 23:30 the day before → 08:00


def test_reminder_the_day_before_spring_forward_is_23_real_hours_earlier():
    starts_at = local(NEW_YORK, 2026, 3, 8, 10, 0)  # the first morning of daylight time

    reminder = planned(starts_at)[24]

    assert reminder.send_at == local(NEW_YORK, 2026, 3, 7, 10, 0)
    assert starts_at - reminder.send_at == timedelta(hours=23)


def test_reminder_the_day_before_fall_back_is_25_real_hours_earlier():
    starts_at = local(NEW_YORK, 2026, 11, 1, 10, 0)  # the first morning of standard time

    reminder = planned(starts_at)[24]

    assert reminder.send_at == local(NEW_YORK, 2026, 10, 31, 10, 0)
    assert starts_at - reminder.send_at == timedelta(hours=25)


def test_quiet_hours_end_at_eight_local_on_the_morning_clocks_spring_forward():
    # 2 h before 09:00 is 07:00 on the clock (quiet); 08:00 EDT is 12:00 UTC that day.
    reminders = planned(local(NEW_YORK, 2026, 3, 8, 9, 0))

    assert reminders[2].send_at == datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)


def test_quiet_hours_follow_each_sites_own_zone():
    starts_at = datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc)  # 10:00 New York, 09:00 Chicago

    assert planned(starts_at, NEW_YORK)[2].send_at == local(NEW_YORK, 2026, 12, 9, 8, 0)
    assert planned(starts_at, CHICAGO)[2].send_at == local(CHICAGO, 2026, 12, 9, 8, 0)


def test_past_session_gets_no_reminders():
    starts_at = local(NEW_YORK, 2026, 12, 9, 14, 0)

    assert plan_reminders(starts_at, NEW_YORK, starts_at, RULES) == []
    assert plan_reminders(starts_at, NEW_YORK, starts_at + timedelta(days=1), RULES) == []


def test_session_booked_inside_a_reminder_window_skips_that_reminder_only():
    starts_at = local(NEW_YORK, 2026, 12, 9, 14, 0)
    booked = starts_at - timedelta(hours=5)

    reminders = planned(starts_at, now=booked)

    assert reminders[24].skipped == SKIPPED_WINDOW_PASSED
    assert reminders[2].send_at == local(NEW_YORK, 2026, 12, 9, 12, 0)


@pytest.mark.parametrize("at, expected", [
    (local(NEW_YORK, 2026, 12, 9, 23, 10), local(NEW_YORK, 2026, 12, 10, 8, 0)),
    (local(NEW_YORK, 2026, 12, 9, 6, 0), local(NEW_YORK, 2026, 12, 9, 8, 0)),
    (local(NEW_YORK, 2026, 12, 9, 21, 0), local(NEW_YORK, 2026, 12, 10, 8, 0)),
    (local(NEW_YORK, 2026, 12, 9, 20, 59), local(NEW_YORK, 2026, 12, 9, 20, 59)),
    (local(NEW_YORK, 2026, 12, 9, 8, 0), local(NEW_YORK, 2026, 12, 9, 8, 0)),
])
def test_patient_messages_wait_for_the_end_of_quiet_hours(at, expected):
    assert patient_message_time(at, NEW_YORK, RULES) == expected


def test_aftercare_checkin_is_thirty_days_after_completion_on_the_same_wall_clock():
    completed_at = local(NEW_YORK, 2026, 10, 20, 15, 0)  # daylight time; the check-in falls in standard time

    checkin = aftercare_checkin_time(date(2026, 10, 20), completed_at, NEW_YORK, RULES)

    assert checkin == local(NEW_YORK, 2026, 11, 19, 15, 0)


def test_aftercare_checkin_recorded_late_in_the_evening_goes_next_morning():
    completed_at = local(NEW_YORK, 2026, 10, 20, 22, 0)

    checkin = aftercare_checkin_time(date(2026, 10, 20), completed_at, NEW_YORK, RULES)

    assert checkin == local(NEW_YORK, 2026, 11, 20, 8, 0)

"""Occurrences keep their local wall-clock time across both DST changes, in two time zones."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.occurrences import iso_week, weekly_occurrences

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
UTC = timezone.utc
MONDAY = 0


@pytest.mark.parametrize("zone, before_utc_hour, after_utc_hour", [
    (NEW_YORK, 14, 13),      # EST (-5) before 8 March 2026, EDT (-4) after
    (LOS_ANGELES, 17, 16),   # PST (-8), then PDT (-7)
])
def test_monday_nine_stays_nine_local_across_spring_forward(zone, before_utc_hour, after_utc_hour):
    found = weekly_occurrences([MONDAY], "09:00", 180, date(2026, 3, 2), date(2026, 3, 9), zone)

    assert [o.starts_at for o in found] == [
        datetime(2026, 3, 2, before_utc_hour, tzinfo=UTC),
        datetime(2026, 3, 9, after_utc_hour, tzinfo=UTC)]
    assert all(o.starts_at.astimezone(zone).hour == 9 for o in found)
    assert all((o.ends_at - o.starts_at).total_seconds() == 3 * 3600 for o in found)


@pytest.mark.parametrize("zone, before_utc_hour, after_utc_hour", [
    (NEW_YORK, 13, 14),      # EDT before 1 November 2026, EST after
    (LOS_ANGELES, 16, 17),
])
def test_monday_nine_stays_nine_local_across_fall_back(zone, before_utc_hour, after_utc_hour):
    found = weekly_occurrences([MONDAY], "09:00", 60, date(2026, 10, 26), date(2026, 11, 2), zone)

    assert [o.starts_at for o in found] == [
        datetime(2026, 10, 26, before_utc_hour, tzinfo=UTC),
        datetime(2026, 11, 2, after_utc_hour, tzinfo=UTC)]
    assert all(o.starts_at.astimezone(zone).strftime("%a %H:%M") == "Mon 09:00" for o in found)


def test_occurrences_fall_only_on_the_series_weekdays_within_its_dates():
    found = weekly_occurrences([0, 2, 4], "17:30", 180, date(2026, 3, 4), date(2026, 3, 13), NEW_YORK)

    local = [o.starts_at.astimezone(NEW_YORK) for o in found]
    assert [d.strftime("%a %d") for d in local] == ["Wed 04", "Fri 06", "Mon 09", "Wed 11", "Fri 13"]
    assert {d.strftime("%H:%M") for d in local} == {"17:30"}


def test_a_session_on_the_fall_back_night_is_counted_in_the_local_week():
    late_sunday_utc = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)  # Sunday 23:30 in New York

    assert iso_week(late_sunday_utc, NEW_YORK) == "2026-W44"
    assert iso_week(late_sunday_utc, ZoneInfo("UTC")) == "2026-W45"

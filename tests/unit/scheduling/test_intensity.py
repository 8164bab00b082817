"""Booked hours per ISO week against the plan and the IOP minimum."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.scheduling.domain.intensity import minimum_weekly_hours, program_weeks, weekly_intensity
from services.scheduling.domain.occurrences import Occurrence

NEW_YORK = ZoneInfo("America/New_York")


def session(day: int, hours: float, month: int = 3) -> Occurrence:
    starts = datetime(2026, month, day, 14, tzinfo=timezone.utc)
    return Occurrence(starts, starts + timedelta(hours=hours))


def test_minimum_is_the_given_rules_figure_for_the_age_band():
    program = {"intensity": {"min_weekly_hours": {"adult": 9.5, "adolescent": 6}}}
    assert minimum_weekly_hours("adult", program) == 9.5
    assert minimum_weekly_hours("adolescent", program) == 6.0


def test_program_weeks_are_the_iso_weeks_of_its_days():
    assert program_weeks(date(2026, 3, 4), 2) == ["2026-W10", "2026-W11", "2026-W12"]


def test_weeks_below_the_minimum_or_the_plan_are_flagged():
    sessions = [session(2, 3), session(4, 3), session(6, 3), session(6, 1),   # W10: 10 h
                session(9, 3), session(11, 3), session(12, 1)]                # W11: 7 h
    weeks = weekly_intensity(sessions, NEW_YORK, ["2026-W10", "2026-W11", "2026-W12"],
                             planned_hours=10.0, minimum_hours=9.0)

    assert [(w["week"], w["booked_hours"], w["under_plan"], w["under_minimum"]) for w in weeks] == [
        ("2026-W10", 10.0, False, False),
        ("2026-W11", 7.0, True, True),
        ("2026-W12", 0.0, True, True)]


def test_an_adolescent_week_of_six_hours_meets_the_minimum():
    weeks = weekly_intensity([session(2, 3), session(4, 3)], NEW_YORK, ["2026-W10"],
                             planned_hours=6.0, minimum_hours=6.0)
    assert weeks[0]["under_minimum"] is False and weeks[0]["booked_hours"] == 6.0

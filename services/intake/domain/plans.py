"""Treatment plans: weekly hours, the age band, and the IOP intensity a plan must reach.

The thresholds come from `program` in the clinical rules (handbook CLINICAL.md, Program), the
length of a plan's month from `calendar.weeks_per_month` (the one scheduling books by).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.errors import InvalidFields

# Plan field → the session kind whose duration it uses. The weekly counts are booked every week;
# the monthly one is spread over each month (calendar.weeks_per_month program weeks).
WEEKLY_SESSIONS = {
    "group_sessions_per_week": "group",
    "individual_sessions_per_week": "individual",
    "education_sessions_per_week": "education",
}
MONTHLY_SESSIONS = {"family_sessions_per_month": "family"}
PLAN_SESSIONS = {**WEEKLY_SESSIONS, **MONTHLY_SESSIONS}
PLAN_FIELDS = tuple(PLAN_SESSIONS)


class PlanOutsideIntensity(InvalidFields):
    """A plan whose lightest week is under the IOP minimum, or whose heaviest week is at the
    partial-hospitalization level; the answer shows the numbers."""

    def __init__(self, message: str, *, weekly_hours: float, lightest_week_hours: float,
                 heaviest_week_hours: float, minimum: float, maximum: float, age_band: str):
        super().__init__({"plan": [message]}, message, weekly_hours=weekly_hours,
                         lightest_week_hours=lightest_week_hours,
                         heaviest_week_hours=heaviest_week_hours,
                         minimum_weekly_hours=minimum,
                         partial_hospitalization_weekly_hours=maximum, age_band=age_band)
        self.weekly_hours = weekly_hours
        self.lightest_week_hours = lightest_week_hours
        self.heaviest_week_hours = heaviest_week_hours
        self.minimum_weekly_hours = minimum
        self.maximum_weekly_hours = maximum
        self.age_band = age_band


@dataclass(frozen=True)
class Intensity:
    weekly_hours: float          # the average week of a month
    lightest_week_hours: float   # a week without the monthly sessions (when not every week has one)
    heaviest_week_hours: float   # a week with one
    minimum: float
    maximum: float  # exclusive: from here it is partial hospitalization
    age_band: str


def session_minutes(defaults: Mapping[str, int], site: Mapping | None) -> dict[str, int]:
    """The site's session durations: its own `session_minutes` over the network's defaults."""
    return {**defaults, **((site or {}).get("session_minutes") or {})}


def family_sessions_max(program: Mapping, calendar: Mapping) -> int:
    """The most family sessions a month the scheduler books: one month of weeks at the weekly cap."""
    return calendar["weeks_per_month"] * program["family_sessions_max_per_week"]


def check_plan_counts(plan: Mapping[str, int], program: Mapping, calendar: Mapping) -> None:
    """A family-session count the scheduler cannot book is refused, as a range check on the field."""
    most = family_sessions_max(program, calendar)
    if plan["family_sessions_per_month"] > most:
        raise InvalidFields({"plan.family_sessions_per_month": [
            f"Must be greater than or equal to 0 and less than or equal to {most}."]})


def _minutes(plan: Mapping[str, int], minutes: Mapping[str, int], monthly_share) -> float:
    weekly = sum(plan[field] * minutes[kind] for field, kind in WEEKLY_SESSIONS.items())
    return weekly + sum(monthly_share(plan[field]) * minutes[kind]
                        for field, kind in MONTHLY_SESSIONS.items())


def weekly_hours(plan: Mapping[str, int], minutes: Mapping[str, int], weeks_per_month: int) -> float:
    """Sum over modalities of sessions a week × duration; n sessions a month count n ÷
    weeks_per_month a week, as the scheduler books n in every month of that many weeks."""
    return round(_minutes(plan, minutes, lambda n: n / weeks_per_month) / 60, 2)


def week_hours(plan: Mapping[str, int], minutes: Mapping[str, int],
               weeks_per_month: int) -> tuple[float, float]:
    """The lightest and the heaviest week the scheduler books for the plan: the monthly sessions
    are spread evenly, so a week holds ⌊n ÷ weeks⌋ or ⌈n ÷ weeks⌉ of them."""
    lightest = _minutes(plan, minutes, lambda n: n // weeks_per_month)
    heaviest = _minutes(plan, minutes, lambda n: -(-n // weeks_per_month))
    return round(lightest / 60, 2), round(heaviest / 60, 2)


def age_on(birth_date: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def age_band(birth_date: date, start_date: date, adolescent_age_under: int) -> str:
    """Judged once, at enrollment: on the program's start date (handbook CLINICAL.md, "under 18
    at enrollment"), whatever the age at referral; a patient turning 18 during the program stays
    adolescent."""
    return "adolescent" if age_on(birth_date, start_date) < adolescent_age_under else "adult"


def check_intensity(plan: Mapping[str, int], minutes: Mapping[str, int], band: str,
                    intensity: Mapping, weeks_per_month: int) -> Intensity:
    """The plan's hours if every week it books is within IOP intensity for the age band: the
    lightest week reaches the minimum, the heaviest stays under partial hospitalization."""
    hours = weekly_hours(plan, minutes, weeks_per_month)
    lightest, heaviest = week_hours(plan, minutes, weeks_per_month)
    minimum = float(intensity["min_weekly_hours"][band])
    maximum = float(intensity["partial_hospitalization_weekly_hours"])
    limits = dict(weekly_hours=hours, lightest_week_hours=lightest, heaviest_week_hours=heaviest,
                  minimum=minimum, maximum=maximum, age_band=band)
    if lightest < minimum:
        week = "a week" if lightest == hours else "in a week without a family session"
        raise PlanOutsideIntensity(
            f"The plan gives {lightest:g} hours {week}; IOP needs at least {minimum:g} a week "
            f"for an {band}.", **limits)
    if heaviest >= maximum:
        week = "a week" if heaviest == hours else "in a week with a family session"
        raise PlanOutsideIntensity(
            f"The plan gives {heaviest:g} hours {week}; {maximum:g} or more a week is partial "
            "hospitalization, not IOP.", **limits)
    return Intensity(**limits)


def check_planned_weeks(weeks: int, bounds: Mapping[str, int]) -> int:
    """Weeks within `program.planned_weeks`; the message is the one a range check on the field
    gives, so the answer reads as it did when the schema held the range."""
    if not bounds["min"] <= weeks <= bounds["max"]:
        raise InvalidFields({"planned_weeks": [
            f"Must be greater than or equal to {bounds['min']} and less than or equal to "
            f"{bounds['max']}."]})
    return weeks


def plan_of(version) -> dict:
    """The plan fields of a stored plan version."""
    return {field: getattr(version, field) for field in PLAN_FIELDS}

"""Treatment plans: weekly hours, the age band, and the IOP intensity a plan must reach.

The thresholds come from `program` in the clinical rules (handbook CLINICAL.md, Program).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.errors import InvalidFields

# Plan field → the session kind whose duration it uses, and how many of them make one a week.
WEEKS_PER_MONTH = 52 / 12
PLAN_SESSIONS = {
    "group_sessions_per_week": ("group", 1),
    "individual_sessions_per_week": ("individual", 1),
    "education_sessions_per_week": ("education", 1),
    "family_sessions_per_month": ("family", WEEKS_PER_MONTH),
}
PLAN_FIELDS = tuple(PLAN_SESSIONS)


class PlanOutsideIntensity(InvalidFields):
    """A plan under the IOP minimum, or at the partial-hospitalization level; the answer shows
    the numbers."""

    def __init__(self, message: str, *, weekly_hours: float, minimum: float, maximum: float,
                 age_band: str):
        super().__init__({"plan": [message]}, message, weekly_hours=weekly_hours,
                         minimum_weekly_hours=minimum,
                         partial_hospitalization_weekly_hours=maximum, age_band=age_band)
        self.weekly_hours = weekly_hours
        self.minimum_weekly_hours = minimum
        self.maximum_weekly_hours = maximum
        self.age_band = age_band


@dataclass(frozen=True)
class Intensity:
    weekly_hours: float
    minimum: float
    maximum: float  # exclusive: from here it is partial hospitalization
    age_band: str


def session_minutes(defaults: Mapping[str, int], site: Mapping | None) -> dict[str, int]:
    """The site's session durations: its own `session_minutes` over the network's defaults."""
    return {**defaults, **((site or {}).get("session_minutes") or {})}


def weekly_hours(plan: Mapping[str, int], minutes: Mapping[str, int]) -> float:
    """Sum over modalities of sessions a week × duration (family sessions are per month)."""
    total = sum(plan[field] * minutes[kind] / per_week
                for field, (kind, per_week) in PLAN_SESSIONS.items())
    return round(total / 60, 2)


def age_on(birth_date: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def age_band(birth_date: date, start_date: date, adolescent_age_under: int) -> str:
    """Judged once, at the start date: a patient turning 18 during the program stays adolescent."""
    return "adolescent" if age_on(birth_date, start_date) < adolescent_age_under else "adult"


def check_intensity(plan: Mapping[str, int], minutes: Mapping[str, int], band: str,
                    intensity: Mapping) -> Intensity:
    """The plan's weekly hours if they are within IOP intensity for the age band, else refused."""
    hours = weekly_hours(plan, minutes)
    minimum = float(intensity["min_weekly_hours"][band])
    maximum = float(intensity["partial_hospitalization_weekly_hours"])
    limits = dict(weekly_hours=hours, minimum=minimum, maximum=maximum, age_band=band)
    if hours < minimum:
        raise PlanOutsideIntensity(
            f"The plan gives {hours:g} hours a week; IOP needs at least {minimum:g} for an {band}.",
            **limits)
    if hours >= maximum:
        raise PlanOutsideIntensity(
            f"The plan gives {hours:g} hours a week; {maximum:g} or more is partial "
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

"""Weekly intensity: booked hours per ISO week of the program against the plan and the IOP minimum."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.domain.occurrences import Occurrence, iso_week


def minimum_weekly_hours(age_band: str, program_rules: dict) -> float:
    """ASAM 2.1 / SAMHSA TIP 47 minimum (clinical.yaml ``program.intensity.min_weekly_hours``)."""
    return float(program_rules["intensity"]["min_weekly_hours"][age_band])


def program_weeks(start: date, planned_weeks: int) -> list[str]:
    """The ISO weeks the program's days fall in, in order."""
    weeks: list[str] = []
    for n in range(planned_weeks * 7):
        year, week, _ = (start + timedelta(days=n)).isocalendar()
        label = f"{year}-W{week:02d}"
        if label not in weeks:
            weeks.append(label)
    return weeks


def weekly_intensity(sessions: list[Occurrence], zone: ZoneInfo, weeks: list[str],
                     planned_hours: float, minimum_hours: float) -> list[dict]:
    """Per program week: booked hours, and whether they fall short of the plan or the minimum."""
    booked: dict[str, float] = defaultdict(float)
    for session in sessions:
        booked[iso_week(session.starts_at, zone)] += (
            session.ends_at - session.starts_at).total_seconds() / 3600
    return [{"week": week, "booked_hours": round(booked[week], 2), "planned_hours": planned_hours,
             "under_plan": booked[week] + 1e-9 < planned_hours,
             "under_minimum": booked[week] + 1e-9 < minimum_hours}
            for week in weeks]

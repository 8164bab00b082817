"""An enrollment's program: its period in the site's local time and what its plan books each week."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.domain.errors import UnknownSite
from services.scheduling.domain.occurrences import start_of_local_day

# The plan's weekly count for each kind of series.
SERIES_PLAN = {"group": "group_sessions_per_week", "education": "education_sessions_per_week"}
# Appointments with a therapist: their modality and the plan's count.
APPOINTMENTS = {"individual": ("individual_therapy", "individual_sessions_per_week"),
                "family": ("family_therapy", "family_sessions_per_month")}


@dataclass(frozen=True)
class BookingContext:
    """What a booking decision needs besides the records."""

    now: datetime
    zones: Mapping[str, ZoneInfo]  # each configured site's IANA zone
    program: Mapping  # clinical.yaml `program`
    calendar: Mapping  # clinical.yaml `calendar` (the length of a plan's month)
    sites: Mapping = field(default_factory=dict)  # SITES configuration (own session durations)
    # Late entry: a new enrollment books from its start date, sessions already held included.
    book_past: bool = False

    def zone(self, site_id: str) -> ZoneInfo:
        if site_id not in self.zones:
            raise UnknownSite(f"Site '{site_id}' is not configured here.")
        return self.zones[site_id]

    def session_minutes(self, site_id: str, kind: str) -> int:
        """The site's duration of an appointment kind: its own `session_minutes` over the
        network's (`program.session_minutes`), as intake counts the plan's hours."""
        own = (self.sites.get(site_id) or {}).get("session_minutes") or {}
        return own.get(kind, self.program["session_minutes"][kind])


def program_end(enrollment, zone: ZoneInfo) -> datetime:
    """The first instant after the planned period, at the site's local midnight."""
    last_day = enrollment.start_date + timedelta(days=7 * enrollment.planned_weeks)
    return start_of_local_day(last_day, zone)


def bookable_from(enrollment, now: datetime, zone: ZoneInfo, book_past: bool = False) -> datetime:
    """Sessions are booked from the program's first day, or from now once it is running; an
    enrollment entered late (``book_past``) is booked from its first day all the same, so the
    attendance of the sessions already held can be recorded."""
    first_day = start_of_local_day(enrollment.start_date, zone)
    return first_day if book_past else max(now, first_day)


def program_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def family_weeks(planned_weeks: int, per_month: int, weeks_per_month: int,
                 max_per_week: int) -> list[int]:
    """The program weeks (0-based) holding a family session: the month's count spread evenly
    over each month of ``weeks_per_month`` weeks, at most ``max_per_week`` a week (clinical.yaml
    `calendar.weeks_per_month`, `program.family_sessions_max_per_week`; one weekly slot is
    booked in each of these weeks)."""
    per_month = min(per_month, weeks_per_month * max_per_week)
    if per_month <= 0:
        return []
    offsets = {round(i * weeks_per_month / per_month) for i in range(per_month)}
    return [w for w in range(planned_weeks) if w % weeks_per_month in offsets]


def family_days(start: date, planned_weeks: int, per_month: int, weeks_per_month: int,
                max_per_week: int) -> list[date]:
    """The days of the program weeks that hold a family session."""
    return [start + timedelta(days=7 * w + d)
            for w in family_weeks(planned_weeks, per_month, weeks_per_month, max_per_week)
            for d in range(7)]


def appointment_days(enrollment, kind: str, program: Mapping, calendar: Mapping) -> list[date]:
    """The days an individual or family appointment may fall on."""
    if kind == "family":
        return family_days(enrollment.start_date, enrollment.planned_weeks,
                           enrollment.plan["family_sessions_per_month"],
                           calendar["weeks_per_month"], program["family_sessions_max_per_week"])
    return program_days(enrollment.start_date,
                        enrollment.start_date + timedelta(days=7 * enrollment.planned_weeks - 1))


def weekly_appointments(plan: Mapping, kind: str, program: Mapping) -> int:
    """Weekly slots to book: the plan's count for individual sessions; for family ones the weekly
    cap (`program.family_sessions_max_per_week`; their weeks come from family_weeks)."""
    count = plan[APPOINTMENTS[kind][1]]
    return count if kind == "individual" else min(count, program["family_sessions_max_per_week"])

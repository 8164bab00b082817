"""A group or education series: who may lead it, how many it holds, when it meets."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from shared.errors import InvalidFields
from services.scheduling.domain.occurrences import Occurrence, weekly_occurrences

LEADING_ROLES = {"facilitator", "therapist"}


def check_capacity(kind: str, capacity: int, program: Mapping) -> None:
    """CPT 90853: group psychotherapy holds at most ``program.group_capacity_max`` (clinical.yaml)."""
    limit = program["group_capacity_max"]
    if kind == "group" and capacity > limit:
        raise InvalidFields({"capacity": [f"Group psychotherapy holds at most {limit} participants."]})


def check_facilitator(staff, site_id: str) -> None:
    """The series is led by staff of its own site who facilitate or treat."""
    if staff is None or staff.site_id != site_id:
        raise InvalidFields({"facilitator_id": ["No staff member with this id at this site."]})
    if not LEADING_ROLES & set(staff.roles):
        raise InvalidFields({"facilitator_id": ["Needs the facilitator or therapist role."]})


def check_span(starts_on: date, ends_on: date | None, horizon_weeks: int) -> None:
    """A series spans at most the horizon (config SERIES.horizon_weeks): every occurrence is
    created up front, so a longer one would be unbounded work in one request."""
    if ends_on is not None and ends_on - starts_on > timedelta(weeks=horizon_weeks):
        raise InvalidFields({"ends_on": [
            f"A series spans at most {horizon_weeks} weeks; start another one after it."]})


def series_occurrences(weekdays, start_time: str, duration_minutes: int, starts_on: date,
                       ends_on: date | None, zone: ZoneInfo, horizon_weeks: int) -> list[Occurrence]:
    """Every occurrence, generated in local time: through ``ends_on`` or the horizon ahead."""
    last_day = ends_on or starts_on + timedelta(weeks=horizon_weeks)
    return weekly_occurrences(weekdays, start_time, duration_minutes, starts_on, last_day, zone)

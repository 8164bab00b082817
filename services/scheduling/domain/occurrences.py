"""Recurring local times → UTC instants.

A weekly 09:00 group in New York meets at 09:00 New York time whatever the UTC offset of the
day: each occurrence is built in local time first and converted one by one, never by adding a
fixed UTC interval. A local time that does not exist (the spring-forward gap) resolves to the
instant zoneinfo gives it with ``fold=0``, i.e. an hour later on the wall clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # aware UTC
    ends_at: datetime


def overlaps(a: Occurrence, b: Occurrence) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def clashes(candidates, busy) -> bool:
    return any(overlaps(c, b) for c in candidates for b in busy)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def weekly_occurrences(weekdays, start_time: str, duration_minutes: int, starts_on: date,
                       ends_on: date, zone: ZoneInfo) -> list[Occurrence]:
    """Every occurrence on ``weekdays`` (0 = Monday) from ``starts_on`` to ``ends_on`` inclusive."""
    at = parse_hhmm(start_time)
    wanted = set(weekdays)
    found = []
    day = starts_on
    while day <= ends_on:
        if day.weekday() in wanted:
            starts_at = local_to_utc(day, at, zone)
            found.append(Occurrence(starts_at, starts_at + timedelta(minutes=duration_minutes)))
        day += timedelta(days=1)
    return found


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def iso_week(instant: datetime, zone: ZoneInfo) -> str:
    """The ISO week of the instant's local date, e.g. ``2026-W11``."""
    year, week, _ = local_day(instant, zone).isocalendar()
    return f"{year}-W{week:02d}"


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return local_to_utc(day, time(0, 0), zone)

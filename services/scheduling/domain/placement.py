"""Placing a patient for a treatment plan: which series to join, which therapist and weekly slots.

Plain rules over plain values; the caller loads the options from the database and books what
these functions choose.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.domain.occurrences import Occurrence, clashes, local_to_utc



@dataclass(frozen=True)
class SeriesOption:
    series_id: str
    modality: str
    weekly_sessions: int
    occurrences: tuple[Occurrence, ...]  # those inside the patient's period
    has_seat: bool


@dataclass(frozen=True)
class SeriesChoice:
    join: list[str]
    waitlist: list[str]
    unmet_per_week: int


@dataclass(frozen=True)
class TherapistOption:
    staff_id: str
    languages: tuple[str, ...]
    caseload: int
    max_caseload: int
    windows: tuple[tuple[int, time, time], ...]  # (weekday, start, end), site local time
    busy: tuple[Occurrence, ...]  # the therapist's booked sessions


@dataclass(frozen=True)
class Slot:
    weekday: int
    at: time
    occurrences: tuple[Occurrence, ...]


@dataclass(frozen=True)
class TherapistChoice:
    staff_id: str
    slots: list[Slot]


def core_modality_first(track: str, options: list[SeriesOption],
                        core_group: Mapping[str, str]) -> list[SeriesOption]:
    """The track's core group first (clinical.yaml `program.core_group`; handbook CLINICAL.md)."""
    core = core_group.get(track)
    return sorted(options, key=lambda o: o.modality != core)  # stable: keeps the caller's order


def choose_series(options: list[SeriesOption], per_week: int, busy) -> SeriesChoice:
    """Join series until ``per_week`` sessions a week are met, never clashing with ``busy``.

    Bigger series first (fewer groups to attend), never beyond the plan's count. Full series
    that would fit are waitlisted for what open series could not cover.
    """
    busy = list(busy)
    remaining = per_week
    join, full = [], []
    for option in sorted(options, key=lambda o: -o.weekly_sessions):
        if remaining <= 0:
            break
        if option.weekly_sessions > remaining or not option.occurrences:
            continue
        if clashes(option.occurrences, busy):
            continue
        if option.has_seat:
            join.append(option.series_id)
            busy.extend(option.occurrences)
            remaining -= option.weekly_sessions
        else:
            full.append(option)
    waitlist = []
    for option in full:
        if option.weekly_sessions <= remaining and not clashes(option.occurrences, busy):
            waitlist.append(option.series_id)
            busy.extend(option.occurrences)
            remaining -= option.weekly_sessions
    return SeriesChoice(join, waitlist, max(remaining, 0))


def speaks(languages, preferred: str) -> bool:
    """BCP 47 match on the primary language: a therapist speaking `es` serves `es-MX`."""
    wanted = preferred.lower().split("-")[0]
    return any(lang.lower().split("-")[0] == wanted for lang in languages)


def therapists_in_order(options: list[TherapistOption], language: str,
                        current: str | None = None) -> list[TherapistOption]:
    """The patient's current therapist first, then those speaking their language, then the least loaded."""
    open_ = [o for o in options if o.staff_id == current or o.caseload < o.max_caseload]
    return sorted(open_, key=lambda o: (o.staff_id != current, not speaks(o.languages, language),
                                        o.caseload, o.staff_id))


def appointment_times(start: time, end: time, minutes: int, step_minutes: int) -> list[time]:
    """Start times in the window, every ``step_minutes`` (clinical.yaml
    `calendar.appointment_step_minutes`), for an appointment of ``minutes``."""
    times, at = [], datetime.combine(date.min, start)
    last = datetime.combine(date.min, end) - timedelta(minutes=minutes)
    while at <= last:
        times.append(at.time())
        at += timedelta(minutes=step_minutes)
    return times


def weekly_slots(windows, days: list[date], count: int, minutes: int, zone: ZoneInfo,
                 busy, not_before: datetime, step_minutes: int) -> list[Slot] | None:
    """``count`` weekly slots on distinct weekdays, free on every one of ``days`` they fall on."""
    busy = list(busy)
    chosen: list[Slot] = []
    for weekday, start, end in sorted(windows):
        if len(chosen) == count:
            break
        if any(slot.weekday == weekday for slot in chosen):
            continue
        for at in appointment_times(start, end, minutes, step_minutes):
            occurrences = tuple(
                Occurrence(s, s + timedelta(minutes=minutes))
                for s in (local_to_utc(d, at, zone) for d in days if d.weekday() == weekday)
                if s >= not_before)
            if not occurrences:
                break
            if not clashes(occurrences, busy):
                chosen.append(Slot(weekday, at, occurrences))
                busy.extend(occurrences)
                break
    return chosen if len(chosen) == count else None


def choose_therapist(options: list[TherapistOption], language: str, days: list[date], count: int,
                     minutes: int, zone: ZoneInfo, patient_busy, not_before: datetime,
                     current: str | None = None, *, step_minutes: int) -> TherapistChoice | None:
    """The first therapist, in preference order, with ``count`` weekly slots free for both."""
    for option in therapists_in_order(options, language, current):
        slots = weekly_slots(option.windows, days, count, minutes, zone,
                             list(patient_busy) + list(option.busy), not_before, step_minutes)
        if slots is not None:
            return TherapistChoice(option.staff_id, slots)
    return None

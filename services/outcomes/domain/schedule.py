"""The measurement schedule (CLINICAL.md, Measurement schedule; config/clinical.yaml `measurement`).

What falls due for an episode, when in UTC the site's morning is, which due item an assessment
fulfils, and how the schedule changes when the plan or the episode does. `measurement` is the
rules section; schedule items are any objects with the attributes of a due assessment.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

START, MID, DISCHARGE, WEEKLY, BASELINE, FOLLOW_UP = (
    "start", "mid", "discharge", "weekly", "baseline", "follow_up")
PLANNED, ANNOUNCED, FULFILLED, LAPSED, CANCELLED = (
    "planned", "announced", "fulfilled", "lapsed", "cancelled")
OPEN = (PLANNED, ANNOUNCED)
# An assessment taken up to this many days before a due date counts for it: less than half
# the shortest (weekly) interval, so one assessment never covers two due dates.
EARLY_DAYS = 3
# A due item not announced within a week (the service was down, or the enrollment was entered
# late) lapses instead: by then the next weekly assessment is due and a stale reminder misleads.
STALE_AFTER = timedelta(days=7)
# What is left of the schedule when an episode ends: nothing planned is announced any more.
STOPPED_AT_END = ((PLANNED, CANCELLED), (ANNOUNCED, LAPSED))


@dataclass(frozen=True)
class PlannedAssessment:
    instrument: str
    due_on: date
    occasion: str


def plan_episode(measurement: Mapping[str, Any], track: str, start_date: date, planned_weeks: int,
                 screened: Iterable[str] = ()) -> list[PlannedAssessment]:
    """The track's assessments over the planned weeks, in date order.

    A periodic instrument is also due at the start when screening did not measure it, so the
    episode has a baseline before the first interval ends.
    """
    screened = set(screened)
    end = start_date + timedelta(weeks=planned_weeks)
    points = {START: start_date, MID: start_date + timedelta(days=planned_weeks * 7 // 2),
              DISCHARGE: end}
    planned: dict[tuple[str, date], PlannedAssessment] = {}

    def add(instrument: str, due_on: date, occasion: str) -> None:
        planned.setdefault((instrument, due_on), PlannedAssessment(instrument, due_on, occasion))

    for instrument, rule in measurement["schedule"].items():
        if track not in rule["tracks"]:
            continue
        if "every_weeks" in rule:
            if instrument not in screened:
                add(instrument, start_date, BASELINE)
            for week in range(rule["every_weeks"], planned_weeks + 1, rule["every_weeks"]):
                add(instrument, start_date + timedelta(weeks=week), WEEKLY)
        for occasion in rule.get("at", ()):
            add(instrument, points[occasion], occasion)
    return sorted(planned.values(), key=lambda item: (item.due_on, item.instrument))


def follow_up(measurement: Mapping[str, Any], completed_on: date) -> PlannedAssessment:
    """The aftercare check-in after completion."""
    rule = measurement["follow_up"]
    return PlannedAssessment(rule["instrument"],
                             completed_on + timedelta(days=rule["days_after_completion"]), FOLLOW_UP)


def due_at(measurement: Mapping[str, Any], due_on: date, zone: ZoneInfo) -> datetime:
    """The moment, in UTC, the due date's local morning begins at the site."""
    local = datetime.combine(due_on, time(measurement["due_local_hour"]), tzinfo=zone)
    return local.astimezone(timezone.utc)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def item_fulfilled(open_due_dates: Iterable[date], administered_on: date) -> date | None:
    """The due date an assessment on `administered_on` fulfils: the latest one already due,
    or coming within EARLY_DAYS; earlier open ones have lapsed."""
    reachable = [due_on for due_on in open_due_dates
                 if due_on <= administered_on + timedelta(days=EARLY_DAYS)]
    return max(reachable, default=None)


def fulfil(open_items: list, administered_on: date, assessment_id: str) -> Any | None:
    """Mark the item the assessment fulfils; older open ones lapse (a missed week is not made
    up later). Returns the fulfilled item, or None."""
    due_on = item_fulfilled([item.due_on for item in open_items], administered_on)
    if due_on is None:
        return None
    fulfilled = None
    for item in open_items:
        if item.due_on == due_on:
            item.status, item.assessment_id, fulfilled = FULFILLED, assessment_id, item
        elif item.due_on < due_on:
            item.status = LAPSED
    return fulfilled


def replan(wanted: list[PlannedAssessment], existing: list) -> list[PlannedAssessment]:
    """Bring the existing items (from the replanning day on) in line with the new plan: planned
    ones no longer wanted are cancelled, cancelled ones wanted again come back. Returns the
    wanted items that have no row yet."""
    wanted_by_key = {(item.instrument, item.due_on): item for item in wanted}
    existing_by_key = {(row.instrument, row.due_on): row for row in existing}
    for key, row in existing_by_key.items():
        if key not in wanted_by_key and row.status == PLANNED:
            row.status = CANCELLED
    new = []
    for key, item in wanted_by_key.items():
        row = existing_by_key.get(key)
        if row is None:
            new.append(item)
        elif row.status in (PLANNED, CANCELLED):
            row.status, row.occasion = PLANNED, item.occasion
    return new


def take_over_as_follow_up(clash, item: PlannedAssessment) -> None:
    """The plan outran the episode: an item on the follow-up's day becomes the follow-up,
    unless an assessment already fulfilled it."""
    if clash.status != FULFILLED:
        clash.status, clash.occasion = PLANNED, item.occasion

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
# What is left of the schedule when an episode ends: nothing planned is announced any more.
STOPPED_AT_END = ((PLANNED, CANCELLED), (ANNOUNCED, LAPSED))


@dataclass(frozen=True)
class PlannedAssessment:
    instrument: str
    due_on: date
    occasion: str


def final_day(measurement: Mapping[str, Any], start_date: date, planned_weeks: int) -> date:
    """The day the end-of-program measures fall due: the first day of the program's last week
    (`measurement.final_measures_weeks_before_end`), inside the program and on a program day."""
    return start_date + timedelta(
        weeks=max(planned_weeks - measurement["final_measures_weeks_before_end"], 0))


def plan_episode(measurement: Mapping[str, Any], track: str, start_date: date, planned_weeks: int,
                 screened: Iterable[str] = (), positive: Iterable[str] = ()) -> list[PlannedAssessment]:
    """The track's assessments over the planned weeks, in date order.

    A periodic instrument is also due at the start when screening did not measure it, so the
    episode has a baseline before the first interval ends. Every instrument's last measure is
    due on `final_day` (occasion discharge); periodic ones that would fall on or after it are
    not planned (the program's days are 0 … 7 × planned_weeks − 1). An instrument with
    `when_screened_positive` is planned only when that screen was positive (`positive`).
    """
    screened, positive = set(screened), set(positive)
    final = final_day(measurement, start_date, planned_weeks)
    points = {START: start_date, MID: start_date + timedelta(days=planned_weeks * 7 // 2),
              DISCHARGE: final}
    planned: dict[tuple[str, date], PlannedAssessment] = {}

    def add(instrument: str, due_on: date, occasion: str) -> None:
        planned.setdefault((instrument, due_on), PlannedAssessment(instrument, due_on, occasion))

    for instrument, rule in measurement["schedule"].items():
        if track not in rule["tracks"] or not screening_allows(rule, positive):
            continue
        if "every_weeks" in rule:
            if instrument not in screened:
                add(instrument, start_date, BASELINE)
            for week in range(rule["every_weeks"], planned_weeks, rule["every_weeks"]):
                if start_date + timedelta(weeks=week) < final:
                    add(instrument, start_date + timedelta(weeks=week), WEEKLY)
            planned[(instrument, final)] = PlannedAssessment(instrument, final, DISCHARGE)
        for occasion in rule.get("at", ()):
            if occasion == DISCHARGE:
                planned[(instrument, final)] = PlannedAssessment(instrument, final, DISCHARGE)
            else:
                add(instrument, points[occasion], occasion)
    return sorted(planned.values(), key=lambda item: (item.due_on, item.instrument))


def screening_allows(rule: Mapping[str, Any], positive: set[str]) -> bool:
    """An instrument scheduled only for those screened positive (`when_screened_positive`)."""
    return "when_screened_positive" not in rule or rule["when_screened_positive"] in positive


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


def item_fulfilled(measurement: Mapping[str, Any], open_due_dates: Iterable[date],
                   administered_on: date) -> date | None:
    """The due date an assessment on `administered_on` fulfils: the latest one already due,
    or coming within `measurement.early_days`; earlier open ones have lapsed."""
    early = timedelta(days=measurement["early_days"])
    reachable = [due_on for due_on in open_due_dates if due_on <= administered_on + early]
    return max(reachable, default=None)


def fulfil(measurement: Mapping[str, Any], open_items: list, administered_on: date,
           assessment_id: str) -> Any | None:
    """Mark the item the assessment fulfils; older open ones lapse (a missed week is not made
    up later). Returns the fulfilled item, or None."""
    due_on = item_fulfilled(measurement, [item.due_on for item in open_items], administered_on)
    if due_on is None:
        return None
    fulfilled = None
    for item in open_items:
        if item.due_on == due_on:
            item.status, item.assessment_id, fulfilled = FULFILLED, assessment_id, item
        elif item.due_on < due_on:
            item.status = LAPSED
    return fulfilled


def stale_before(measurement: Mapping[str, Any], now: datetime) -> datetime:
    """Planned items due at or before this moment lapse instead of being announced."""
    return now - timedelta(days=measurement["stale_after_days"])


def finals_at_discharge(items: list, ended_on: date) -> list:
    """The end-of-program measures an earlier discharge would skip, to be asked at once.

    Run after STOPPED_AT_END: a final item (occasion discharge) that was still planned and fell
    after the end is moved to the end day; an item of the same instrument already on that day
    becomes the final instead, unless an assessment fulfilled it. Returns the items to announce
    now (set back to planned)."""
    by_key = {(item.instrument, item.due_on): item for item in items}
    ask = []
    for item in items:
        if item.occasion != DISCHARGE or item.status != CANCELLED or item.due_on <= ended_on:
            continue
        same_day = by_key.get((item.instrument, ended_on))
        if same_day is None:
            item.due_on, chosen = ended_on, item
        elif same_day.status == FULFILLED:
            continue  # measured on the last day already
        else:
            same_day.occasion, chosen = DISCHARGE, same_day
        chosen.status = PLANNED
        ask.append(chosen)
    return ask


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

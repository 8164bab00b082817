"""The measurement schedule (CLINICAL.md, Measurement schedule; config/clinical.yaml `measurement`).

Plain functions: what falls due for an episode, when in UTC the site's morning is, and which due
item an assessment fulfils.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from shared.clinical import clinical_rules

START, MID, DISCHARGE, WEEKLY, BASELINE, FOLLOW_UP = (
    "start", "mid", "discharge", "weekly", "baseline", "follow_up")
# An assessment taken up to this many days before a due date counts for it: less than half
# the shortest (weekly) interval, so one assessment never covers two due dates.
EARLY_DAYS = 3
# A due item not announced within a week (the service was down, or the enrollment was entered
# late) lapses instead: by then the next weekly assessment is due and a stale reminder misleads.
STALE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class PlannedAssessment:
    instrument: str
    due_on: date
    occasion: str


def _measurement(rules: dict[str, Any] | None) -> dict[str, Any]:
    return (rules or clinical_rules())["measurement"]


def plan_episode(track: str, start_date: date, planned_weeks: int, screened: Iterable[str] = (),
                 rules: dict[str, Any] | None = None) -> list[PlannedAssessment]:
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

    for instrument, rule in _measurement(rules)["schedule"].items():
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


def follow_up(completed_on: date, rules: dict[str, Any] | None = None) -> PlannedAssessment:
    """The aftercare check-in after completion."""
    rule = _measurement(rules)["follow_up"]
    return PlannedAssessment(rule["instrument"],
                             completed_on + timedelta(days=rule["days_after_completion"]), FOLLOW_UP)


def due_at(due_on: date, zone: ZoneInfo, rules: dict[str, Any] | None = None) -> datetime:
    """The moment, in UTC, the due date's local morning begins at the site."""
    local = datetime.combine(due_on, time(_measurement(rules)["due_local_hour"]), tzinfo=zone)
    return local.astimezone(timezone.utc)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def item_fulfilled(open_due_dates: Iterable[date], administered_on: date) -> date | None:
    """The due date an assessment on `administered_on` fulfils: the latest one already due,
    or coming within EARLY_DAYS; earlier open ones have lapsed."""
    reachable = [due_on for due_on in open_due_dates
                 if due_on <= administered_on + timedelta(days=EARLY_DAYS)]
    return max(reachable, default=None)

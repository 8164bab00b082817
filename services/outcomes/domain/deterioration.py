"""Reliable deterioration without alert fatigue (config/clinical.yaml `deterioration`).

Per episode and instrument a small state: whether the instrument is deteriorated now, and the
last score that raised an alert. `step` is the whole rule: it says whether a new score raises an
alert (and why) or only updates the open flag. Grouping the alerts of one program week into one
flag is `program_week` plus the use case.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.scoring import DETERIORATED, Instruments

# Why a score raises a (new) deterioration alert.
ENTERED = "entered"            # first reliable deterioration of the instrument in the episode
WORSENED = "worsened"          # another reliable-change step beyond the last flagged score
MOST_SEVERE = "most_severe"    # entered the instrument's most severe band
AGAIN = "again"                # deteriorated again after recovering to no change or better


@dataclass(frozen=True)
class State:
    deteriorated: bool = False
    flagged_score: int | None = None  # the last score that raised an alert


@dataclass(frozen=True)
class Step:
    state: State
    alert: str | None  # ENTERED, WORSENED, MOST_SEVERE, AGAIN; None: no new alert


def follows(rules: Mapping[str, Any], instrument: str) -> bool:
    return instrument in rules["instruments"]


def most_severe_band(instrument_rules: Mapping[str, Any], instrument: str) -> str:
    """The label of the instrument's last (most severe) band; bands ascend by their minimum."""
    return instrument_rules[instrument]["bands"][-1]["label"]


def step(instruments: Instruments, instrument_rules: Mapping[str, Any], instrument: str,
         state: State | None, score: int, reliable_change: str | None) -> Step:
    """The next state after `score` (its reliable change against the episode's baseline)."""
    state = state or State()
    if reliable_change != DETERIORATED:
        # No change or better (or no baseline yet): recovered; the next deterioration alerts.
        return Step(State(False, state.flagged_score), None)
    if not state.deteriorated:
        return Step(State(True, score), ENTERED if state.flagged_score is None else AGAIN)
    flagged = state.flagged_score
    if instruments.reliable_change(instrument, flagged, score) == DETERIORATED:
        return Step(State(True, score), WORSENED)
    severe = most_severe_band(instrument_rules, instrument)
    if (instruments.severity(instrument, score) == severe
            and instruments.severity(instrument, flagged) != severe):
        return Step(State(True, score), MOST_SEVERE)
    return Step(state, None)  # still deteriorated: the open flag is updated, no alert


def program_week(start_date: date, day: date) -> int:
    """The episode's program week of a site-local day: 0 for days 0-6 from the start date."""
    return (day - start_date).days // 7

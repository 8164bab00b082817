"""An episode's outcome summary (CLINICAL.md, Instruments and Program).

Per instrument: baseline (the screening total, else the first score of the episode), final (the
last score after the baseline), change, reliable change, response and remission. An instrument
measured only once has no pair: its one score is reported as final with a null baseline and null
comparisons, as the event catalog shows.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from shared.enums import ATTENDANCE_STATUSES, INSTRUMENTS
from shared.scoring import Instruments, change_from_baseline

ATTENDED, ABSENT, EXCUSED = ATTENDANCE_STATUSES
# The measures of an outcome summary and report: every instrument but the C-SSRS, a safety screen
# (its risk level is acted on at once), not a measure of change. AUDIT-C and DAST-10 define no
# reliable change, response or remission: theirs are null (config `instruments`).
OUTCOME_INSTRUMENTS = tuple(name for name in INSTRUMENTS if name != "cssrs")
# Where the attendance rate came from: this service's projection, ProgramCompleted, or nowhere.
SESSIONS, INTAKE, NONE = "sessions", "intake", "none"


@dataclass(frozen=True)
class Measure:
    instrument: str
    baseline_score: int | None
    final_score: int
    change: int | None
    reliable_change: str | None
    response: bool | None
    remission: bool | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Attendance:
    rate: float
    basis: str  # SESSIONS, INTAKE or NONE
    attended: int
    counted: int


def is_complete(assessment) -> bool:
    """An incomplete assessment (unanswered items: no total) is never a baseline or final score.
    Reads the `complete` flag where the record has one, else a missing total."""
    complete = getattr(assessment, "complete", None)
    return bool(complete) if complete is not None else assessment.total_score is not None


def measure(instruments: Instruments, instrument: str, screening_total: int | None,
            scores: Sequence[int]) -> Measure | None:
    """`scores`: the episode's totals of one instrument in the order administered."""
    if screening_total is not None:
        baseline, later = screening_total, list(scores)
    else:
        baseline, later = (scores[0], list(scores[1:])) if scores else (None, [])
    if not later:
        if baseline is None or screening_total is not None:
            return None  # nothing measured during the episode
        return Measure(instrument, None, baseline, None, None, None, None)
    final = later[-1]
    return Measure(
        instrument=instrument, baseline_score=baseline, final_score=final,
        change=change_from_baseline(baseline, final),
        reliable_change=instruments.reliable_change(instrument, baseline, final),
        response=instruments.response(instrument, baseline, final),
        remission=instruments.remission(instrument, baseline, final))


def measures(instruments: Instruments, screening: Mapping[str, int],
             scores: Mapping[str, Sequence[int]]) -> list[Measure]:
    found = (measure(instruments, name, screening.get(name), scores.get(name, ()))
             for name in OUTCOME_INSTRUMENTS)
    return [m for m in found if m is not None]


def in_instrument_order(found: Iterable[Measure]) -> list[Measure]:
    order = {name: i for i, name in enumerate(INSTRUMENTS)}
    return sorted(found, key=lambda m: order[m.instrument])


def attendance(statuses: Iterable[str], reported_rate: float | None = None) -> Attendance:
    """attended ÷ (sessions held and booked, less clinic cancellations and excused absences).

    Cancelled sessions never reach the projection; excused absences are left out here. With no
    session counted, the rate intake reported at completion stands in; failing that, 0.
    """
    statuses = list(statuses)
    attended = statuses.count(ATTENDED)
    counted = attended + statuses.count(ABSENT)
    if counted:
        return Attendance(round(attended / counted, 4), SESSIONS, attended, counted)
    if reported_rate is not None:
        return Attendance(reported_rate, INTAKE, 0, 0)
    return Attendance(0.0, NONE, 0, 0)


def rate_to_keep(reported_rate: float | None, stored_rate: float | None,
                 stored_basis: str | None) -> float | None:
    """A recomputation keeps the rate intake reported, when the summary stood on it."""
    if reported_rate is None and stored_basis == INTAKE:
        return stored_rate
    return reported_rate

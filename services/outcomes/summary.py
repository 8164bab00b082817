"""An episode's outcome summary (CLINICAL.md, Instruments and Program). Plain functions.

Per instrument: baseline (the screening total, else the first score of the episode), final (the
last score after the baseline), change, reliable change, response and remission. An instrument
measured only once has no pair: its one score is reported as final with a null baseline and null
comparisons, as the event catalog shows.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from shared import instruments

ATTENDED, MISSED, EXCUSED = "attended", "missed", "excused"


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
    basis: str  # sessions: our projection; intake: the rate ProgramCompleted carried; none
    attended: int
    counted: int


def measure(instrument: str, screening_total: int | None, scores: Sequence[int]) -> Measure | None:
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
        change=instruments.change_from_baseline(baseline, final),
        reliable_change=instruments.reliable_change(instrument, baseline, final),
        response=instruments.response(instrument, baseline, final),
        remission=instruments.remission(instrument, baseline, final))


def measures(screening: Mapping[str, int], scores: Mapping[str, Sequence[int]]) -> list[Measure]:
    found = (measure(name, screening.get(name), scores.get(name, ())) for name in instruments.INSTRUMENTS)
    return [m for m in found if m is not None]


def attendance(statuses: Iterable[str], reported_rate: float | None = None) -> Attendance:
    """attended ÷ (sessions held and booked, less clinic cancellations and excused absences).

    Cancelled sessions never reach the projection; excused absences are left out here. With no
    session counted, the rate intake reported at completion stands in; failing that, 0.
    """
    statuses = list(statuses)
    attended = statuses.count(ATTENDED)
    counted = attended + statuses.count(MISSED)
    if counted:
        return Attendance(round(attended / counted, 4), "sessions", attended, counted)
    if reported_rate is not None:
        return Attendance(reported_rate, "intake", 0, 0)
    return Attendance(0.0, "none", 0, 0)

"""The outcomes report per site and track: what a network tells its board and payers.

Plain aggregation over episodes. Within the period [from, to] (inclusive, either end open):
`enrolled` counts episodes that started in it; everything else counts episodes that ended in it
(completed or discharged), so each rate has one cohort. Outcome figures use paired scores only
(a baseline and a later score); response and remission only where the baseline was at caseness.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from shared.scoring import DETERIORATED, IMPROVED

from services.outcomes.domain.episodes import ACTIVE, COMPLETED
from services.outcomes.domain.outcome_summary import OUTCOME_INSTRUMENTS


@dataclass(frozen=True)
class EpisodeOutcome:
    site_id: str
    track: str
    start_date: date
    status: str  # active, completed, discharged
    ended_on: date | None = None
    attendance_rate: float | None = None
    measures: Sequence = field(default_factory=tuple)  # outcome_summary.Measure-like objects


def _within(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float], digits: int) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def instrument_figures(measures: Iterable) -> dict:
    paired = [m for m in measures if m.baseline_score is not None]
    at_caseness = [m for m in paired if m.response is not None]
    # An instrument without a reliable-change rule (AUDIT-C, DAST-10): its rates are null.
    with_rci = [m for m in paired if m.reliable_change is not None]
    return {
        "n": len(paired),
        "mean_change": _mean([m.change for m in paired], 2),
        "n_at_caseness": len(at_caseness),
        "response_rate": _rate(sum(1 for m in at_caseness if m.response), len(at_caseness)),
        "remission_rate": _rate(sum(1 for m in at_caseness if m.remission), len(at_caseness)),
        "reliable_improvement_rate": _rate(
            sum(1 for m in with_rci if m.reliable_change == IMPROVED), len(with_rci)),
        "reliable_deterioration_rate": _rate(
            sum(1 for m in with_rci if m.reliable_change == DETERIORATED), len(with_rci)),
    }


def group_figures(episodes: list[EpisodeOutcome], start: date | None, end: date | None) -> dict:
    ended = [e for e in episodes if e.status != ACTIVE and _within(e.ended_on, start, end)]
    completed = sum(1 for e in ended if e.status == COMPLETED)
    rates = [e.attendance_rate for e in ended if e.attendance_rate is not None]
    by_instrument = defaultdict(list)
    for episode in ended:
        for m in episode.measures:
            by_instrument[m.instrument].append(m)
    return {
        "enrolled": sum(1 for e in episodes if _within(e.start_date, start, end)),
        "ended": len(ended),
        "completed": completed,
        "completion_rate": _rate(completed, len(ended)),
        "mean_attendance_rate": _mean(rates, 4),
        "measures": {name: instrument_figures(by_instrument[name]) for name in OUTCOME_INSTRUMENTS},
    }


def outcome_report(episodes: Iterable[EpisodeOutcome], start: date | None = None,
                   end: date | None = None) -> list[dict]:
    """One entry per (site, track) with any episode in the period, sorted by site then track."""
    groups: dict[tuple[str, str], list[EpisodeOutcome]] = defaultdict(list)
    for episode in episodes:
        if _within(episode.start_date, start, end) or _within(episode.ended_on, start, end):
            groups[(episode.site_id, episode.track)].append(episode)
    return [{"site_id": site_id, "track": track, **group_figures(members, start, end)}
            for (site_id, track), members in sorted(groups.items())]

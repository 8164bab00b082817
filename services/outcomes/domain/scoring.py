"""An assessment scored against the episode's baseline, and the risk flags it raises."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.scoring import DETERIORATED, Instruments, change_from_baseline

PHQ9_ITEM9 = "phq9_item9"
RELIABLE_DETERIORATION = "reliable_deterioration"
# CLINICAL.md: reliable deterioration on these raises a flag (WHO-5 is a well-being measure,
# not a symptom one, and has no risk rule).
DETERIORATION_FLAGGED = ("phq9", "gad7", "pcl5")
DETERIORATION_LEVEL = "moderate"


@dataclass(frozen=True)
class RiskFlag:
    reason: str
    level: str


@dataclass(frozen=True)
class ScoredAssessment:
    instrument: str
    responses: list[int]
    total_score: int
    severity: str
    baseline_score: int | None  # None: this assessment is the baseline
    change_from_baseline: int | None
    reliable_change: str | None
    flags: tuple[RiskFlag, ...]

    @property
    def is_baseline(self) -> bool:
        return self.baseline_score is None


def baseline_score(screening_total: int | None, earlier_totals: Sequence[int]) -> int | None:
    """The screening total, else the episode's first score; None when this one comes first."""
    if screening_total is not None:
        return screening_total
    return earlier_totals[0] if earlier_totals else None


def score_against_baseline(instruments: Instruments, instrument: str, responses: Any,
                           baseline: int | None) -> ScoredAssessment:
    """Score the answers; compare with the baseline unless this assessment is the baseline."""
    scored = instruments.score(instrument, responses)
    change = reliable = None
    if baseline is not None:
        change = change_from_baseline(baseline, scored.total)
        reliable = instruments.reliable_change(instrument, baseline, scored.total)
    return ScoredAssessment(
        instrument=instrument, responses=list(responses), total_score=scored.total,
        severity=scored.severity, baseline_score=baseline, change_from_baseline=change,
        reliable_change=reliable, flags=risk_flags(instruments, instrument, scored.item9, reliable))


def risk_flags(instruments: Instruments, instrument: str, item9: int | None,
               reliable_change: str | None) -> tuple[RiskFlag, ...]:
    flags = []
    if item9 is not None:
        level = instruments.item9_risk_level(item9)
        if level is not None:
            flags.append(RiskFlag(PHQ9_ITEM9, level))
    if instrument in DETERIORATION_FLAGGED and reliable_change == DETERIORATED:
        flags.append(RiskFlag(RELIABLE_DETERIORATION, DETERIORATION_LEVEL))
    return tuple(flags)

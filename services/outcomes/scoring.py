"""An assessment scored against the episode's baseline, and the risk flags it raises.

Plain functions over shared.instruments (the one scoring module); no framework imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared import instruments

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


def score_against_baseline(instrument: str, responses: Any, baseline_score: int | None) -> ScoredAssessment:
    """Score the answers; compare with the baseline unless this assessment is the baseline."""
    scored = instruments.score(instrument, responses)
    change = reliable = None
    if baseline_score is not None:
        change = instruments.change_from_baseline(baseline_score, scored.total)
        reliable = instruments.reliable_change(instrument, baseline_score, scored.total)
    return ScoredAssessment(
        instrument=instrument, responses=list(responses), total_score=scored.total,
        severity=scored.severity, baseline_score=baseline_score, change_from_baseline=change,
        reliable_change=reliable, flags=risk_flags(instrument, scored.item9, reliable))


def risk_flags(instrument: str, item9: int | None, reliable_change: str | None) -> tuple[RiskFlag, ...]:
    flags = []
    if item9 is not None:
        level = instruments.item9_risk_level(item9)
        if level is not None:
            flags.append(RiskFlag(PHQ9_ITEM9, level))
    if instrument in DETERIORATION_FLAGGED and reliable_change == instruments.DETERIORATED:
        flags.append(RiskFlag(RELIABLE_DETERIORATION, DETERIORATION_LEVEL))
    return tuple(flags)

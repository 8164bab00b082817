"""An assessment scored against the episode's baseline, and the risk flags it raises."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.scoring import DETERIORATED, Evaluation, Instruments, change_from_baseline

PHQ9_ITEM9 = "phq9_item9"
CSSRS = "cssrs"
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
    responses: list[int | None]
    total_score: int | None  # None: incomplete
    severity: str | None  # None: incomplete
    baseline_score: int | None  # None: this assessment is the baseline (or has none)
    change_from_baseline: int | None
    reliable_change: str | None
    flags: tuple[RiskFlag, ...]
    complete: bool = True

    @property
    def is_baseline(self) -> bool:
        """The first complete score of a measure; a C-SSRS screen is never a baseline."""
        return self.complete and self.instrument != CSSRS and self.baseline_score is None

    @property
    def item9_flag(self) -> RiskFlag | None:
        return next((flag for flag in self.flags if flag.reason == PHQ9_ITEM9), None)


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


def score_incomplete(instruments: Instruments, evaluation: Evaluation) -> ScoredAssessment:
    """Answers with unanswered items: no total, severity or change, never a baseline; each answered
    risk item raises its flag as in a complete assessment."""
    return ScoredAssessment(
        instrument=evaluation.instrument, responses=evaluation.responses, total_score=None,
        severity=None, baseline_score=None, change_from_baseline=None, reliable_change=None,
        flags=risk_flags(instruments, evaluation.instrument, evaluation.item9, None), complete=False)


def cssrs_flags(instruments: Instruments, risk_level: str | None) -> tuple[RiskFlag, ...]:
    """The flag a C-SSRS screener risk level raises (a high risk: a high flag)."""
    level = instruments.cssrs_flag_level(risk_level)
    return (RiskFlag(CSSRS, level),) if level is not None else ()


def score_cssrs(instruments: Instruments, evaluation: Evaluation) -> ScoredAssessment:
    """The C-SSRS screener: its risk level is its band; no baseline or change (a screen, not a
    measure of change). Incomplete answers still raise the flag of the risk they show."""
    scored = evaluation.score
    return ScoredAssessment(
        instrument=evaluation.instrument, responses=evaluation.responses,
        total_score=scored.total if scored else None, severity=scored.severity if scored else None,
        baseline_score=None, change_from_baseline=None, reliable_change=None,
        flags=cssrs_flags(instruments, evaluation.risk_level), complete=evaluation.complete)


def refused_item9(body: Any, instruments: Instruments) -> int | None:
    """The positive PHQ-9 item-9 answer of a refused request body as sent, whatever else is wrong
    with it (a risk answer is never lost); None when it carries none."""
    if not isinstance(body, dict) or body.get("instrument") != "phq9":
        return None
    responses, position = body.get("responses"), instruments.self_harm_item("phq9")
    if not isinstance(responses, list) or len(responses) < position:
        return None
    item9 = responses[position - 1]
    low, high = instruments.item_range("phq9")
    if isinstance(item9, bool) or not isinstance(item9, int) or not low < item9 <= high:
        return None
    return item9

"""Scoring against the baseline and the risk flags an assessment raises.

Band boundaries, thresholds of reliable_change itself and the hypothesis properties are in
tests/unit/test_instruments.py; here: what the outcomes service derives from them.
"""
import pytest

from services.outcomes.domain.scoring import RiskFlag, baseline_score, score_against_baseline
from shared.clinical import load_clinical_rules

INSTRUMENTS = load_clinical_rules().instruments

PHQ9_NINE_ONES = [1] * 9  # total 9


def phq9(item9, total):
    """PHQ-9 answers with item 9 set and the given total."""
    rest, answers = total - item9, []
    for _ in range(8):
        answers.append(min(3, rest))
        rest -= answers[-1]
    return answers + [item9]


def gad7(total):
    answers = []
    for _ in range(7):
        answers.append(min(3, total))
        total -= answers[-1]
    return answers


@pytest.mark.parametrize("item9, level", [(1, "moderate"), (2, "high"), (3, "high")])
def test_item_nine_above_zero_raises_a_flag_at_its_level_whatever_the_total(item9, level):
    scored = score_against_baseline(INSTRUMENTS, "phq9", phq9(item9, item9), baseline=None)

    assert scored.severity == "minimal"
    assert scored.flags == (RiskFlag("phq9_item9", level),)


def test_item_nine_at_zero_raises_no_flag():
    assert score_against_baseline(INSTRUMENTS, "phq9", phq9(0, 20), baseline=20).flags == ()


def test_deterioration_by_exactly_the_threshold_raises_a_moderate_flag():
    scored = score_against_baseline(INSTRUMENTS, "gad7", gad7(14), baseline=10)

    assert scored.reliable_change == "deteriorated"
    assert scored.flags == (RiskFlag("reliable_deterioration", "moderate"),)


def test_deterioration_one_point_short_of_the_threshold_raises_no_flag():
    scored = score_against_baseline(INSTRUMENTS, "gad7", gad7(13), baseline=10)

    assert scored.reliable_change == "no_change" and scored.flags == ()


def test_item_nine_and_deterioration_raise_two_flags():
    scored = score_against_baseline(INSTRUMENTS, "phq9", phq9(2, 18), baseline=12)

    assert scored.flags == (RiskFlag("phq9_item9", "high"), RiskFlag("reliable_deterioration", "moderate"))


def test_who5_fall_is_deterioration_but_raises_no_risk_flag():
    scored = score_against_baseline(INSTRUMENTS, "who5", [1, 1, 1, 1, 1], baseline=60)

    assert (scored.total_score, scored.change_from_baseline, scored.reliable_change) == (20, -40, "deteriorated")
    assert scored.flags == ()


def test_who5_rise_is_reported_times_four_and_improved():
    scored = score_against_baseline(INSTRUMENTS, "who5", [3, 3, 3, 3, 3], baseline=40)

    assert (scored.total_score, scored.change_from_baseline, scored.reliable_change) == (60, 20, "improved")


def test_the_baseline_assessment_has_no_change_and_no_deterioration_flag():
    scored = score_against_baseline(INSTRUMENTS, "phq9", PHQ9_NINE_ONES, baseline=None)

    assert (scored.baseline_score, scored.change_from_baseline, scored.reliable_change) == (None, None, None)
    assert scored.flags == (RiskFlag("phq9_item9", "moderate"),)


def test_change_is_latest_minus_screening_baseline():
    scored = score_against_baseline(INSTRUMENTS, "phq9", phq9(0, 11), baseline=17)

    assert (scored.total_score, scored.severity, scored.change_from_baseline, scored.reliable_change) == (
        11, "moderate", -6, "improved")


def test_the_screening_total_is_the_baseline_else_the_first_earlier_score():
    assert baseline_score(17, [12, 9]) == 17
    assert baseline_score(None, [12, 9]) == 12
    assert baseline_score(None, []) is None

"""Incomplete answers and the C-SSRS in the outcomes domain: what is scored, what is flagged."""
import pytest

from services.outcomes.domain.scoring import RiskFlag, score_cssrs, score_incomplete
from shared.clinical import load_clinical_rules

INSTRUMENTS = load_clinical_rules().instruments


def incomplete(instrument, responses):
    return score_incomplete(INSTRUMENTS, INSTRUMENTS.evaluate(instrument, responses))


@pytest.mark.parametrize("item9, flags", [
    (None, ()), (0, ()), (1, (RiskFlag("phq9_item9", "moderate"),)), (2, (RiskFlag("phq9_item9", "high"),)),
    (3, (RiskFlag("phq9_item9", "high"),))])
def test_an_incomplete_phq9_flags_its_item_nine_as_a_complete_one_would(item9, flags):
    scored = incomplete("phq9", [3, None, 3, 3, 3, 3, 3, 3, item9])

    assert scored.flags == flags
    assert (scored.total_score, scored.severity, scored.complete, scored.is_baseline) == (None, None, False, False)


def test_an_incomplete_gad7_has_no_total_and_no_flag():
    scored = incomplete("gad7", [3, 3, 3, 3, 3, 3, None])

    assert (scored.total_score, scored.change_from_baseline, scored.reliable_change, scored.flags) == (
        None, None, None, ())


def cssrs(responses, recent=None):
    return score_cssrs(INSTRUMENTS, INSTRUMENTS.evaluate("cssrs", responses, q6_within_3_months=recent))


@pytest.mark.parametrize("responses, recent, severity, flags", [
    ([1, 1, 1, 0, 0, 0], None, "moderate", ()),
    ([0, 0, 0, 1, 0, 0], None, "high", (RiskFlag("cssrs", "high"),)),
    ([0, 0, 0, 0, 0, 1], True, "high", (RiskFlag("cssrs", "high"),)),
    ([0, 0, 0, 0, 0, 1], False, "moderate", ()),
])
def test_a_cssrs_is_its_risk_level_and_only_high_risk_is_flagged(responses, recent, severity, flags):
    scored = cssrs(responses, recent)

    assert (scored.severity, scored.flags, scored.baseline_score, scored.is_baseline) == (
        severity, flags, None, False)


def test_an_incomplete_cssrs_still_flags_the_high_risk_it_shows():
    scored = cssrs([None, None, None, None, 1, None])

    assert (scored.complete, scored.severity, scored.flags) == (False, None, (RiskFlag("cssrs", "high"),))


@pytest.mark.parametrize("item9, due", [(None, False), (0, False), (1, True), (3, True)])
def test_a_positive_item_nine_puts_the_cssrs_due_for_the_care_team_at_once(item9, due):
    rule = INSTRUMENTS.safety_follow_up(item9)

    if due:
        assert (rule["instrument"], rule["respondent"], rule["due_after_days"]) == ("cssrs", "care_team", 0)
    else:
        assert rule is None


@pytest.mark.parametrize("body, item9", [
    ({"instrument": "phq9", "responses": [0, 0, 0, 7, 0, 0, 0, 0, 2]}, 2),
    ({"instrument": "phq9", "responses": [None] * 8 + [1, 0]}, 1),  # a wrong count keeps its 9th answer
    ({"instrument": "phq9", "responses": [0] * 8 + [3]}, 3),
    ({"instrument": "phq9", "responses": [0] * 8 + [0]}, None),
    ({"instrument": "phq9", "responses": [0] * 8 + [4]}, None),
    ({"instrument": "phq9", "responses": [0] * 8 + [True]}, None),
    ({"instrument": "phq9", "responses": [0] * 8 + ["2"]}, None),
    ({"instrument": "phq9", "responses": [2] * 8}, None),
    ({"instrument": "phq9", "responses": "222222222"}, None),
    ({"instrument": "gad7", "responses": [0] * 8 + [2]}, None),
    ({"responses": [0] * 8 + [2]}, None),
    ([0] * 9, None),
])
def test_a_refused_body_keeps_only_a_valid_positive_phq9_item_nine(body, item9):
    from services.outcomes.domain.scoring import refused_item9

    assert refused_item9(body, INSTRUMENTS) == item9

"""Triage boundaries not already covered by tests/unit/test_triage.py, and the referral's
screening check, which reuses the instruments' validation."""
from types import SimpleNamespace

import pytest
from marshmallow import ValidationError

from services.intake.domain.referrals import (PHQ9_ITEM9, patient_referred, risk_flag,
                                              screening_risk, substance_scores,
                                              triage_screening)
from services.intake.schemas import ScreeningIn
from shared.clinical import load_clinical_rules
from shared.enums import RISK_REASONS
from shared.errors import InvalidFields
from tests.unit.test_triage import gad7, pcl5, phq9

INSTRUMENTS = load_clinical_rules().instruments


def screened(phq9_answers, gad7_answers, pcl5_answers=None):
    return triage_screening(INSTRUMENTS, {"phq9": phq9_answers, "gad7": gad7_answers,
                                          "pcl5": pcl5_answers})


def test_phq9_and_gad7_tied_at_ten_triage_to_the_depression_track():
    result = screened(phq9(10), gad7(10))
    assert (result.recommendation, result.recommended_track) == ("iop", "depression")


def test_item_nine_at_two_triages_to_higher_level_of_care_even_with_probable_ptsd():
    result = screened(phq9(2, item9=2), gad7(0), pcl5(33))
    assert (result.recommendation, result.recommended_track) == ("higher_level_of_care", None)


def test_item_nine_at_one_with_pcl5_at_thirty_three_triages_to_the_trauma_track():
    result = screened(phq9(1, item9=1), gad7(0), pcl5(33))
    assert (result.recommendation, result.recommended_track) == ("iop", "trauma")


def test_phq9_at_nine_and_gad7_at_ten_with_pcl5_at_thirty_two_triage_to_the_anxiety_track():
    result = screened(phq9(9), gad7(10), pcl5(32))
    assert (result.recommendation, result.recommended_track) == ("iop", "anxiety")


def test_screening_names_each_bad_item_on_its_instrument():
    with pytest.raises(InvalidFields) as refused:
        screened([0] * 8, [0, 0, 0, 4, 0, 0, 0], "many")
    assert refused.value.detail == "The request has invalid fields."
    assert refused.value.errors == {
        "screening.phq9": ["expected 9 items, got 8"],
        "screening.gad7.3": ["item 4 must be an integer from 0 to 3, got 4"],
        "screening.pcl5": ["expected a list of 20 items, got str"],
    }


def test_screening_schema_needs_phq9_and_gad7_but_not_pcl5():
    with pytest.raises(ValidationError) as refused:
        ScreeningIn().load({"phq9": phq9(0)})
    assert refused.value.messages == {"gad7": ["Missing data for required field."]}
    assert ScreeningIn().load({"phq9": phq9(0), "gad7": gad7(0)})["pcl5"] is None


# -- risk at referral (PHQ-9 item 9, whatever the triage) --------------------------------------


@pytest.mark.parametrize("item9, level", [(0, None), (1, "moderate"), (2, "high"), (3, "high")])
def test_item_nine_at_referral_gets_the_assessment_risk_level(item9, level):
    answers = [0, 0, 0, 0, 0, 0, 0, 0, item9]
    assert screening_risk(INSTRUMENTS, {"phq9": answers, "gad7": [0] * 7, "pcl5": None}) == level


def test_item_nine_at_one_with_low_totals_is_standard_outpatient_and_a_moderate_risk():
    screening = {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1], "gad7": [0] * 7, "pcl5": None}
    assert screened(screening["phq9"], screening["gad7"]).recommendation == "standard_outpatient"
    assert screening_risk(INSTRUMENTS, screening) == "moderate"


def test_the_flag_is_shown_with_its_reason_and_published_as_a_level():
    referral = SimpleNamespace(id="r", patient_id="p", referred_on=None, source="self",
                               recommendation="higher_level_of_care", recommended_track=None,
                               risk_level="high")
    assert PHQ9_ITEM9 in RISK_REASONS
    assert risk_flag(referral) == {"level": "high", "reason": "phq9_item9"}
    assert patient_referred(referral)["risk_level"] == "high"
    assert risk_flag(SimpleNamespace(risk_level=None)) is None


# -- substance-use screening at referral (AUDIT-C, DAST-10) ------------------------------------

LOW = {"phq9": phq9(3), "gad7": gad7(3), "pcl5": None}


@pytest.mark.parametrize("answers, sex, total, positive", [
    ([1, 1, 1], None, 3, True),        # 3 when sex is not recorded
    ([1, 1, 0], None, 2, False),
    ([1, 1, 1], "female", 3, True),    # >= 3 for women
    ([1, 1, 1], "male", 3, False),     # >= 4 for men
    ([2, 1, 1], "male", 4, True),
    ([4, 4, 4], "female", 12, True),
    ([0, 0, 0], None, 0, False),
])
def test_audit_c_is_positive_at_the_cut_point_for_the_patient_s_sex(answers, sex, total, positive):
    scores = substance_scores(INSTRUMENTS, {**LOW, "audit_c": answers}, sex)
    assert (scores["audit_c"], scores["audit_c_positive"], scores["dast10"]) == (total, positive, None)


@pytest.mark.parametrize("answers, total", [
    ([0] * 10, 1),                              # item 3 answered "no" scores 1
    ([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0),        # always able to stop: 0
    ([1, 1, 0, 1, 1, 1, 1, 1, 1, 1], 10),
    ([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 2),
])
def test_dast10_counts_the_answers_as_asked_with_item_three_reversed(answers, total):
    scores = substance_scores(INSTRUMENTS, {**LOW, "dast10": answers}, None)
    assert (scores["dast10"], scores["audit_c"], scores["audit_c_positive"]) == (total, None, None)


def test_bad_substance_answers_are_named_with_the_other_instruments_at_once():
    with pytest.raises(InvalidFields) as refused:
        triage_screening(INSTRUMENTS, {"phq9": phq9(3), "gad7": [9] + [0] * 6, "pcl5": None,
                                       "audit_c": [0, 5, 0], "dast10": [0] * 9})
    assert set(refused.value.errors) == {"screening.gad7.0", "screening.audit_c.1",
                                         "screening.dast10"}
    with pytest.raises(InvalidFields) as refused:
        triage_screening(INSTRUMENTS, {**LOW, "audit_c": [0, 0, True], "dast10": None})
    assert set(refused.value.errors) == {"screening.audit_c.2"}

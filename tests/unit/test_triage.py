"""Screening triage at referral (handbook CLINICAL.md "Screening triage at referral")."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.clinical import load_clinical_rules
from shared.scoring import InvalidResponses, Triage

triage = load_clinical_rules().instruments.triage


def phq9(total, item9=0):
    """PHQ-9 answers with the given total and item 9 answer."""
    answers = [0] * 8 + [item9]
    remaining = total - item9
    for index in range(8):
        answers[index] = min(3, remaining)
        remaining -= answers[index]
    assert remaining == 0 and sum(answers) == total
    return answers


def gad7(total):
    answers = [min(3, max(0, total - 3 * index)) for index in range(7)]
    assert sum(answers) == total
    return answers


def pcl5(total):
    answers = [min(4, max(0, total - 4 * index)) for index in range(20)]
    assert sum(answers) == total
    return answers


# --- step 1: item 9 --------------------------------------------------------------------------

def test_item_nine_at_two_triages_to_higher_level_of_care():
    result = triage(phq9(2, item9=2), gad7(0))
    assert (result.recommendation, result.recommended_track) == ("higher_level_of_care", None)


def test_item_nine_at_three_triages_to_higher_level_of_care_whatever_the_other_scores():
    result = triage(phq9(20, item9=3), gad7(21), pcl5(80))
    assert (result.recommendation, result.recommended_track) == ("higher_level_of_care", None)


def test_item_nine_at_one_with_low_scores_triages_to_standard_outpatient():
    assert triage(phq9(1, item9=1), gad7(0)).recommendation == "standard_outpatient"


def test_item_nine_at_one_with_depression_at_caseness_triages_to_iop():
    result = triage(phq9(12, item9=1), gad7(4))
    assert (result.recommendation, result.recommended_track) == ("iop", "depression")


# --- step 2: below every cutoff --------------------------------------------------------------

def test_all_scores_below_cutoffs_without_pcl5_triage_to_standard_outpatient():
    result = triage(phq9(9), gad7(9))
    assert (result.recommendation, result.recommended_track) == ("standard_outpatient", None)


def test_pcl5_at_thirty_two_with_low_scores_triages_to_standard_outpatient():
    assert triage(phq9(9), gad7(9), pcl5(32)).recommendation == "standard_outpatient"


# --- step 3: iop and its track ---------------------------------------------------------------

def test_phq9_at_ten_triages_to_iop_on_the_depression_track():
    result = triage(phq9(10), gad7(9))
    assert (result.recommendation, result.recommended_track) == ("iop", "depression")


def test_gad7_at_ten_triages_to_iop_on_the_anxiety_track():
    result = triage(phq9(9), gad7(10))
    assert (result.recommendation, result.recommended_track) == ("iop", "anxiety")


def test_phq9_equal_to_gad7_at_caseness_triages_to_the_depression_track():
    assert triage(phq9(12), gad7(12)).recommended_track == "depression"


def test_gad7_above_phq9_triages_to_the_anxiety_track():
    assert triage(phq9(12), gad7(13)).recommended_track == "anxiety"


def test_pcl5_at_thirty_three_triages_to_iop_on_the_trauma_track_even_with_low_phq9_and_gad7():
    result = triage(phq9(0), gad7(0), pcl5(33))
    assert (result.recommendation, result.recommended_track) == ("iop", "trauma")


def test_pcl5_at_thirty_three_takes_the_trauma_track_over_depression():
    assert triage(phq9(20), gad7(5), pcl5(33)).recommended_track == "trauma"


def test_pcl5_at_thirty_two_leaves_the_track_to_phq9_and_gad7():
    assert triage(phq9(8), gad7(14), pcl5(32)).recommended_track == "anxiety"


# --- result ----------------------------------------------------------------------------------

def test_triage_reports_totals_and_severities_of_each_screen():
    result = triage(phq9(15), gad7(7), pcl5(40))
    assert result == Triage(
        recommendation="iop",
        recommended_track="trauma",
        scores={"phq9": 15, "gad7": 7, "pcl5": 40},
        severities={"phq9": "moderately_severe", "gad7": "mild", "pcl5": "probable_ptsd"},
    )


def test_triage_without_pcl5_reports_it_as_absent():
    result = triage(phq9(3), gad7(2))
    assert result.scores == {"phq9": 3, "gad7": 2, "pcl5": None}
    assert result.severities == {"phq9": "minimal", "gad7": "minimal", "pcl5": None}


# --- validation ------------------------------------------------------------------------------

def test_invalid_screening_answers_are_refused_on_their_screening_paths():
    bad_phq9 = phq9(0)
    bad_phq9[3] = 5
    with pytest.raises(InvalidResponses) as refused:
        triage(bad_phq9, [0] * 6, [0] * 19 + [None])
    assert refused.value.errors == {
        "screening.phq9.3": ["item 4 must be an integer from 0 to 3, got 5"],
        "screening.gad7": ["expected 7 items, got 6"],
        "screening.pcl5.19": ["item 20 must be an integer from 0 to 4, got None"],
    }


@pytest.mark.parametrize("bad", [True, "1", None, 1.5])
def test_non_integer_screening_answer_is_refused(bad):
    answers = gad7(0)
    answers[0] = bad
    with pytest.raises(InvalidResponses) as refused:
        triage(phq9(0), answers)
    assert list(refused.value.errors) == ["screening.gad7.0"]


def test_missing_gad7_is_refused():
    with pytest.raises(InvalidResponses) as refused:
        triage(phq9(0), None)
    assert list(refused.value.errors) == ["screening.gad7"]


# --- properties ------------------------------------------------------------------------------

@given(
    st.lists(st.integers(0, 3), min_size=9, max_size=9),
    st.lists(st.integers(0, 3), min_size=7, max_size=7),
    st.none() | st.lists(st.integers(0, 4), min_size=20, max_size=20),
)
def test_triage_follows_the_handbook_steps_for_every_valid_screening(phq9_answers, gad7_answers, pcl5_answers):
    result = triage(phq9_answers, gad7_answers, pcl5_answers)
    phq9_total, gad7_total = sum(phq9_answers), sum(gad7_answers)
    pcl5_total = None if pcl5_answers is None else sum(pcl5_answers)
    if phq9_answers[8] >= 2:
        expected = ("higher_level_of_care", None)
    elif phq9_total < 10 and gad7_total < 10 and (pcl5_total is None or pcl5_total < 33):
        expected = ("standard_outpatient", None)
    elif pcl5_total is not None and pcl5_total >= 33:
        expected = ("iop", "trauma")
    else:
        expected = ("iop", "depression" if phq9_total >= gad7_total else "anxiety")
    assert (result.recommendation, result.recommended_track) == expected
    assert result.scores == {"phq9": phq9_total, "gad7": gad7_total, "pcl5": pcl5_total}

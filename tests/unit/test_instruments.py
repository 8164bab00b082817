"""Scoring, bands, change over time and risk of the standardised instruments.

Expected values come from the handbook (CLINICAL.md "Instruments"), not from the
configuration, so the tests also check that config/clinical.yaml says what the handbook says.
"""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import clinical
from shared.scoring import INSTRUMENTS, InvalidResponses, Score, change_from_baseline

# The instruments as config/clinical.yaml defines them, called as plain functions below.
_INSTRUMENTS = clinical.load_clinical_rules().instruments
item9_risk_level, reliable_change = _INSTRUMENTS.item9_risk_level, _INSTRUMENTS.reliable_change
remission, response, score = _INSTRUMENTS.remission, _INSTRUMENTS.response, _INSTRUMENTS.score
severity, validate_responses = _INSTRUMENTS.severity, _INSTRUMENTS.validate_responses

# The symptom and well-being measures (the screens AUDIT-C, DAST-10 and C-SSRS are tested below).
MEASURES = ("phq9", "gad7", "pcl5", "who5")

# instrument: (items, item_max, reported multiplier)
SHAPES = {"phq9": (9, 3, 1), "gad7": (7, 3, 1), "pcl5": (20, 4, 1), "who5": (5, 5, 4)}

# Handbook bands on the reported scale: (first total, label), ascending.
BANDS = {
    "phq9": [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately_severe"), (20, "severe")],
    "gad7": [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")],
    "pcl5": [(0, "subthreshold"), (33, "probable_ptsd")],
    "who5": [(0, "poor_wellbeing"), (52, "adequate")],
}

RELIABLE_CHANGE = {"phq9": 6, "gad7": 4, "pcl5": 10, "who5": 10}


def expected_band(instrument, total):
    return [label for first, label in BANDS[instrument] if total >= first][-1]


def answers_totalling(instrument, raw_total):
    """A valid answer vector whose raw total is raw_total."""
    items, item_max, _ = SHAPES[instrument]
    answers = []
    for _ in range(items):
        answers.append(min(item_max, raw_total))
        raw_total -= answers[-1]
    assert raw_total == 0
    return answers


def reported_max(instrument):
    items, item_max, multiplier = SHAPES[instrument]
    return items * item_max * multiplier


# --- configuration ---------------------------------------------------------------------------

@pytest.mark.parametrize("instrument", MEASURES)
def test_every_instrument_scores_to_the_top_of_its_handbook_scale(instrument):
    items, item_max, _ = SHAPES[instrument]
    result = score(instrument, [item_max] * items)
    assert result.total == reported_max(instrument)
    assert result.severity == BANDS[instrument][-1][1]


def override_rules(tmp_path):
    rules = clinical.DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "reliable_change: 6", "reliable_change: 3")
    override = tmp_path / "clinical.yaml"
    override.write_text(rules, encoding="utf-8")
    return override


def test_a_network_s_own_rules_file_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(clinical.CONFIG_ENV, str(override_rules(tmp_path)))
    assert clinical.load_clinical_rules().instruments.reliable_change("phq9", 12, 9) == "improved"
    monkeypatch.delenv(clinical.CONFIG_ENV)
    assert clinical.load_clinical_rules().instruments.reliable_change("phq9", 12, 9) == "no_change"


def test_the_service_configuration_names_the_rules_file_before_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(clinical.CONFIG_ENV, str(clinical.DEFAULT_PATH))
    path = clinical.clinical_rules_path({"CLINICAL_RULES": str(override_rules(tmp_path))})
    assert clinical.load_clinical_rules(path).instruments.reliable_change("phq9", 12, 9) == "improved"


# --- scoring and bands -----------------------------------------------------------------------

# Both sides of every band boundary, and the top of each scale.
BOUNDARIES = sorted({
    (instrument, total)
    for instrument, bands in BANDS.items()
    for first, _ in bands
    for total in (first - 1, first)
    if total >= 0
} | {(instrument, reported_max(instrument)) for instrument in BANDS})


@pytest.mark.parametrize("instrument,total", BOUNDARIES)
def test_severity_changes_band_exactly_at_each_handbook_boundary(instrument, total):
    assert severity(instrument, total) == expected_band(instrument, total)


@pytest.mark.parametrize("instrument,total,label", [
    ("phq9", 4, "minimal"), ("phq9", 5, "mild"), ("phq9", 9, "mild"), ("phq9", 10, "moderate"),
    ("phq9", 14, "moderate"), ("phq9", 15, "moderately_severe"), ("phq9", 19, "moderately_severe"),
    ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"), ("gad7", 10, "moderate"),
    ("gad7", 14, "moderate"), ("gad7", 15, "severe"), ("gad7", 21, "severe"),
    ("pcl5", 32, "subthreshold"), ("pcl5", 33, "probable_ptsd"), ("pcl5", 80, "probable_ptsd"),
    ("who5", 48, "poor_wellbeing"), ("who5", 52, "adequate"), ("who5", 100, "adequate"),
])
def test_scored_answers_land_in_the_handbook_band_on_both_sides_of_each_boundary(instrument, total, label):
    multiplier = SHAPES[instrument][2]
    result = score(instrument, answers_totalling(instrument, total // multiplier))
    assert (result.total, result.severity) == (total, label)


def test_who5_is_reported_as_raw_total_times_four():
    result = score("who5", [3, 2, 3, 2, 2])
    assert result == Score(instrument="who5", total=48, raw_total=12, severity="poor_wellbeing", item9=None)


def test_who5_raw_thirteen_is_adequate_wellbeing():
    assert score("who5", [3, 3, 3, 2, 2]).severity == "adequate"


def test_phq9_score_carries_item_nine():
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2])
    assert (result.total, result.item9) == (2, 2)


@pytest.mark.parametrize("instrument", ["gad7", "pcl5", "who5"])
def test_instruments_other_than_phq9_have_no_item_nine(instrument):
    assert score(instrument, answers_totalling(instrument, 0)).item9 is None


@pytest.mark.parametrize("instrument", MEASURES)
def test_severity_of_a_total_outside_the_scale_is_refused(instrument):
    with pytest.raises(ValueError):
        severity(instrument, reported_max(instrument) + 1)
    with pytest.raises(ValueError):
        severity(instrument, -1)


# --- validation ------------------------------------------------------------------------------

def test_too_few_items_is_refused_with_the_expected_count():
    with pytest.raises(InvalidResponses) as refused:
        score("phq9", [0] * 8)
    assert refused.value.errors == {"responses": ["expected 9 items, got 8"]}


def test_too_many_items_is_refused():
    with pytest.raises(InvalidResponses) as refused:
        validate_responses("gad7", [0] * 8)
    assert refused.value.errors == {"responses": ["expected 7 items, got 8"]}


def test_item_out_of_range_is_refused_on_its_zero_based_path_with_one_based_item_number():
    with pytest.raises(InvalidResponses) as refused:
        score("phq9", [0, 0, 0, 5, 0, 0, 0, 0, 0])
    assert refused.value.errors == {"responses.3": ["item 4 must be an integer from 0 to 3, got 5"]}


@pytest.mark.parametrize("bad", [True, False, "2", None, 1.0, -1, 4])
def test_item_that_is_not_an_integer_in_range_is_refused(bad):
    answers = [0] * 9
    answers[8] = bad
    with pytest.raises(InvalidResponses) as refused:
        validate_responses("phq9", answers)
    assert list(refused.value.errors) == ["responses.8"]
    assert refused.value.errors["responses.8"] == [f"item 9 must be an integer from 0 to 3, got {bad!r}"]


@pytest.mark.parametrize("bad", [None, "012", 7, {"0": 1}])
def test_responses_that_are_not_a_list_are_refused(bad):
    with pytest.raises(InvalidResponses) as refused:
        validate_responses("gad7", bad)
    assert list(refused.value.errors) == ["responses"]


def test_every_bad_item_is_reported_at_once():
    with pytest.raises(InvalidResponses) as refused:
        validate_responses("gad7", [9, 0, None, 0, 0, 0])
    assert set(refused.value.errors) == {"responses", "responses.0", "responses.2"}


def test_unknown_instrument_is_refused_on_the_instrument_field():
    with pytest.raises(InvalidResponses) as refused:
        score("bdi2", [0] * 21)
    assert list(refused.value.errors) == ["instrument"]


def test_validated_answers_are_returned_as_a_list():
    assert validate_responses("who5", (5, 4, 3, 2, 1)) == [5, 4, 3, 2, 1]


# --- change over time ------------------------------------------------------------------------

def test_change_from_baseline_is_latest_minus_baseline():
    assert change_from_baseline(18, 11) == -7
    assert change_from_baseline(40, 56) == 16


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "pcl5"])
def test_fall_by_exactly_the_threshold_is_reliable_improvement(instrument):
    threshold = RELIABLE_CHANGE[instrument]
    assert reliable_change(instrument, 20, 20 - threshold) == "improved"
    assert reliable_change(instrument, 20, 20 - threshold + 1) == "no_change"


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "pcl5"])
def test_rise_by_exactly_the_threshold_is_reliable_deterioration(instrument):
    threshold = RELIABLE_CHANGE[instrument]
    assert reliable_change(instrument, 10, 10 + threshold) == "deteriorated"
    assert reliable_change(instrument, 10, 10 + threshold - 1) == "no_change"


def test_who5_rise_is_improvement_because_higher_is_better():
    assert reliable_change("who5", 40, 50) == "improved"
    assert reliable_change("who5", 40, 49) == "no_change"


def test_who5_fall_is_deterioration_because_higher_is_better():
    assert reliable_change("who5", 60, 50) == "deteriorated"
    assert reliable_change("who5", 60, 51) == "no_change"


def test_no_change_when_totals_are_equal():
    assert reliable_change("pcl5", 40, 40) == "no_change"


# --- response and remission ------------------------------------------------------------------

@pytest.mark.parametrize("instrument,caseness", [("phq9", 10), ("gad7", 10), ("pcl5", 33)])
def test_response_and_remission_are_not_applicable_below_caseness(instrument, caseness):
    assert response(instrument, caseness - 1, 0) is None
    assert remission(instrument, caseness - 1, 0) is None


@pytest.mark.parametrize("instrument,caseness", [("phq9", 10), ("gad7", 10), ("pcl5", 33)])
def test_response_and_remission_apply_from_caseness(instrument, caseness):
    assert response(instrument, caseness, 0) is True
    assert remission(instrument, caseness, 0) is True


def test_who5_has_no_response_or_remission():
    assert response("who5", 20, 80) is None
    assert remission("who5", 20, 80) is None


def test_half_the_baseline_is_a_response():
    assert response("phq9", 20, 10) is True
    assert response("phq9", 20, 11) is False


def test_response_on_an_odd_baseline_needs_at_least_half():
    assert response("gad7", 15, 7) is True
    assert response("gad7", 15, 8) is False


@pytest.mark.parametrize("instrument,remitted,not_remitted", [("phq9", 4, 5), ("gad7", 4, 5), ("pcl5", 32, 33)])
def test_remission_is_a_final_total_below_the_threshold(instrument, remitted, not_remitted):
    assert remission(instrument, 40 if instrument == "pcl5" else 15, remitted) is True
    assert remission(instrument, 40 if instrument == "pcl5" else 15, not_remitted) is False


# --- PHQ-9 item 9 ----------------------------------------------------------------------------

@pytest.mark.parametrize("item9,level", [(0, None), (1, "moderate"), (2, "high"), (3, "high")])
def test_item_nine_answer_sets_the_risk_level(item9, level):
    assert item9_risk_level(item9) == level
    assert item9_risk_level([0] * 8 + [item9]) == level


def test_item_nine_risk_does_not_depend_on_the_total():
    assert item9_risk_level([0, 0, 0, 0, 0, 0, 0, 0, 1]) == "moderate"
    assert item9_risk_level([3, 3, 3, 3, 3, 3, 3, 3, 0]) is None


@pytest.mark.parametrize("bad", [4, -1, True, [0] * 8])
def test_item_nine_risk_of_an_invalid_answer_is_refused(bad):
    with pytest.raises(InvalidResponses):
        item9_risk_level(bad)


# --- properties ------------------------------------------------------------------------------

def valid_answers(instrument):
    items, item_max, _ = SHAPES[instrument]
    return st.lists(st.integers(0, item_max), min_size=items, max_size=items)


valid_vectors = st.sampled_from(MEASURES).flatmap(
    lambda instrument: st.tuples(st.just(instrument), valid_answers(instrument)))


@st.composite
def invalid_vectors(draw):
    instrument = draw(st.sampled_from(MEASURES))
    items, item_max, _ = SHAPES[instrument]
    if draw(st.booleans()):
        length = draw(st.integers(0, items * 2).filter(lambda n: n != items))
        return instrument, draw(st.lists(st.integers(0, item_max), min_size=length, max_size=length))
    answers = draw(valid_answers(instrument))
    bad = draw(st.one_of(
        st.integers(max_value=-1), st.integers(min_value=item_max + 1),
        st.booleans(), st.none(), st.floats(), st.text(max_size=2)))
    answers[draw(st.integers(0, items - 1))] = bad
    return instrument, answers


@given(valid_vectors)
def test_total_is_the_sum_of_answers_on_the_reported_scale_and_falls_in_its_band(vector):
    instrument, answers = vector
    result = score(instrument, answers)
    assert result.raw_total == sum(answers)
    assert result.total == sum(answers) * SHAPES[instrument][2]
    assert result.severity == expected_band(instrument, result.total)
    assert result.severity == severity(instrument, result.total)


@given(invalid_vectors())
def test_every_invalid_answer_vector_is_refused(vector):
    instrument, answers = vector
    with pytest.raises(InvalidResponses):
        score(instrument, answers)


def test_the_scoring_kit_knows_every_instrument_the_catalog_names():
    from shared import enums
    assert set(INSTRUMENTS) == set(enums.INSTRUMENTS)


# --- AUDIT-C (Bush 1998; Bradley 2007) -------------------------------------------------------

evaluate = _INSTRUMENTS.evaluate


def audit_c_totalling(total):
    answers = []
    for _ in range(3):
        answers.append(min(4, total))
        total -= answers[-1]
    return answers


@pytest.mark.parametrize("total", range(0, 13))
def test_audit_c_total_is_the_sum_of_its_three_items(total):
    assert score("audit_c", audit_c_totalling(total)).total == total


# Men positive from 4, women from 3, not recorded from 3: both sides of each cut point.
@pytest.mark.parametrize("sex,total,positive", [
    ("male", 3, False), ("male", 4, True), ("male", 12, True), ("male", 0, False),
    ("female", 2, False), ("female", 3, True), ("female", 12, True),
    (None, 2, False), (None, 3, True),
])
def test_audit_c_is_positive_at_the_sex_specific_cut_point(sex, total, positive):
    result = score("audit_c", audit_c_totalling(total), sex=sex)
    assert result.positive is positive
    assert result.severity == ("positive" if positive else "negative")


def test_audit_c_of_a_man_with_three_is_negative_but_of_a_woman_positive():
    assert score("audit_c", [1, 1, 1], sex="male").positive is False
    assert score("audit_c", [1, 1, 1], sex="female").positive is True


@pytest.mark.parametrize("answers,field", [([5, 0, 0], "responses.0"), ([0, 0], "responses"),
                                           ([0, 0, -1], "responses.2")])
def test_audit_c_answer_outside_zero_to_four_is_refused(answers, field):
    with pytest.raises(InvalidResponses) as refused:
        score("audit_c", answers)
    assert field in refused.value.errors


def test_audit_c_sex_must_be_male_female_or_not_recorded():
    with pytest.raises(InvalidResponses) as refused:
        score("audit_c", [1, 1, 1], sex="m")
    assert list(refused.value.errors) == ["sex"]


def test_audit_c_has_no_reliable_change_rule_and_no_response_or_remission():
    assert reliable_change("audit_c", 10, 0) is None
    assert response("audit_c", 10, 0) is None
    assert remission("audit_c", 10, 0) is None


# --- DAST-10 (Skinner 1982) ------------------------------------------------------------------

# Item 3 ("always able to stop?") scores 1 on a "no" (0).
NO_DRUG_USE = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def dast10_totalling(total):
    """Answers as asked scoring `total`: flip item 3 first, then yes to items 1, 2, 4, ..."""
    answers = list(NO_DRUG_USE)
    if total:
        answers[2] = 0
        total -= 1
    for index in (0, 1, 3, 4, 5, 6, 7, 8, 9)[:total]:
        answers[index] = 1
    return answers


def test_dast10_all_no_answers_score_one_because_item_three_is_reversed():
    assert score("dast10", [0] * 10).total == 1


def test_dast10_no_drug_use_answered_as_asked_scores_zero():
    result = score("dast10", NO_DRUG_USE)
    assert (result.total, result.severity, result.positive) == (0, "none", False)


def test_dast10_all_yes_scores_nine():
    assert score("dast10", [1] * 10).total == 9


def test_dast10_every_problem_endorsed_scores_ten():
    assert score("dast10", [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]).total == 10


# Skinner bands none 0, low 1-2, moderate 3-5, substantial 6-8, severe 9-10; positive from 3.
@pytest.mark.parametrize("total,band,positive", [
    (0, "none", False), (1, "low", False), (2, "low", False), (3, "moderate", True), (5, "moderate", True),
    (6, "substantial", True), (8, "substantial", True), (9, "severe", True), (10, "severe", True),
])
def test_dast10_bands_and_positive_screen_at_each_boundary(total, band, positive):
    result = score("dast10", dast10_totalling(total))
    assert (result.total, result.severity, result.positive) == (total, band, positive)
    assert severity("dast10", total) == band


@pytest.mark.parametrize("bad", [2, -1, True])
def test_dast10_answers_are_zero_or_one(bad):
    answers = list(NO_DRUG_USE)
    answers[5] = bad
    with pytest.raises(InvalidResponses) as refused:
        score("dast10", answers)
    assert list(refused.value.errors) == ["responses.5"]


def test_instruments_without_a_cut_point_have_no_positive():
    assert score("phq9", [3] * 9).positive is None
    assert score("who5", [5] * 5).positive is None


# --- C-SSRS screener (Columbia Protocol, screen version) -------------------------------------

def cssrs(*yes, q6_within_3_months=None):
    answers = [1 if number in yes else 0 for number in range(1, 7)]
    return score("cssrs", answers, q6_within_3_months=q6_within_3_months)


@pytest.mark.parametrize("yes,recent,level", [
    ((), None, "none"),
    ((1,), None, "low"), ((2,), None, "low"), ((1, 2), None, "low"),
    ((1, 2, 3), None, "moderate"), ((3,), None, "moderate"),
    ((6,), False, "moderate"), ((1, 6), False, "moderate"),
    ((1, 2, 3, 4), None, "high"), ((4,), None, "high"), ((1, 2, 5), None, "high"),
    ((6,), True, "high"), ((1, 2, 3, 6), True, "high"), ((1, 2, 3, 4, 5, 6), False, "high"),
])
def test_cssrs_published_risk_levels(yes, recent, level):
    result = cssrs(*yes, q6_within_3_months=recent)
    assert result.severity == level
    assert result.total == len(yes)
    assert result.positive is None


def test_cssrs_behavior_needs_its_timing():
    with pytest.raises(InvalidResponses) as refused:
        cssrs(6)
    assert list(refused.value.errors) == ["q6_within_3_months"]


def test_cssrs_recent_behavior_without_any_behavior_is_refused():
    with pytest.raises(InvalidResponses) as refused:
        cssrs(1, q6_within_3_months=True)
    assert list(refused.value.errors) == ["q6_within_3_months"]


def test_cssrs_no_behavior_may_say_not_recent():
    assert cssrs(1, q6_within_3_months=False).severity == "low"


def test_behavior_timing_is_only_for_the_cssrs():
    with pytest.raises(InvalidResponses) as refused:
        score("phq9", [0] * 9, q6_within_3_months=False)
    assert list(refused.value.errors) == ["q6_within_3_months"]


@pytest.mark.parametrize("answers", [[0] * 5, [0, 0, 0, 0, 0, 2], [0] * 7])
def test_cssrs_answers_are_six_yes_or_no(answers):
    with pytest.raises(InvalidResponses):
        score("cssrs", answers)


# --- incomplete answers ----------------------------------------------------------------------

def test_an_incomplete_phq9_has_no_score_but_keeps_its_item_nine():
    result = evaluate("phq9", [1, None, 2, 0, 0, 0, 0, 0, 2])
    assert result.complete is False
    assert result.score is None
    assert (result.item9, result.risk_level) == (2, "high")
    assert result.answered == {1: 1, 3: 2, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 2}


def test_an_incomplete_phq9_with_item_nine_unanswered_shows_no_risk():
    result = evaluate("phq9", [3, 3, 3, 3, 3, 3, 3, 3, None])
    assert (result.item9, result.risk_level) == (None, None)


@pytest.mark.parametrize("item9,level", [(0, None), (1, "moderate"), (2, "high"), (3, "high")])
def test_an_incomplete_phq9_item_nine_has_the_complete_one_s_risk_level(item9, level):
    assert evaluate("phq9", [None] * 8 + [item9]).risk_level == level


def test_a_complete_evaluation_carries_the_score():
    result = evaluate("gad7", [1, 1, 1, 1, 1, 1, 1])
    assert result.complete is True
    assert (result.score.total, result.score.severity) == (7, "mild")


def test_all_items_unanswered_is_refused():
    with pytest.raises(InvalidResponses) as refused:
        evaluate("phq9", [None] * 9)
    assert list(refused.value.errors) == ["responses"]


def test_an_incomplete_answer_list_still_needs_every_position_and_range():
    with pytest.raises(InvalidResponses) as refused:
        evaluate("phq9", [None] * 8)
    assert list(refused.value.errors) == ["responses"]
    with pytest.raises(InvalidResponses) as refused:
        evaluate("phq9", [None, 4, 0, 0, 0, 0, 0, 0, 1])
    assert list(refused.value.errors) == ["responses.1"]


def test_score_still_refuses_an_unanswered_item():
    with pytest.raises(InvalidResponses) as refused:
        score("phq9", [0] * 8 + [None])
    assert list(refused.value.errors) == ["responses.8"]


def test_an_incomplete_cssrs_shows_the_risk_of_what_was_answered():
    result = evaluate("cssrs", [1, 1, None, 1, None, 0])
    assert (result.complete, result.score, result.risk_level) == (False, None, "high")


def test_the_substance_use_screens_carry_their_loinc_codes():
    instruments = clinical.load_clinical_rules()["instruments"]
    assert instruments["audit_c"]["loinc"] == {"total": "75626-2"}
    assert instruments["dast10"]["loinc"] == {"panel": "82666-9", "total": "82667-7"}

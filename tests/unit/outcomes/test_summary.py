"""Outcome summary figures: baseline, final, change, reliable change, response, remission, attendance."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.outcomes.domain import outcome_summary
from services.outcomes.domain.outcome_summary import Attendance, Measure, attendance
from shared.clinical import load_clinical_rules

INSTRUMENTS = load_clinical_rules().instruments


def measure(instrument, screening_total, scores):
    return outcome_summary.measure(INSTRUMENTS, instrument, screening_total, scores)


def measures(screening, scores):
    return outcome_summary.measures(INSTRUMENTS, screening, scores)


def test_screening_total_is_the_baseline_and_the_last_score_is_final():
    assert measure("phq9", 18, [14, 11, 8]) == Measure("phq9", 18, 8, -10, "improved", True, False)


def test_without_screening_the_first_score_is_the_baseline():
    assert measure("gad7", None, [12, 9, 5]) == Measure("gad7", 12, 5, -7, "improved", True, False)


def test_a_fall_to_below_five_from_caseness_is_remission():
    assert measure("phq9", 10, [4]) == Measure("phq9", 10, 4, -6, "improved", True, True)


@pytest.mark.parametrize("instrument, baseline, final", [("phq9", 9, 2), ("gad7", 9, 1), ("pcl5", 32, 10)])
def test_response_and_remission_are_null_below_caseness_not_false(instrument, baseline, final):
    result = measure(instrument, baseline, [final])

    assert result.change == final - baseline
    assert result.response is None and result.remission is None


def test_pcl5_from_caseness_has_response_and_remission():
    assert measure("pcl5", 50, [30]) == Measure("pcl5", 50, 30, -20, "improved", False, True)


def test_who5_improvement_is_a_rise_and_has_no_response_or_remission():
    assert measure("who5", None, [32, 48, 60]) == Measure("who5", 32, 60, 28, "improved", None, None)


def test_who5_fall_is_deterioration():
    assert measure("who5", None, [60, 40]).reliable_change == "deteriorated"


def test_change_at_exactly_the_reliable_change_threshold_is_reliable():
    assert measure("pcl5", 40, [30]).reliable_change == "improved"
    assert measure("pcl5", 40, [31]).reliable_change == "no_change"


def test_a_single_score_without_screening_is_final_with_a_null_baseline():
    assert measure("who5", None, [52]) == Measure("who5", None, 52, None, None, None, None)


def test_a_screened_instrument_never_measured_again_has_no_measure():
    assert measure("gad7", 12, []) is None


def test_measures_follow_the_instrument_order_and_skip_the_unmeasured():
    found = measures({"phq9": 17, "gad7": 12}, {"who5": [40, 56], "phq9": [9]})

    assert [m.instrument for m in found] == ["phq9", "who5"]


def test_attendance_rate_leaves_out_excused_absences():
    result = attendance(["attended"] * 6 + ["absent"] * 2 + ["excused"] * 3)

    assert result == Attendance(0.75, "sessions", 6, 8)


def test_without_counted_sessions_the_rate_intake_reported_stands_in():
    assert attendance(["excused"], reported_rate=0.9) == Attendance(0.9, "intake", 0, 0)
    assert attendance([]) == Attendance(0.0, "none", 0, 0)


SCALES = {"phq9": (27, 1), "gad7": (21, 1), "pcl5": (80, 1), "who5": (25, 4)}
CASENESS = {"phq9": 10, "gad7": 10, "pcl5": 33}


@st.composite
def instrument_series(draw):
    instrument = draw(st.sampled_from(sorted(SCALES)))
    raw_max, multiplier = SCALES[instrument]
    total = st.integers(0, raw_max).map(lambda raw: raw * multiplier)
    return instrument, draw(st.none() | total), draw(st.lists(total, max_size=6))


@given(instrument_series())
def test_a_measure_pairs_baseline_and_final_and_applies_caseness(series):
    instrument, screening, scores = series
    result = measure(instrument, screening, scores)

    if not scores:
        assert result is None
        return
    assert result.final_score == scores[-1]
    if result.baseline_score is None:
        assert screening is None and len(scores) == 1
        assert (result.change, result.reliable_change, result.response) == (None, None, None)
        return
    assert result.baseline_score == (screening if screening is not None else scores[0])
    assert result.change == result.final_score - result.baseline_score
    at_caseness = instrument in CASENESS and result.baseline_score >= CASENESS[instrument]
    assert (result.response is None) == (not at_caseness)
    assert (result.remission is None) == (not at_caseness)


@given(st.lists(st.sampled_from(["attended", "absent", "excused"])))
def test_attendance_rate_is_a_fraction_of_the_counted_sessions(statuses):
    result = attendance(statuses)

    assert 0.0 <= result.rate <= 1.0
    assert result.counted == statuses.count("attended") + statuses.count("absent")


# -- Substance use in summaries

def test_audit_c_has_baseline_final_and_change_and_no_reliable_change_response_or_remission():
    # AUDIT-C defines no reliable-change index, response or remission (config: null).
    assert measure("audit_c", 7, [5, 3]) == Measure("audit_c", 7, 3, -4, None, None, None)


def test_dast10_has_baseline_final_and_change_only():
    assert measure("dast10", 4, [6]) == Measure("dast10", 4, 6, 2, None, None, None)


def test_a_cssrs_screen_is_not_an_outcome_measure():
    found = measures({"phq9": 17}, {"phq9": [9], "cssrs": [0, 1]})

    assert [m.instrument for m in found] == ["phq9"]

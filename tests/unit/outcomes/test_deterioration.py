"""Reliable deterioration without alert fatigue: every transition of the per-instrument rule.

PHQ-9 (reliable change 6; bands minimal 0, mild 5, moderate 10, moderately severe 15, severe 20)
and GAD-7 (reliable change 4; most severe band 15+), values from the instrument manuals."""
from datetime import date, timedelta

import pytest

from services.outcomes.domain.deterioration import (AGAIN, ENTERED, MOST_SEVERE, WORSENED, State,
                                                    follows, most_severe_band, program_week, step)
from shared.clinical import load_clinical_rules

RULES = load_clinical_rules()
INSTRUMENTS, SPECS = RULES.instruments, RULES["instruments"]


def run(instrument, baseline, scores):
    """The alert (or None) of each score in turn, each compared with the baseline."""
    state, alerts = None, []
    for score in scores:
        result = step(INSTRUMENTS, SPECS, instrument, state,
                      score, INSTRUMENTS.reliable_change(instrument, baseline, score))
        state, alerts = result.state, alerts + [result.alert]
    return alerts


def test_entering_deterioration_alerts_once():
    # baseline 5: 11 is +6 (deteriorated); 12 and 13 stay deteriorated, less than 6 above 11.
    assert run("phq9", 5, [11, 12, 13]) == [ENTERED, None, None]


def test_below_the_reliable_change_step_nothing_alerts():
    assert run("phq9", 5, [10, 9, 10]) == [None, None, None]


def test_a_further_reliable_change_step_beyond_the_last_flagged_score_alerts_again():
    # flagged at 11; 16 is +5 from it (no), 17 is +6 from 11 (yes); then from 17: 19 (no),
    # 23 (+6, yes: a step beyond, in the severe band too).
    assert run("phq9", 5, [11, 16, 17, 19, 23]) == [ENTERED, None, WORSENED, None, WORSENED]


def test_entering_the_most_severe_band_alerts_again():
    # baseline 10: 16 enters (moderately severe); 20 is +4 from 16 but enters "severe".
    assert run("phq9", 10, [16, 19, 20, 21]) == [ENTERED, None, MOST_SEVERE, None]


def test_a_first_flag_already_in_the_most_severe_band_does_not_alert_twice_for_it():
    # baseline 14: 20 enters deterioration in the severe band; 22 stays there.
    assert run("phq9", 14, [20, 22]) == [ENTERED, None]


def test_deteriorating_again_after_recovering_to_no_change_alerts_again():
    # baseline 5: 11 enters; 8 is +3 (no change: recovered); 11 deteriorates again.
    assert run("phq9", 5, [11, 8, 11]) == [ENTERED, None, AGAIN]


def test_deteriorating_again_after_improving_alerts_again():
    # GAD-7 baseline 10: 14 (+4) enters; 6 (-4) improved; 15 (+5) deteriorated again.
    assert run("gad7", 10, [14, 6, 15]) == [ENTERED, None, AGAIN]


def test_recovery_keeps_the_last_flagged_score_but_clears_the_deteriorated_state():
    result = step(INSTRUMENTS, SPECS, "phq9", State(True, 11), 7, "no_change")

    assert result == type(result)(State(False, 11), None)


def test_a_score_without_a_baseline_comparison_is_not_a_deterioration():
    assert step(INSTRUMENTS, SPECS, "pcl5", None, 60, None).alert is None


def test_the_demo_episode_with_six_deteriorated_scores_alerts_once():
    # Screening PHQ-9 8, then six weekly scores all reliably deteriorated, none a step beyond
    # the first flagged one and none entering the severe band.
    assert run("phq9", 8, [14, 15, 16, 15, 17, 18]) == [ENTERED, None, None, None, None, None]


def test_followed_instruments_and_most_severe_bands_come_from_configuration():
    assert [name for name in ("phq9", "gad7", "pcl5", "who5") if follows(RULES["deterioration"], name)] == [
        "phq9", "gad7", "pcl5"]
    assert [most_severe_band(SPECS, name) for name in ("phq9", "gad7", "pcl5")] == [
        "severe", "severe", "probable_ptsd"]


@pytest.mark.parametrize("day, week", [(date(2026, 3, 2), 0), (date(2026, 3, 8), 0),
                                       (date(2026, 3, 9), 1), (date(2026, 3, 1), -1)])
def test_program_weeks_are_seven_days_from_the_start(day, week):
    assert program_week(date(2026, 3, 2), day) == week


def demo_alerts(patient):
    """Replay the demo's assessments of one patient (demo/drive.py `assess`, seeded): the old
    rule's flags (one per reliably deteriorated score) and the new rule's alerts (one per
    program week with any instrument's alert)."""
    from demo import network

    skip, old, weeks, states = patient.rng("skipped assessments"), 0, set(), {}
    last_week = patient.leaves_after_week or patient.planned_weeks
    for week in range(1, last_week + 1):
        due = ["phq9", "gad7"] + (["pcl5"] if patient.track == "trauma" and week % 2 == 0 else [])
        if week in {patient.planned_weeks // 2, patient.planned_weeks}:
            due.append("who5")
        for instrument in due:
            if skip.random() < 0.08 and week != last_week:
                continue  # the demo's missed questionnaire
            if instrument == "who5" or not patient.screening.get(instrument):
                continue
            baseline = sum(patient.screening[instrument])
            total = network.score_at(patient, instrument, baseline, week)
            change = INSTRUMENTS.reliable_change(instrument, baseline, total)
            old += change == "deteriorated"
            result = step(INSTRUMENTS, SPECS, instrument, states.get(instrument), total, change)
            states[instrument] = result.state
            if result.alert:  # the demo answers on day 7 x week - 3
                weeks.add(program_week(patient.start_date,
                                       patient.start_date + timedelta(days=7 * week - 3)))
    return old, len(weeks)


def test_the_demo_network_now_alerts_once_per_entry_and_week():
    from demo import network

    found = {p.index: demo_alerts(p) for p in network.patients(7, 60)
             if p.enrolls and p.expected == "iop"}
    # Patient 29 (trauma, worsening): 9 deteriorated scores; alerts: week 1 gad7 enters; week 3
    # phq9 and pcl5 enter and gad7 deteriorates again after recovering: one grouped alert.
    assert {index: counts for index, counts in found.items() if counts[0]} == {
        5: (3, 2), 25: (3, 2), 29: (9, 2)}


def test_the_answers_flags_follow_the_configured_deterioration_rule():
    # domain/scoring marks a deteriorated score with a reliable_deterioration flag, which the use
    # case keeps only when config `deterioration` alerts: both name the same instruments and level.
    from services.outcomes.domain import scoring

    assert (tuple(RULES["deterioration"]["instruments"]), RULES["deterioration"]["level"]) == (
        scoring.DETERIORATION_FLAGGED, scoring.DETERIORATION_LEVEL)

"""The outcomes report: cohorts by period, rates per site and track, paired scores only."""
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.outcomes.domain.reports import EpisodeOutcome, outcome_report
from services.outcomes.domain.outcome_summary import Measure

Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def phq9(baseline, final, reliable, response, remission):
    return Measure("phq9", baseline, final, None if baseline is None else final - baseline,
                   reliable, response, remission)


def episode(site="riverside", track="depression", start=date(2026, 1, 5), status="completed",
            ended=date(2026, 3, 2), rate=0.8, measures=()):
    return EpisodeOutcome(site, track, start, status, ended, rate, measures)


def test_completion_rate_and_attendance_are_over_the_episodes_that_ended_in_the_period():
    report = outcome_report([
        episode(rate=0.9), episode(rate=0.7), episode(status="discharged", rate=0.5),
        episode(status="active", ended=None, rate=None),
    ], *Q1)

    [group] = report
    assert (group["enrolled"], group["ended"], group["completed"]) == (4, 3, 2)
    assert group["completion_rate"] == 0.6667
    assert group["mean_attendance_rate"] == 0.7


def test_enrolled_counts_starts_and_outcomes_count_endings_within_the_period():
    report = outcome_report([
        episode(start=date(2025, 12, 1), ended=date(2026, 2, 1)),  # ended in Q1 only
        episode(start=date(2026, 3, 20), status="active", ended=None, rate=None),  # started in Q1 only
        episode(start=date(2026, 3, 1), ended=date(2026, 4, 20)),  # ended after Q1
        episode(start=date(2025, 1, 1), ended=date(2025, 3, 1)),  # outside Q1
    ], *Q1)

    [group] = report
    assert (group["enrolled"], group["ended"], group["completed"]) == (2, 1, 1)


def test_instrument_rates_use_paired_scores_and_response_only_from_caseness():
    report = outcome_report([
        episode(measures=[phq9(18, 6, "improved", True, False)]),
        episode(measures=[phq9(12, 3, "improved", True, True)]),
        episode(measures=[phq9(8, 2, "improved", None, None)]),  # below caseness
        episode(measures=[phq9(14, 20, "deteriorated", False, False)]),
        episode(measures=[phq9(None, 7, None, None, None)]),  # unpaired
    ], *Q1)

    figures = report[0]["measures"]["phq9"]
    assert figures == {"n": 4, "mean_change": -5.25, "n_at_caseness": 3, "response_rate": 0.6667,
                       "remission_rate": 0.3333, "reliable_improvement_rate": 0.75,
                       "reliable_deterioration_rate": 0.25}


def test_an_instrument_nobody_completed_has_zero_n_and_null_rates():
    figures = outcome_report([episode()], *Q1)[0]["measures"]["pcl5"]

    assert figures["n"] == 0 and figures["mean_change"] is None and figures["response_rate"] is None


def test_groups_are_per_site_and_track_in_order():
    report = outcome_report([episode(site="lakeside", track="trauma"), episode(track="anxiety"),
                             episode(site="lakeside", track="anxiety")], *Q1)

    assert [(g["site_id"], g["track"]) for g in report] == [
        ("lakeside", "anxiety"), ("lakeside", "trauma"), ("riverside", "anxiety")]


def test_without_a_period_every_episode_counts():
    [group] = outcome_report([episode(start=date(2020, 1, 1), ended=date(2020, 3, 1)), episode()])

    assert (group["enrolled"], group["ended"], group["completion_rate"]) == (2, 2, 1.0)


def test_a_period_with_no_ended_episode_has_null_rates_not_zero():
    [group] = outcome_report([episode(status="active", ended=None, rate=None)], *Q1)

    assert group["completion_rate"] is None and group["mean_attendance_rate"] is None


outcome = st.builds(
    lambda status, rate, pairs: episode(
        status=status, ended=None if status == "active" else date(2026, 2, 1),
        rate=None if status == "active" else rate,
        measures=[phq9(b, f, None, None if b < 10 else f * 2 <= b, None if b < 10 else f < 5)
                  for b, f in pairs]),
    st.sampled_from(["active", "completed", "discharged"]), st.floats(0, 1),
    st.lists(st.tuples(st.integers(0, 27), st.integers(0, 27)), max_size=1))


@given(st.lists(outcome, min_size=1, max_size=20))
def test_every_rate_is_a_fraction_or_null_and_counts_add_up(episodes):
    [group] = outcome_report(episodes, *Q1)

    assert group["completed"] <= group["ended"] <= group["enrolled"] == len(episodes)
    figures = group["measures"]["phq9"]
    assert figures["n_at_caseness"] <= figures["n"] <= group["ended"]
    for value in (group["completion_rate"], group["mean_attendance_rate"], figures["response_rate"],
                  figures["remission_rate"], figures["reliable_improvement_rate"]):
        assert value is None or 0.0 <= value <= 1.0


def test_substance_use_figures_have_mean_change_and_null_rates_without_a_published_rule():
    audit_c = [Measure("audit_c", 7, 3, -4, None, None, None), Measure("audit_c", 5, 6, 1, None, None, None)]
    report = outcome_report([episode(measures=(m,)) for m in audit_c], *Q1)

    [group] = report
    assert group["measures"]["audit_c"] == {
        "n": 2, "mean_change": -1.5, "n_at_caseness": 0, "response_rate": None,
        "remission_rate": None, "reliable_improvement_rate": None, "reliable_deterioration_rate": None}
    assert group["measures"]["dast10"]["n"] == 0 and "cssrs" not in group["measures"]

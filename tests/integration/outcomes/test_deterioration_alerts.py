"""Deterioration without alert fatigue, over HTTP and the real broker: a patient's weekly scores
give exactly the expected RiskFlagRaised events (CLINICAL.md; config `deterioration`)."""
from datetime import date, datetime, timedelta, timezone

from tests.integration.outcomes.scenario import assess, enroll, gad7, phq9, rows
from tests.integration.outcomes.test_measurement_schedule import announce

RISK = ("outcomes", "RiskFlagRaised")
SCORED = ("outcomes", "AssessmentScored")


def risk_events(outcomes, enrollment, watcher, last):
    """The enrollment's RiskFlagRaised events, once the last assessment's AssessmentScored is in
    (the outbox publishes in commit order: nothing of an earlier score comes after it)."""
    watcher.wait_for("AssessmentScored", where=lambda e: e["data"]["assessment_id"] == last)
    return [(e["data"]["reason"], e["data"]["level"], e["data"].get("instruments"))
            for e in watcher.received if e.get("type") == "RiskFlagRaised"
            and e["data"]["enrollment_id"] == enrollment["enrollment_id"]]


def test_weekly_scores_give_one_alert_per_entry_grouped_by_week(platform, outcomes, subscriber):
    # Screening PHQ-9 8, GAD-7 6 (reliable change: PHQ-9 6, GAD-7 4). Started 9 weeks ago.
    start = date.today() - timedelta(weeks=9)
    enrollment = enroll(platform, outcomes, start_date=start, screening={
        "phq9": 8, "gad7": 6, "pcl5": None, "screened_on": start - timedelta(days=3)})
    watcher = subscriber(RISK, SCORED)
    weeks = [
        (1, phq9(14), gad7(7)),           # phq9 +6 enters; gad7 +1: one alert [phq9]
        (2, phq9(15), gad7(8)),           # phq9 stays (+1 from 14), gad7 +2: nothing
        (3, phq9(9), gad7(9)),            # phq9 +1: recovered; gad7 +3: nothing
        (4, phq9(15), gad7(11)),          # phq9 again, gad7 enters: ONE alert [phq9, gad7]
        (5, phq9(21, item9=1), gad7(12)),  # item 9 (never suppressed); phq9 +6 beyond 15: [phq9]
        (6, phq9(20), gad7(13)),          # both stay deteriorated: nothing
        (7, phq9(22), gad7(14)),          # phq9 +1 from the last flagged 21, gad7 stays: nothing
    ]
    last, answered_with_flag = None, []
    for week, phq9_answers, gad7_answers in weeks:
        for instrument, answers in (("phq9", phq9_answers), ("gad7", gad7_answers)):
            response = assess(outcomes, enrollment, instrument, answers, on_day=7 * week)
            assert response.status_code == 201, response.text
            last = response.json()["assessment_id"]
            if {"reason": "reliable_deterioration", "level": "moderate"} in response.json()["flags"]:
                answered_with_flag.append((week, instrument))

    assert risk_events(outcomes, enrollment, watcher, last) == [
        ("reliable_deterioration", "moderate", ["phq9"]),
        ("reliable_deterioration", "moderate", ["phq9", "gad7"]),
        ("phq9_item9", "moderate", None),
        ("reliable_deterioration", "moderate", ["phq9"]),
    ]
    # The old rule raised 10 deterioration flags for these 14 scores (every deteriorated one);
    # the answers now show the flag on the scores that alerted (or joined their week's alert).
    assert answered_with_flag == [(1, "phq9"), (4, "phq9"), (4, "gad7"), (5, "phq9")]


def test_a_flag_waits_for_the_weeks_other_measure_at_most_its_hold(platform, outcomes, subscriber):
    start = date.today() - timedelta(weeks=9)
    enrollment = enroll(platform, outcomes, start_date=start)  # screening phq9 17, gad7 12
    watcher = subscriber(RISK, SCORED)

    first = assess(outcomes, enrollment, "gad7", gad7(16), on_day=14).json()["assessment_id"]
    assert risk_events(outcomes, enrollment, watcher, first) == []  # phq9 of that week still due

    # The hold (config: 2 hours) ends: the next dispatch raises it without the missing measure.
    announce(outcomes, datetime.now(timezone.utc) + timedelta(hours=2, minutes=1))
    [flag] = watcher.wait_for("RiskFlagRaised")
    assert (flag["data"]["instruments"], flag["data"]["assessment_id"]) == (["gad7"], first)

    # The same week's phq9 deteriorates later: it joins the flag, no second alert.
    second = assess(outcomes, enrollment, "phq9", phq9(24), on_day=15).json()["assessment_id"]
    assert len(risk_events(outcomes, enrollment, watcher, second)) == 1
    [stored] = rows(platform, "deterioration_flags", enrollment_id=enrollment["enrollment_id"])
    assert (stored["instruments"], stored["status"], stored["program_week"]) == (
        ["gad7", "phq9"], "raised", 2)
    assert stored["latest_scores"] == {"gad7": 16, "phq9": 24}

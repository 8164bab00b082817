"""End-of-program measures inside the program and at an earlier discharge; substance use on the
schedule and in summaries and reports; incomplete assessments never counted.
Over HTTP and the real broker."""
from datetime import date, timedelta

from demo.launch import wait_until
from tests.integration.outcomes.scenario import assess, complete, enroll, phq9
from tests.support.events import publish_event

DUE = ("outcomes", "AssessmentDue")
SUMMARY = ("outcomes", "OutcomeSummaryComputed")
START = date(2026, 1, 5)  # a Monday, long past: the service's own timer announces what is due


def schedule_of(outcomes, enrollment):
    return outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]


def summary_event(watcher, enrollment):
    [event] = watcher.wait_for("OutcomeSummaryComputed",
                               where=lambda e: e["data"]["enrollment_id"] == enrollment["enrollment_id"])
    return {m["instrument"]: m for m in event["data"]["measures"]}


def test_an_early_discharge_asks_the_finals_and_their_answer_counts_in_the_summary(
        platform, outcomes, subscriber):
    start = date.today() - timedelta(days=20)
    enrollment = enroll(platform, outcomes, start_date=start, planned_weeks=8)  # phq9 17 screened
    watcher = subscriber(DUE, SUMMARY)
    discharged_on = start + timedelta(days=17)  # week 3 (days 14-20) of an 8-week program

    publish_event(platform.amqp_uri, "PatientDischarged", {
        "enrollment_id": enrollment["enrollment_id"], "patient_id": enrollment["patient_id"],
        "track": enrollment["track"], "discharged_on": discharged_on, "reason": "withdrew"},
        site_id="riverside")

    summary_event(watcher, enrollment)
    finals = sorted(e["data"]["instrument"] for e in watcher.received
                    if e.get("type") == "AssessmentDue" and e["data"]["due_on"] == str(discharged_on))
    assert finals == ["gad7", "phq9", "who5"]  # day 49's measures, asked on day 17
    items = [(i["instrument"], i["status"]) for i in schedule_of(outcomes, enrollment)
             if i["occasion"] == "discharge" and i["due_on"] == str(discharged_on)]
    assert sorted(items) == [("gad7", "announced"), ("phq9", "announced"), ("who5", "announced")]

    # Answered the day after the discharge: it is the episode's final PHQ-9 all the same.
    watcher.received.clear()
    answer = assess(outcomes, enrollment, "phq9", phq9(9), on_day=18)
    assert answer.status_code == 201, answer.text
    assert summary_event(watcher, enrollment)["phq9"] == {
        "instrument": "phq9", "baseline_score": 17, "final_score": 9, "change": -8,
        "reliable_change": "improved", "response": False, "remission": False}


def test_substance_use_on_the_schedule_in_the_summary_and_the_report(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes, start_date=START, planned_weeks=8, screening={
        "phq9": 17, "gad7": 12, "pcl5": None, "audit_c": 7, "audit_c_positive": True, "dast10": 2,
        "screened_on": START - timedelta(days=3)})
    watcher = subscriber(SUMMARY)

    items = schedule_of(outcomes, enrollment)
    assert [(i["due_on"], i["occasion"]) for i in items if i["instrument"] == "audit_c"] == [
        (str(START + timedelta(days=28)), "weekly"), (str(START + timedelta(days=49)), "discharge")]
    assert [i for i in items if i["instrument"] == "dast10"] == []  # DAST-10 2: negative

    for day, answers in ((28, [2, 2, 1]), (49, [1, 1, 1])):
        response = assess(outcomes, enrollment, "audit_c", answers, on_day=day)
        assert response.status_code == 201, response.text
    assess(outcomes, enrollment, "phq9", phq9(10), on_day=42)
    # An incomplete PHQ-9 after it (item 3 unanswered) is never the final score.
    incomplete = assess(outcomes, enrollment, "phq9", [0, 0, None, 0, 0, 0, 0, 0, 0], on_day=49)
    assert incomplete.status_code == 201 and incomplete.json()["total_score"] is None

    complete(platform, enrollment, weeks=8)

    measures = summary_event(watcher, enrollment)
    assert measures["audit_c"] == {"instrument": "audit_c", "baseline_score": 7, "final_score": 3,
                                   "change": -4, "reliable_change": None, "response": None,
                                   "remission": None}
    assert (measures["phq9"]["baseline_score"], measures["phq9"]["final_score"]) == (17, 10)
    assert "dast10" not in measures and "cssrs" not in measures

    wait_until(lambda: outcomes.get("/reports/outcomes", key="admin").json()["groups"],
               message="no report group")
    [group] = outcomes.get("/reports/outcomes", key="admin").json()["groups"]
    # No reliable-change rule for AUDIT-C: its reliable change rates are null, not 0.
    assert group["measures"]["audit_c"] == {
        "n": 1, "mean_change": -4.0, "n_at_caseness": 0, "response_rate": None,
        "remission_rate": None, "reliable_improvement_rate": None,
        "reliable_deterioration_rate": None}
    assert group["measures"]["dast10"]["n"] == 0 and "cssrs" not in group["measures"]

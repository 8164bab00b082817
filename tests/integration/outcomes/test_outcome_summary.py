"""Completion or discharge → the episode's summary, published and readable."""
from datetime import date, timedelta

from demo.launch import wait_until
from tests.integration.outcomes.scenario import (assess, complete, discharge, enroll, gad7, phq9,
                                                 session, who5)

SUMMARY = ("outcomes", "OutcomeSummaryComputed")


def interim(outcomes, enrollment):
    return outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary").json()


def test_completion_publishes_the_summary_with_the_right_figures(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    enrollment = enroll(platform, outcomes)  # screening phq9 17, gad7 12
    for day, phq, gad in ((7, 14, 10), (56, 8, 4)):
        assert assess(outcomes, enrollment, "phq9", phq9(phq), on_day=day).status_code == 201
        assert assess(outcomes, enrollment, "gad7", gad7(gad), on_day=day).status_code == 201
    assess(outcomes, enrollment, "who5", who5(32), on_day=0)
    assess(outcomes, enrollment, "who5", who5(60), on_day=56)
    session(platform, enrollment, "SessionMissed", excused=True, consecutive_missed=0)
    for _ in range(3):
        session(platform, enrollment, "SessionAttended", attended_minutes=180)
    session(platform, enrollment, "SessionMissed", excused=False, consecutive_missed=1)
    wait_until(lambda: interim(outcomes, enrollment)["attendance"]["sessions_counted"] == 4)

    complete(platform, enrollment, attendance_rate=0.9)

    event = watcher.wait_for("OutcomeSummaryComputed")[0]
    assert event["data"] == {
        "site_id": "riverside", "enrollment_id": enrollment["enrollment_id"],
        "patient_id": enrollment["patient_id"], "track": "depression", "attendance_rate": 0.75,
        "measures": [
            {"instrument": "phq9", "baseline_score": 17, "final_score": 8, "change": -9,
             "reliable_change": "improved", "response": True, "remission": False},
            {"instrument": "gad7", "baseline_score": 12, "final_score": 4, "change": -8,
             "reliable_change": "improved", "response": True, "remission": True},
            {"instrument": "who5", "baseline_score": 32, "final_score": 60, "change": 28,
             "reliable_change": "improved", "response": None, "remission": None}]}
    stored = interim(outcomes, enrollment)
    assert stored["final"] is True and stored["status"] == "completed"
    assert stored["measures"] == event["data"]["measures"]
    assert stored["attendance"] == {"rate": 0.75, "basis": "sessions", "sessions_attended": 3,
                                    "sessions_counted": 4}


def test_completion_stops_the_schedule_and_plans_the_follow_up_phq9(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    enrollment = enroll(platform, outcomes, start_date=date.today() + timedelta(days=30))

    complete(platform, enrollment, weeks=6)
    watcher.wait_for("OutcomeSummaryComputed")

    items = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]
    completed_on = enrollment["start_date"] + timedelta(weeks=6)
    assert [(i["instrument"], i["due_on"], i["status"]) for i in items if i["occasion"] == "follow_up"] == [
        ("phq9", str(completed_on + timedelta(days=30)), "planned")]
    # Completed after 6 of 8 planned weeks: the end-of-program measures (due on day 49) had not
    # been asked, so they are asked at completion; everything else stops.
    assert sorted((i["instrument"], i["due_on"], i["status"]) for i in items
                  if i["status"] != "cancelled" and i["occasion"] != "follow_up") == [
        ("gad7", str(completed_on), "announced"), ("phq9", str(completed_on), "announced"),
        ("who5", str(completed_on), "announced")]


def test_discharge_publishes_a_summary_with_null_response_below_caseness(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    enrollment = enroll(platform, outcomes, screening={"phq9": 9, "gad7": 8, "pcl5": None,
                                                       "screened_on": "2026-01-05"})
    assess(outcomes, enrollment, "phq9", phq9(3), on_day=14)

    discharge(platform, enrollment, reason="withdrew", weeks=3)

    [event] = watcher.wait_for("OutcomeSummaryComputed")
    assert event["data"]["attendance_rate"] == 0.0
    assert event["data"]["measures"] == [
        {"instrument": "phq9", "baseline_score": 9, "final_score": 3, "change": -6,
         "reliable_change": "improved", "response": None, "remission": None}]
    assert interim(outcomes, enrollment)["status"] == "discharged"


def test_a_late_assessment_dated_within_the_episode_recomputes_the_summary(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    enrollment = enroll(platform, outcomes)
    complete(platform, enrollment)
    assert watcher.wait_for("OutcomeSummaryComputed")[0]["data"]["measures"] == []

    assess(outcomes, enrollment, "phq9", phq9(10), on_day=55)

    latest = watcher.wait_for("OutcomeSummaryComputed", count=2)[1]
    assert [m["final_score"] for m in latest["data"]["measures"]] == [10]

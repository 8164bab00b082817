"""Enrollment plans the schedule; AssessmentDue goes out on the due date's local morning."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from demo.launch import wait_until
from tests.integration.outcomes.scenario import enroll
from tests.support.events import publish_event
from tests.unit.event_examples import example

DUE = ("outcomes", "AssessmentDue")


def announce(outcomes, as_of):
    response = outcomes.post("/ops/assessments-due", {"as_of": as_of.isoformat()}, key="ops")
    assert response.status_code == 200, response.text
    return response.json()["announced"]


def future_monday():
    """A start date the real clock (and so the service's own timer) has not reached."""
    start = date.today() + timedelta(days=60)
    return start + timedelta(days=-start.weekday())


def test_enrollment_leads_to_assessment_due_on_the_sites_morning(platform, outcomes, subscriber):
    watcher = subscriber(DUE)
    start = future_monday()
    enrollment = enroll(platform, outcomes, start_date=start)  # riverside: America/New_York
    schedule = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()
    first_morning = datetime.fromisoformat(schedule["items"][0]["due_at"])

    before = announce(outcomes, first_morning - timedelta(minutes=1))
    at_nine = announce(outcomes, first_morning)

    assert first_morning.astimezone(ZoneInfo("America/New_York")).hour == 9
    assert (before, at_nine) == (0, 1)
    [due] = watcher.wait_for("AssessmentDue")
    assert due["data"] == {"site_id": "riverside", "patient_id": enrollment["patient_id"],
                           "enrollment_id": enrollment["enrollment_id"], "instrument": "who5",
                           "due_on": str(start)}


def test_a_week_later_phq9_and_gad7_fall_due_once(platform, outcomes, subscriber):
    watcher = subscriber(DUE)
    start = future_monday()
    enrollment = enroll(platform, outcomes, start_date=start)
    week_one = midday_at_riverside(start + timedelta(days=7))

    announced = [announce(outcomes, midday_at_riverside(start)), announce(outcomes, week_one),
                 announce(outcomes, week_one + timedelta(hours=1))]

    assert announced == [1, 2, 0]  # who5 at the start; phq9 and gad7 at week one; nothing twice
    received = watcher.wait_for("AssessmentDue", count=3)
    watcher.drain()
    assert sorted((e["data"]["instrument"], e["data"]["due_on"]) for e in watcher.received) == [
        ("gad7", str(start + timedelta(days=7))), ("phq9", str(start + timedelta(days=7))),
        ("who5", str(start))]
    assert {e["data"]["enrollment_id"] for e in received} == {enrollment["enrollment_id"]}


def test_an_item_not_announced_within_a_week_lapses_instead(platform, outcomes, subscriber):
    watcher = subscriber(DUE)
    start = future_monday()
    enrollment = enroll(platform, outcomes, start_date=start)

    announced = announce(outcomes, midday_at_riverside(start + timedelta(days=8)))

    assert announced == 2  # week one's phq9 and gad7; the start's who5 is over a week old
    items = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]
    assert [(i["instrument"], i["status"]) for i in items if i["due_on"] == str(start)] == [("who5", "lapsed")]
    assert {e["data"]["instrument"] for e in watcher.wait_for("AssessmentDue", count=2)} == {"phq9", "gad7"}


def test_a_longer_plan_extends_the_schedule(platform, outcomes):
    enrollment = enroll(platform, outcomes, start_date=future_monday(), planned_weeks=6)

    publish_event(platform.amqp_uri, "TreatmentPlanUpdated", example(
        "TreatmentPlanUpdated", site_id="riverside", enrollment_id=enrollment["enrollment_id"],
        patient_id=enrollment["patient_id"], planned_weeks=10), site_id="riverside")

    def who5_days():
        items = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]
        return [(date.fromisoformat(i["due_on"]) - enrollment["start_date"]).days
                for i in items if i["instrument"] == "who5" and i["status"] == "planned"]

    # 10 weeks (days 0-69): the middle day 35, the final on the last week's first day, 63.
    wait_until(lambda: who5_days() == [0, 35, 63], message=f"who5 still due on days {who5_days()}")


def midday_at_riverside(day):
    """17:00 UTC: midday in New York (13:00 in summer), after the 9:00 due time either way."""
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=17)


def test_trauma_track_without_screening_pcl5_is_due_at_the_start(platform, outcomes):
    enrollment = enroll(platform, outcomes, track="trauma", start_date=future_monday())

    items = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]

    assert [i["occasion"] for i in items if i["instrument"] == "pcl5"] == [
        "baseline", "weekly", "weekly", "weekly", "discharge"]


def test_announcing_needs_the_ops_or_admin_role(platform, outcomes):
    response = outcomes.post("/ops/assessments-due", {}, key="riverside")

    assert response.status_code == 403


def test_the_ops_clock_is_refused_beyond_its_window(outcomes):
    response = outcomes.post("/ops/assessments-due", {"as_of": "2199-12-31T00:00:00+00:00"}, key="ops")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["as_of"]

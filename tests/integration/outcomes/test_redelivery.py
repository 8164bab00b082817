"""Intake or scheduling saying the same thing twice has one effect."""
from demo.launch import wait_until
from tests.integration.outcomes.scenario import complete, enroll, rows, session
from tests.support.events import publish_event

SUMMARY = ("outcomes", "OutcomeSummaryComputed")


def test_an_enrollment_published_twice_is_planned_once(platform, outcomes):
    enrollment = enroll(platform, outcomes)
    planned = len(rows(platform, "due_assessments", enrollment_id=enrollment["enrollment_id"]))

    publish_event(platform.amqp_uri, "PatientEnrolled", enrollment, site_id="riverside")
    wait_until(lambda: len(rows(platform, "inbox")) == 2, message="second PatientEnrolled not handled")

    assert len(rows(platform, "due_assessments", enrollment_id=enrollment["enrollment_id"])) == planned
    assert len(rows(platform, "episodes", patient_id=enrollment["patient_id"])) == 1


def test_a_second_completion_publishes_no_second_summary(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    enrollment = enroll(platform, outcomes)
    complete(platform, enrollment)
    watcher.wait_for("OutcomeSummaryComputed")

    complete(platform, enrollment)
    wait_until(lambda: len(rows(platform, "inbox")) == 3, message="second ProgramCompleted not handled")

    watcher.drain()
    assert len(watcher.received) == 1


def test_a_corrected_attendance_record_replaces_the_first(platform, outcomes):
    enrollment = enroll(platform, outcomes)
    booking = "3e9c8f4b-bd76-4c3b-8a5d-9f4c7b5eac43"
    session(platform, enrollment, "SessionMissed", booking_id=booking, excused=False, consecutive_missed=1)
    wait_until(lambda: rows(platform, "attendance", booking_id=booking))

    session(platform, enrollment, "SessionAttended", booking_id=booking, attended_minutes=180)

    wait_until(lambda: rows(platform, "attendance", booking_id=booking)[0]["status"] == "attended")
    assert len(rows(platform, "attendance", enrollment_id=enrollment["enrollment_id"])) == 1

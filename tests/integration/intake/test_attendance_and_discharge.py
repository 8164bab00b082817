"""The attendance projection from scheduling's events, the completion rule and discharge."""
from prometheus_client.parser import text_string_to_metric_families

from demo.launch import wait_until
from tests.integration.intake.scenario import attend, enroll, identifiers_in, miss
from tests.support.events import publish_event


def attendance_of(intake, enrollment):
    return intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["attendance"]


def sessions_recorded(intake, enrollment):
    record = attendance_of(intake, enrollment)
    return record["attended"] + record["missed"] + record["excused"]


def consumed(intake, outcome):
    """SessionAttended messages the service settled with this outcome, from its /metrics."""
    for family in text_string_to_metric_families(intake.get("/metrics", key=None).text):
        for sample in family.samples:
            if (sample.name == "iop_events_consumed_total"
                    and sample.labels == {"type": "SessionAttended", "outcome": outcome}):
                return sample.value
    return 0


def discharge(intake, enrollment, key="admin", **body):
    return intake.post(f"/enrollments/{enrollment['enrollment_id']}/discharge",
                       {"on": "2027-01-01", **body}, key=key)


def test_attendance_events_move_the_completion_rule(platform, intake):
    enrollment = enroll(intake)
    attend(platform, enrollment)
    attend(platform, enrollment)
    miss(platform, enrollment)
    miss(platform, enrollment, excused=True)
    wait_until(lambda: sessions_recorded(intake, enrollment) == 4)
    below = attendance_of(intake, enrollment)
    assert (below["attended"], below["missed"], below["excused"]) == (2, 1, 1)
    assert (below["rate"], below["meets_completion_rate"]) == (0.6667, False)

    attend(platform, enrollment)

    wait_until(lambda: attendance_of(intake, enrollment)["attended"] == 3)
    reached = attendance_of(intake, enrollment)
    assert (reached["rate"], reached["meets_completion_rate"]) == (0.75, True)


def test_duplicate_attendance_events_are_counted_once(platform, intake):
    enrollment = enroll(intake)
    first = attend(platform, enrollment)
    wait_until(lambda: attendance_of(intake, enrollment)["attended"] == 1)

    # The same message redelivered, then the same booking's outcome re-sent under a new id.
    publish_event(platform.amqp_uri, "SessionAttended", first["data"], site_id="riverside",
                  event_id=first["id"])
    publish_event(platform.amqp_uri, "SessionAttended", first["data"], site_id="riverside")

    wait_until(lambda: consumed(intake, "duplicate") == 1 and consumed(intake, "processed") == 2)
    assert attendance_of(intake, enrollment)["attended"] == 1


def test_a_missed_session_corrected_to_attended_counts_as_attended(platform, intake):
    enrollment = enroll(intake)
    missed = miss(platform, enrollment)
    wait_until(lambda: attendance_of(intake, enrollment)["missed"] == 1)
    corrected = {k: v for k, v in missed["data"].items() if k not in ("excused", "consecutive_missed")}

    publish_event(platform.amqp_uri, "SessionAttended", {**corrected, "attended_minutes": 170},
                  site_id="riverside")

    wait_until(lambda: attendance_of(intake, enrollment)["attended"] == 1)
    assert attendance_of(intake, enrollment)["missed"] == 0


def test_completion_at_the_attendance_rate_publishes_program_completed(platform, intake, subscriber):
    watcher = subscriber(("intake", "ProgramCompleted"), ("intake", "PatientDischarged"))
    enrollment = enroll(intake)
    for _ in range(3):
        attend(platform, enrollment)
    miss(platform, enrollment)
    wait_until(lambda: sessions_recorded(intake, enrollment) == 4)

    response = discharge(intake, enrollment, key="riverside", reason="completed")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "discharged"
    envelope = watcher.wait_for("ProgramCompleted")[0]
    assert envelope["data"] == {
        "site_id": "riverside", "enrollment_id": enrollment["enrollment_id"],
        "patient_id": enrollment["patient_id"], "track": "depression", "start_date": "2026-11-09",
        "completed_on": "2027-01-01", "weeks_in_program": 8, "attendance_rate": 0.75}
    assert identifiers_in(envelope) == []
    watcher.drain()
    assert [e["type"] for e in watcher.received] == ["ProgramCompleted"]


def test_completion_under_the_rate_is_refused_with_the_numbers(platform, intake, subscriber):
    watcher = subscriber(("intake", "ProgramCompleted"))
    enrollment = enroll(intake)
    attend(platform, enrollment)
    miss(platform, enrollment)
    wait_until(lambda: sessions_recorded(intake, enrollment) == 2)

    refused = discharge(intake, enrollment, reason="completed")

    assert refused.status_code == 422
    problem = refused.json()
    assert (problem["attendance_rate"], problem["required_rate"]) == (0.5, 0.75)
    assert (problem["attended"], problem["counted_sessions"]) == (1, 2)
    assert "reason" in problem["errors"]
    assert intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["status"] == "active"
    watcher.drain()
    assert watcher.received == []


def test_a_clinicians_override_completes_under_the_rate_and_is_kept(platform, intake, subscriber):
    watcher = subscriber(("intake", "ProgramCompleted"))
    enrollment = enroll(intake)
    attend(platform, enrollment)
    miss(platform, enrollment)
    wait_until(lambda: sessions_recorded(intake, enrollment) == 2)

    coordinator = discharge(intake, enrollment, key="coordinator", reason="completed",
                            override_reason="Goals met; missed weeks were a hospital stay.")
    clinician = discharge(intake, enrollment, key="riverside", reason="completed",
                          override_reason="Goals met; missed weeks were a hospital stay.")

    assert coordinator.status_code == 403
    assert clinician.status_code == 200, clinician.text
    assert clinician.json()["discharge"]["override_reason"].startswith("Goals met")
    assert watcher.wait_for("ProgramCompleted")[0]["data"]["attendance_rate"] == 0.5


def test_other_reasons_publish_patient_discharged(intake, subscriber):
    watcher = subscriber(("intake", "PatientDischarged"))
    enrollment = enroll(intake, key="coordinator")

    response = discharge(intake, enrollment, key="coordinator", reason="withdrew")

    assert response.status_code == 200, response.text
    assert watcher.wait_for("PatientDischarged")[0]["data"] == {
        "site_id": "riverside", "enrollment_id": enrollment["enrollment_id"],
        "patient_id": enrollment["patient_id"], "track": "depression",
        "discharged_on": "2027-01-01", "reason": "withdrew"}


def test_a_discharged_enrollment_accepts_no_further_changes(intake, subscriber):
    watcher = subscriber(("intake", "#"))
    enrollment = enroll(intake)
    assert discharge(intake, enrollment, reason="administrative").status_code == 200
    watcher.wait_for("PatientDischarged")

    again = discharge(intake, enrollment, reason="withdrew")
    plan = intake.put(f"/enrollments/{enrollment['enrollment_id']}/plan",
                      {"plan": enrollment["plan"]})

    assert (again.status_code, plan.status_code) == (409, 409)
    assert again.headers["Content-Type"] == "application/problem+json"
    watcher.drain()
    assert [e["type"] for e in watcher.received] == ["PatientReferred", "PatientEnrolled",
                                                     "PatientDischarged"]

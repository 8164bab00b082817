"""A full series waitlists; a discharge cancels the future and promotes the first in line."""
from datetime import date, datetime, timezone

from demo.launch import wait_until
from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, START, discharge, enroll,
                                                 of_patient, open_clinic, set_clock, start_scheduling)
from tests.support.events import publish_event
from tests.unit.event_examples import example


def test_full_series_waitlists_in_order_and_a_discharge_promotes_the_first(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service, capacity=1)
    seated = enroll(platform)
    events.wait_for("SessionScheduled", where=of_patient(seated["patient_id"]), count=BOOKINGS_PER_ENROLLMENT)
    first = enroll(platform)
    events.wait_for("PatientWaitlisted", where=of_patient(first["patient_id"]))
    second = enroll(platform)

    waitlisted = events.wait_for("PatientWaitlisted", count=2)
    assert [(e["data"]["patient_id"], e["data"]["position"], e["data"]["modality"]) for e in waitlisted] == [
        (first["patient_id"], 1, "cbt_group"), (second["patient_id"], 2, "cbt_group")]
    group = service.get(f"/group-series/{clinic['group']['series_id']}").json()
    assert (group["seats_taken"], group["capacity"], group["waiting"]) == (1, 1, 2)
    listed = service.get("/sites/riverside/group-series", key="riverside").json()["series"]
    assert {(s["modality"], s["waiting"]) for s in listed} == {("cbt_group", 2), ("psychoeducation", 0)}
    day = service.get("/sites/riverside/calendar?from=2026-03-02&to=2026-03-02").json()["sessions"]
    assert {(s["modality"], s["booked"], s["capacity"], s["waiting"]) for s in day if s["kind"] == "group"} == {
        ("cbt_group", 1, 1, 2)}

    # Wednesday 4 March, after the Monday session: only what lies ahead is cancelled.
    set_clock(service, datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc))
    discharge(platform, seated)

    cancelled = events.wait_for("SessionCancelled", where=of_patient(seated["patient_id"]), count=7)  # 5 group, 1 education, 1 individual
    promoted = events.wait_for("SessionScheduled", where=lambda e: of_patient(first["patient_id"])(e)
                               and e["data"]["kind"] == "group", count=5)
    assert {e["data"]["reason"] for e in cancelled} == {"patient_discharged"}
    assert all(e["data"]["starts_at"] > "2026-03-04T12:00" for e in promoted)
    schedule = service.get(f"/patients/{seated['patient_id']}/schedule").json()
    assert [s["starts_at"][:10] for s in schedule["sessions"] if s["booking_status"] == "booked"] == [
        "2026-03-02", "2026-03-02", "2026-03-02", "2026-03-03"]  # group, individual, family, education
    second_schedule = service.get(f"/patients/{second['patient_id']}/schedule").json()
    assert second_schedule["waitlist"] == [{"series_id": clinic["group"]["series_id"],
                                            "modality": "cbt_group", "position": 1}]
    wait_until(lambda: service.get(f"/group-series/{clinic['group']['series_id']}").json()["seats_taken"] == 1)
    assert service.get(f"/group-series/{clinic['group']['series_id']}").json()["waiting"] == 1
    assert not [e for e in events.drain() if e["type"] == "SessionScheduled"
                and e["data"]["patient_id"] == second["patient_id"] and e["data"]["kind"] == "group"]


def test_program_completed_cancels_what_is_left_and_keeps_the_past(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)
    events.wait_for("SessionScheduled", where=of_patient(patient["patient_id"]), count=BOOKINGS_PER_ENROLLMENT)
    set_clock(service, datetime(2026, 3, 13, 12, 0, tzinfo=timezone.utc))  # Friday of the last week

    publish_event(platform.amqp_uri, "ProgramCompleted", example(
        "ProgramCompleted", site_id="riverside", enrollment_id=patient["enrollment_id"],
        patient_id=patient["patient_id"], start_date=START, completed_on=date(2026, 3, 13),
        weeks_in_program=2, attendance_rate=0.9), site_id="riverside")

    events.wait_for("SessionCancelled", where=of_patient(patient["patient_id"]))
    cancelled = [e["data"] for e in events.drain() if e["type"] == "SessionCancelled"]
    assert [d["reason"] for d in cancelled] == ["program_completed"]  # Friday's group only
    schedule = service.get(f"/patients/{patient['patient_id']}/schedule").json()
    assert schedule["enrollment_status"] == "completed"
    assert sum(s["booking_status"] == "booked" for s in schedule["sessions"]) == BOOKINGS_PER_ENROLLMENT - 1


def test_a_patient_enrolled_again_after_a_discharge_is_booked_for_the_new_enrollment(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    before = enroll(platform)
    events.wait_for("SessionScheduled", where=of_patient(before["patient_id"]), count=BOOKINGS_PER_ENROLLMENT)
    set_clock(service, datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc))
    discharge(platform, before)
    events.wait_for("SessionCancelled", count=7)

    again = enroll(platform, patient_id=before["patient_id"], start_date=date(2026, 3, 4))

    rebooked = events.wait_for("SessionScheduled", where=lambda e: e["data"]["enrollment_id"] == again["enrollment_id"]
                               and e["data"]["kind"] == "group", count=6)  # Wed 4 … Mon 16
    schedule = service.get(f"/patients/{before['patient_id']}/schedule").json()
    assert schedule["enrollment_id"] == again["enrollment_id"]
    booked = {s["session_id"] for s in schedule["sessions"] if s["booking_status"] == "booked"}
    assert {e["data"]["session_id"] for e in rebooked} <= booked

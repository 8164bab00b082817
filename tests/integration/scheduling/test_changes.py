"""Clinic cancellations, rescheduling and a changed treatment plan."""
from datetime import datetime, timedelta

from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, PLAN, enroll, of_patient,
                                                 open_clinic, start_scheduling)
from tests.support.events import publish_event
from tests.unit.event_examples import example


def enrolled_with_bookings(platform, events, service):
    clinic = open_clinic(service)
    data = enroll(platform)
    scheduled = events.wait_for("SessionScheduled", where=of_patient(data["patient_id"]),
                                count=BOOKINGS_PER_ENROLLMENT)
    return clinic, data, sorted((e["data"] for e in scheduled), key=lambda d: d["starts_at"])


def test_a_clinic_cancellation_cancels_every_booking_on_the_session(platform, events):
    service = start_scheduling(platform)
    clinic, first, scheduled = enrolled_with_bookings(platform, events, service)
    second = enroll(platform)
    events.wait_for("SessionScheduled", where=of_patient(second["patient_id"]), count=BOOKINGS_PER_ENROLLMENT)
    group_session = scheduled[0]["session_id"]

    response = service.post(f"/sessions/{group_session}/cancel", {"reason": "facilitator_unavailable"})

    assert response.status_code == 200, response.text
    cancelled = events.wait_for("SessionCancelled", count=2)
    assert {(e["data"]["session_id"], e["data"]["reason"]) for e in cancelled} == {
        (group_session, "facilitator_unavailable")}
    assert {e["data"]["patient_id"] for e in cancelled} == {first["patient_id"], second["patient_id"]}
    assert service.post(f"/sessions/{group_session}/cancel", {"reason": "again"}).status_code == 409
    assert service.get(f"/sessions/{group_session}").json()["status"] == "cancelled"


def test_an_individual_appointment_is_rescheduled(platform, events):
    service = start_scheduling(platform)
    _, data, scheduled = enrolled_with_bookings(platform, events, service)
    individual = next(d for d in scheduled if d["kind"] == "individual")
    previous = datetime.fromisoformat(individual["starts_at"])
    moved = previous + timedelta(days=1)  # Tuesday 13:00 local: free for both

    response = service.post(f"/bookings/{individual['booking_id']}/reschedule",
                            {"starts_at": moved.isoformat()})

    assert response.status_code == 200, response.text
    event = events.wait_for("SessionRescheduled")[0]["data"]
    assert datetime.fromisoformat(event["starts_at"]) == moved
    assert datetime.fromisoformat(event["previous_starts_at"]) == previous
    assert datetime.fromisoformat(event["ends_at"]) - moved == timedelta(minutes=50)
    group = next(d for d in scheduled if d["kind"] == "group")
    clash = service.post(f"/bookings/{individual['booking_id']}/reschedule",
                         {"starts_at": group["starts_at"]})
    assert clash.status_code == 409
    assert service.post(f"/bookings/{group['booking_id']}/reschedule",
                        {"starts_at": moved.isoformat()}).status_code == 409


def test_a_smaller_plan_cancels_the_bookings_it_no_longer_needs(platform, events):
    service = start_scheduling(platform)
    _, data, _ = enrolled_with_bookings(platform, events, service)

    publish_event(platform.amqp_uri, "TreatmentPlanUpdated", example(
        "TreatmentPlanUpdated", site_id="riverside", enrollment_id=data["enrollment_id"],
        patient_id=data["patient_id"], plan_version=2, planned_weeks=2, weekly_hours=2.5,
        plan={**PLAN, "group_sessions_per_week": 0, "family_sessions_per_month": 0}), site_id="riverside")

    cancelled = events.wait_for("SessionCancelled", count=7)  # 6 group, 1 family
    assert {e["data"]["reason"] for e in cancelled} == {"plan_changed"}
    remaining = service.get(f"/patients/{data['patient_id']}/schedule").json()["sessions"]
    assert sorted(s["kind"] for s in remaining if s["booking_status"] == "booked") == [
        "education", "education", "individual", "individual"]
    scheduled = {e["id"] for e in events.drain() if e["type"] == "SessionScheduled"}
    assert len(scheduled) == BOOKINGS_PER_ENROLLMENT  # nothing booked anew


def test_a_longer_plan_books_the_added_week(platform, events):
    service = start_scheduling(platform)
    _, data, _ = enrolled_with_bookings(platform, events, service)

    publish_event(platform.amqp_uri, "TreatmentPlanUpdated", example(
        "TreatmentPlanUpdated", site_id="riverside", enrollment_id=data["enrollment_id"],
        patient_id=data["patient_id"], plan_version=2, planned_weeks=3, weekly_hours=10.8, plan=PLAN),
        site_id="riverside")

    added = events.wait_for("SessionScheduled", where=lambda e: e["data"]["starts_at"] >= "2026-03-16",
                            count=5)
    assert sorted(e["data"]["kind"] for e in added) == ["education", "group", "group", "group", "individual"]
    assert not [e for e in events.drain() if e["type"] == "SessionCancelled"]


def test_a_shorter_plan_cancels_the_weeks_it_drops(platform, events):
    service = start_scheduling(platform)
    _, data, _ = enrolled_with_bookings(platform, events, service)

    publish_event(platform.amqp_uri, "TreatmentPlanUpdated", example(
        "TreatmentPlanUpdated", site_id="riverside", enrollment_id=data["enrollment_id"],
        patient_id=data["patient_id"], plan_version=2, planned_weeks=1, weekly_hours=11.7, plan=PLAN),
        site_id="riverside")

    events.wait_for("SessionCancelled", count=5)
    cancelled = [e["data"] for e in events.drain() if e["type"] == "SessionCancelled"]
    schedule = service.get(f"/patients/{data['patient_id']}/schedule").json()
    by_booking = {s["booking_id"]: s for s in schedule["sessions"]}
    assert len(cancelled) == 5  # the second week's 3 groups, education and individual session
    assert all(by_booking[d["booking_id"]]["starts_at"] >= "2026-03-09" for d in cancelled)
    assert [w["week"] for w in schedule["intensity"]["weeks"]] == ["2026-W10"]

"""Attendance on held sessions: SessionAttended / SessionMissed, idempotent, correctable."""
from datetime import datetime, timezone

from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, enroll, of_patient,
                                                 open_clinic, set_clock, start_scheduling)

AFTER_WEDNESDAY_GROUP = datetime(2026, 3, 4, 18, 0, tzinfo=timezone.utc)


def booked_sessions(events, patient_id, kind="group"):
    scheduled = events.wait_for("SessionScheduled", where=of_patient(patient_id), count=BOOKINGS_PER_ENROLLMENT)
    return sorted((e["data"]["starts_at"], e["data"]["session_id"]) for e in scheduled
                  if e["data"]["kind"] == kind)


def test_attendance_publishes_attended_and_missed_with_misses_in_a_row(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)["patient_id"]
    (_, monday), (_, wednesday) = booked_sessions(events, patient)[:2]
    set_clock(service, AFTER_WEDNESDAY_GROUP)

    first = service.post(f"/sessions/{monday}/attendance", [{"patient_id": patient, "status": "absent"}])
    second = service.post(f"/sessions/{wednesday}/attendance", [{"patient_id": patient, "status": "absent"}])

    assert first.status_code == 200, first.text
    assert second.json()["records"][0]["outcome"] == "recorded"
    missed = events.wait_for("SessionMissed", count=2)
    assert [(e["data"]["session_id"], e["data"]["consecutive_missed"], e["data"]["excused"])
            for e in missed] == [(monday, 1, False), (wednesday, 2, False)]
    assert missed[0]["data"]["kind"] == "group" and missed[0]["data"]["modality"] == "cbt_group"

    corrected = service.post(f"/sessions/{monday}/attendance",
                             [{"patient_id": patient, "status": "attended", "attended_minutes": 170}])
    assert corrected.json()["records"][0]["outcome"] == "corrected"
    attended = events.wait_for("SessionAttended")[0]["data"]
    assert (attended["session_id"], attended["attended_minutes"]) == (monday, 170)


def test_recording_the_same_attendance_twice_publishes_once(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)["patient_id"]
    (_, monday), *_ = booked_sessions(events, patient)
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    body = [{"patient_id": patient, "status": "attended", "attended_minutes": 180}]

    service.post(f"/sessions/{monday}/attendance", body)
    again = service.post(f"/sessions/{monday}/attendance", body)

    assert again.status_code == 200 and again.json()["records"][0]["outcome"] == "unchanged"
    events.wait_for("SessionAttended")
    assert len([e for e in events.drain() if e["type"] == "SessionAttended"]) == 1


def test_attendance_is_refused_before_the_session_starts_or_for_a_patient_not_booked(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)["patient_id"]
    sessions = booked_sessions(events, patient)
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    (_, monday), (_, friday) = sessions[0], sessions[2]

    early = service.post(f"/sessions/{friday}/attendance", [{"patient_id": patient, "status": "attended",
                                                            "attended_minutes": 180}])
    stranger = service.post(f"/sessions/{monday}/attendance", [
        {"patient_id": patient, "status": "attended", "attended_minutes": 180},
        {"patient_id": "0b6f5c1e-8a43-4f0e-9d2a-6c1f4e2b7a10", "status": "absent"}])

    assert early.status_code == 409
    assert early.headers["Content-Type"] == "application/problem+json"
    assert stranger.status_code == 422
    assert list(stranger.json()["errors"]) == ["1.patient_id"]
    detail = service.get(f"/sessions/{monday}").json()
    assert [b["attendance"] for b in detail["bookings"]] == [None]  # the valid entry was not kept either
    assert not [e for e in events.drain() if e["type"] in ("SessionAttended", "SessionMissed")]

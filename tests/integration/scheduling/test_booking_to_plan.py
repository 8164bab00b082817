"""PatientEnrolled from intake → bookings to the plan → SessionScheduled to any subscriber."""
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, enroll, of_patient,
                                                 open_clinic, staff, start_scheduling)

NEW_YORK = ZoneInfo("America/New_York")


def local(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(NEW_YORK).strftime("%a %H:%M")


def test_enrollment_is_booked_for_the_whole_plan(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service)

    enrolled = enroll(platform)

    scheduled = events.wait_for("SessionScheduled", where=of_patient(enrolled["patient_id"]),
                                count=BOOKINGS_PER_ENROLLMENT)
    data = [e["data"] for e in scheduled]
    assert Counter(d["kind"] for d in data) == {"group": 6, "education": 2, "individual": 2, "family": 1}
    assert {local(d["starts_at"]) for d in data if d["kind"] == "group"} == {
        "Mon 09:00", "Wed 09:00", "Fri 09:00"}
    assert {d["timezone"] for d in data} == {"America/New_York"}
    assert {d["enrollment_id"] for d in data} == {enrolled["enrollment_id"]}
    individual = [d for d in data if d["kind"] == "individual"]
    assert {d["staff_id"] for d in individual} == {clinic["therapist"]["staff_id"]}
    assert {local(d["starts_at"]) for d in individual} == {"Mon 13:00"}  # after the morning group


def test_schedule_shows_utc_times_with_the_zone_and_weekly_intensity(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    enrolled = enroll(platform)
    events.wait_for("SessionScheduled", count=BOOKINGS_PER_ENROLLMENT)

    schedule = service.get(f"/patients/{enrolled['patient_id']}/schedule").json()

    assert schedule["timezone"] == "America/New_York"
    assert len(schedule["sessions"]) == BOOKINGS_PER_ENROLLMENT
    assert all(s["starts_at"].endswith("+00:00") for s in schedule["sessions"])
    weeks = schedule["intensity"]["weeks"]
    assert [w["week"] for w in weeks] == ["2026-W10", "2026-W11"]
    # 9 h of group, 1 h of education, 50 min individual (+ 50 min family in the first week).
    assert [w["booked_hours"] for w in weeks] == [11.67, 10.83]
    assert not any(w["under_minimum"] for w in weeks)
    assert schedule["intensity"]["minimum_weekly_hours"] == 9


def test_a_week_under_the_iop_minimum_is_flagged(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    enrolled = enroll(platform, plan={"group_sessions_per_week": 1, "individual_sessions_per_week": 1,
                                      "family_sessions_per_month": 0, "education_sessions_per_week": 1})
    events.wait_for("SessionScheduled", count=4)  # 2 individual, 2 education; no 1-day group exists

    weeks = service.get(f"/patients/{enrolled['patient_id']}/schedule").json()["intensity"]["weeks"]
    assert all(w["under_minimum"] and w["under_plan"] for w in weeks)


def test_the_therapist_speaking_the_patients_language_is_chosen(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service)
    spanish = staff(service, name="Lucia Marin", languages=["es", "en"])

    enrolled = enroll(platform, preferred_language="es")

    scheduled = events.wait_for("SessionScheduled", where=of_patient(enrolled["patient_id"]),
                                count=BOOKINGS_PER_ENROLLMENT)
    assert {e["data"]["staff_id"] for e in scheduled if e["data"]["kind"] == "individual"} == {
        spanish["staff_id"]}
    assert clinic["therapist"]["staff_id"] != spanish["staff_id"]


def test_the_same_enrollment_delivered_twice_is_booked_once(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    first = enroll(platform)
    events.wait_for("SessionScheduled", count=BOOKINGS_PER_ENROLLMENT)

    enroll(platform, enrollment_id=first["enrollment_id"], patient_id=first["patient_id"])
    enroll(platform)  # a later, different enrollment shows the first one was handled

    events.wait_for("SessionScheduled", count=2 * BOOKINGS_PER_ENROLLMENT)
    events.drain()
    assert len([e for e in events.received if e["type"] == "SessionScheduled"]) == 2 * BOOKINGS_PER_ENROLLMENT
    assert len(service.get(f"/patients/{first['patient_id']}/schedule").json()["sessions"]) == \
        BOOKINGS_PER_ENROLLMENT

"""A small riverside clinic for the scheduling tests: staff, series, enrollments, a clock."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from tests.support.events import publish_event
from tests.unit.event_examples import example

# Sunday before the program starts: every session of the plan lies ahead.
BEFORE_START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
START = date(2026, 3, 2)  # a Monday
PLAN = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
        "family_sessions_per_month": 1, "education_sessions_per_week": 1}
# Two weeks: 6 group + 2 education + 2 individual + 1 family (weeks 0 of each 4).
BOOKINGS_PER_ENROLLMENT = 11
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def start_scheduling(platform, now: datetime = BEFORE_START):
    return platform.start("scheduling", CLOCK_NOW=now.isoformat())


def set_clock(service, now: datetime) -> None:
    """Move the running service's clock (read from its config on every call)."""
    service.config["CLOCK_NOW"] = now.isoformat()


def staff(service, site="riverside", **changes) -> dict:
    body = {"site_id": site, "name": "Dana Reyes", "roles": ["therapist"], "languages": ["en"],
            "email": "dana@example.org", "phone": "+1 555 0100", "max_caseload": 20,
            "availability": [{"weekday": d, "start_time": "13:00", "end_time": "17:00"} for d in WEEKDAYS]}
    response = service.post("/staff", {**body, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def series(service, facilitator_id, site="riverside", **changes) -> dict:
    body = {"site_id": site, "track": "depression", "modality": "cbt_group", "kind": "group",
            "weekdays": ["mon", "wed", "fri"], "start_time": "09:00", "duration_minutes": 180,
            "capacity": 12, "facilitator_id": facilitator_id, "starts_on": "2026-03-02",
            "ends_on": "2026-04-30"}
    response = service.post("/group-series", {**body, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def open_clinic(service, capacity: int = 12) -> dict:
    """A therapist (on call too), a facilitator, a CBT group (Mon/Wed/Fri 09:00) and psychoeducation (Tue 10:00)."""
    therapist = staff(service, roles=["therapist", "on_call"])
    facilitator = staff(service, name="Sam Ortiz", roles=["facilitator"], availability=[])
    group = series(service, facilitator["staff_id"], capacity=capacity)
    education = series(service, facilitator["staff_id"], modality="psychoeducation", kind="education",
                       weekdays=["tue"], start_time="10:00", duration_minutes=60)
    return {"therapist": therapist, "facilitator": facilitator, "group": group, "education": education}


def enroll(platform, site="riverside", event_id=None, **changes) -> dict:
    defaults = {"enrollment_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
                "start_date": START, "planned_weeks": 2, "plan": PLAN}
    data = example("PatientEnrolled", site_id=site, **{**defaults, **changes})
    publish_event(platform.amqp_uri, "PatientEnrolled", data, site_id=site, event_id=event_id)
    return data


def discharge(platform, enrollment: dict, on: date = date(2026, 3, 4)) -> None:
    publish_event(platform.amqp_uri, "PatientDischarged", example(
        "PatientDischarged", site_id=enrollment["site_id"], enrollment_id=enrollment["enrollment_id"],
        patient_id=enrollment["patient_id"], discharged_on=on, reason="withdrew"),
        site_id=enrollment["site_id"])


def of_patient(patient_id):
    return lambda envelope: envelope["data"]["patient_id"] == patient_id

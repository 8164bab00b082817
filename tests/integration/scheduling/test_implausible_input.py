"""Requests that once answered 500 or did unbounded work: each is now a problem naming its field,
and the calendar is as it was."""
import pytest

from demo.launch import wait_until
from tests.integration.scheduling.clinic import enroll, open_clinic, staff, start_scheduling

PROBLEM = "application/problem+json"


def refused(response, status, field=None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    if field is not None:
        assert field in response.json()["errors"], response.json()


def calendar(service):
    return service.get("/sites/riverside/calendar?from=2026-03-01&to=2026-05-31").json()["sessions"]


@pytest.mark.parametrize("body", ["AAA", 7, {"patient_id": "x"}])
def test_attendance_that_is_not_a_list_is_422(platform, body):
    service = start_scheduling(platform)
    open_clinic(service)
    session_id = calendar(service)[0]["session_id"]
    before = service.get(f"/sessions/{session_id}").json()

    refused(service.post(f"/sessions/{session_id}/attendance", body), 422)
    assert service.get(f"/sessions/{session_id}").json() == before


@pytest.mark.parametrize("query, field", [
    ("from=9999-12-31&to=9999-12-31", "from"),
    ("from=0001-01-01&to=0001-01-02", "from"),
    ("from=2026-01-01&to=2026-12-31", "to"),  # more days than one request may cover
])
def test_an_implausible_calendar_range_is_422(platform, query, field):
    service = start_scheduling(platform)
    refused(service.get(f"/sites/riverside/calendar?{query}"), 422, field)


@pytest.mark.parametrize("changes, field", [
    ({"starts_on": "9999-12-31", "ends_on": None}, "starts_on"),
    ({"starts_on": "2026-03-02", "ends_on": "9999-12-31"}, "ends_on"),
    ({"starts_on": "0001-01-01", "ends_on": "0001-03-01"}, "starts_on"),
    ({"starts_on": "2026-03-02", "ends_on": "2099-12-31",
      "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "ends_on"),  # 26,685 sessions once
])
def test_an_implausible_series_is_422_and_creates_no_session(platform, changes, field):
    service = start_scheduling(platform)
    facilitator = staff(service, roles=["facilitator"])["staff_id"]
    body = {"site_id": "riverside", "track": "depression", "modality": "cbt_group", "kind": "group",
            "weekdays": ["mon"], "start_time": "09:00", "duration_minutes": 180, "capacity": 12,
            "facilitator_id": facilitator, **changes}

    refused(service.post("/group-series", body), 422, field)
    assert calendar(service) == []


def test_a_reschedule_to_year_9999_is_422_and_the_booking_keeps_its_time(platform):
    service = start_scheduling(platform)
    open_clinic(service)
    enrollment = enroll(platform)
    schedule = f"/patients/{enrollment['patient_id']}/schedule"
    sessions = wait_until(lambda: service.get(schedule).json().get("sessions"), timeout=30,
                          message="the enrollment booked")
    individual = next(s for s in sessions if s["kind"] == "individual")

    refused(service.post(f"/bookings/{individual['booking_id']}/reschedule",
                         {"starts_at": "9999-12-31T23:30:00Z"}), 422, "starts_at")
    assert service.get(schedule).json()["sessions"] == sessions

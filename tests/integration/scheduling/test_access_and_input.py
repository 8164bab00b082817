"""Keys see only their sites; bad input is a 422 naming each field and changes nothing."""
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, enroll, of_patient,
                                                 open_clinic, staff, start_scheduling)

BAD_SERIES = {"site_id": "atlantis", "track": "grief", "modality": "cbt_group", "kind": "group",
              "weekdays": ["mon", "funday"], "start_time": "9am", "duration_minutes": 180,
              "capacity": 0, "facilitator_id": "not-a-uuid", "starts_on": "2026-03-10",
              "ends_on": "2026-03-01", "colour": "blue"}


def test_bad_series_is_refused_naming_each_field_and_nothing_is_created(platform):
    service = start_scheduling(platform)

    response = service.post("/group-series", BAD_SERIES)

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {
        "site_id", "track", "weekdays.1", "start_time", "capacity", "facilitator_id", "ends_on", "colour"}
    calendar = service.get("/sites/riverside/calendar?from=2026-03-01&to=2026-03-31").json()
    assert calendar["sessions"] == []


def test_group_psychotherapy_over_twelve_is_refused_but_education_may_be_larger(platform):
    service = start_scheduling(platform)
    facilitator = staff(service, roles=["facilitator"])["staff_id"]
    body = {"site_id": "riverside", "track": "depression", "modality": "cbt_group", "kind": "group",
            "weekdays": ["mon"], "start_time": "09:00", "duration_minutes": 180, "capacity": 13,
            "facilitator_id": facilitator, "starts_on": "2026-03-02"}

    refused = service.post("/group-series", body)
    lecture = service.post("/group-series", {**body, "modality": "psychoeducation", "kind": "education",
                                             "duration_minutes": 60, "capacity": 30})

    assert refused.status_code == 422 and refused.json()["errors"] == {
        "capacity": ["Group psychotherapy holds at most 12 participants."]}
    assert lecture.status_code == 201, lecture.text


def test_bad_staff_and_attendance_bodies_name_each_field(platform):
    service = start_scheduling(platform)

    bad_staff = service.post("/staff", {"site_id": "riverside", "name": "", "roles": ["surgeon"],
                                        "languages": ["english!"], "email": "nope", "phone": "x",
                                        "max_caseload": -1, "availability": [
                                            {"weekday": "mon", "start_time": "17:00", "end_time": "09:00"}]})
    bad_attendance = service.post("/sessions/4fad9a5c-ce87-4d4c-9b6e-a05d8c6fbd54/attendance",
                                  [{"patient_id": "x", "status": "late"}])
    bad_calendar = service.get("/sites/riverside/calendar?from=2026-03-10&to=2026-03-01")

    assert bad_staff.status_code == 422
    assert set(bad_staff.json()["errors"]) == {"name", "roles.0", "languages.0", "email", "phone",
                                               "max_caseload", "availability.0.end_time"}
    assert bad_attendance.status_code == 422
    assert set(bad_attendance.json()["errors"]) == {"0.patient_id", "0.status"}
    assert bad_calendar.status_code == 422 and list(bad_calendar.json()["errors"]) == ["to"]


def test_keys_see_only_their_sites(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)["patient_id"]
    scheduled = events.wait_for("SessionScheduled", where=of_patient(patient), count=BOOKINGS_PER_ENROLLMENT)
    session_id = scheduled[0]["data"]["session_id"]

    assert service.get(f"/patients/{patient}/schedule", key="riverside").status_code == 200
    assert service.get(f"/patients/{patient}/schedule", key="lakeside").status_code == 404
    assert service.get(f"/sessions/{session_id}", key="lakeside").status_code == 404
    assert service.get("/sites/riverside/calendar?from=2026-03-01&to=2026-03-07",
                       key="lakeside").status_code == 404
    assert service.post(f"/sessions/{session_id}/cancel", {"reason": "storm"},
                        key="lakeside").status_code == 404
    forbidden = service.post("/staff", {"site_id": "lakeside", "name": "X", "roles": ["therapist"],
                                        "languages": ["en"], "email": "x@example.org",
                                        "phone": "+15555550101", "max_caseload": 5},
                             key="coordinator")
    assert forbidden.status_code == 403
    assert service.get("/sites/riverside/calendar?from=2026-03-01&to=2026-03-07",
                       key=None).status_code == 401
    assert service.get(f"/sessions/{session_id}").json()["status"] == "scheduled"


def test_care_team_rpc_gives_on_call_staff_and_the_primary_clinician(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service)
    patient = enroll(platform)["patient_id"]
    events.wait_for("SessionScheduled", where=of_patient(patient), count=BOOKINGS_PER_ENROLLMENT)

    with ClusterRpcProxy({"AMQP_URI": platform.amqp_uri}) as cluster:
        team = cluster.scheduling.get_care_team("riverside", patient)
        stranger = cluster.scheduling.get_care_team("riverside", "0b6f5c1e-8a43-4f0e-9d2a-6c1f4e2b7a10")

    therapist = clinic["therapist"]
    expected = {"staff_id": therapist["staff_id"], "name": therapist["name"], "email": therapist["email"],
                "phone": therapist["phone"], "languages": therapist["languages"]}
    assert team == {"site_id": "riverside", "on_call": [expected], "primary_clinician": expected}
    assert stranger["primary_clinician"] is None and stranger["on_call"] == [expected]


def test_sites_are_listed_with_their_time_zones_for_the_keys_sites_only(platform):
    service = start_scheduling(platform)

    everyone = service.get("/sites").json()["sites"]
    riverside = service.get("/sites", key="riverside").json()["sites"]

    assert {(s["site_id"], s["timezone"]) for s in everyone} == {
        ("riverside", "America/New_York"), ("lakeside", "America/Chicago"),
        ("harbor", "America/Los_Angeles")}
    assert [s["site_id"] for s in riverside] == ["riverside"]


def test_openapi_describes_the_attendance_body_as_a_list(platform):
    service = start_scheduling(platform)

    document = service.get("/openapi.json", key=None).json()

    operation = document["paths"]["/sessions/{session_id}/attendance"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array" and "status" in body["items"]["properties"]


def test_reading_a_patients_schedule_is_audited(platform, events):
    service = start_scheduling(platform)
    open_clinic(service)
    patient = enroll(platform)["patient_id"]
    events.wait_for("SessionScheduled", where=of_patient(patient), count=BOOKINGS_PER_ENROLLMENT)

    service.get(f"/patients/{patient}/schedule", key="riverside")

    engine = create_engine(platform.database_urls["scheduling"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, resource_type FROM audit_log "
                                 "WHERE patient_id = :p ORDER BY id"), {"p": patient}).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("service:scheduling", "book", "schedule"),
                                       ("dev-riverside", "read", "schedule")]


def test_a_site_lists_its_staff_and_series_to_its_own_keys(platform):
    service = start_scheduling(platform)
    clinic = open_clinic(service)

    listed = service.get("/sites/riverside/staff", key="riverside").json()["staff"]
    series = service.get("/sites/riverside/group-series", key="riverside").json()["series"]

    assert {s["staff_id"] for s in listed} == {clinic["therapist"]["staff_id"], clinic["facilitator"]["staff_id"]}
    therapist = next(s for s in listed if s["staff_id"] == clinic["therapist"]["staff_id"])
    assert [a["weekday"] for a in therapist["availability"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert [(s["modality"], s["weekdays"], s["timezone"]) for s in series] == [
        ("cbt_group", ["mon", "wed", "fri"], "America/New_York"),
        ("psychoeducation", ["tue"], "America/New_York")]
    assert service.get("/sites/riverside/staff", key="lakeside").status_code == 404
    assert service.get("/sites/nowhere/group-series").status_code == 404


def test_an_integrator_lists_staff_without_names_or_contacts(platform):
    service = start_scheduling(platform)
    clinic = open_clinic(service)

    listed = service.get("/sites/riverside/staff", key="integrator").json()["staff"]

    assert {s["staff_id"] for s in listed} == {clinic["therapist"]["staff_id"], clinic["facilitator"]["staff_id"]}
    assert all(not {"name", "email", "phone"} & set(s) for s in listed)
    assert {"name", "email", "phone"} <= set(service.get("/sites/riverside/staff").json()["staff"][0])

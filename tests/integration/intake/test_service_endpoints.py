"""The platform endpoints every service has, as intake serves them."""


def test_openapi_lists_the_intake_routes(intake):
    document = intake.get("/openapi.json", key=None).json()

    paths = set(document["paths"])
    assert {"/referrals", "/enrollments", "/patients/{patient_id}",
            "/enrollments/{enrollment_id}/plan", "/enrollments/{enrollment_id}/discharge"} <= paths


def test_ready_checks_the_database_and_the_broker(intake):
    response = intake.get("/ready", key=None)

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}

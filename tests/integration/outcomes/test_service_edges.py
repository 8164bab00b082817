"""What every platform service answers, here for outcomes."""


def test_openapi_lists_the_outcomes_routes(platform, outcomes):
    document = outcomes.get("/openapi.json", key=None).json()

    paths = set(document["paths"])
    assert {"/assessments", "/reports/outcomes", "/ops/assessments-due"} <= paths
    assert any(path.startswith("/patients/") and path.endswith("/assessments") for path in paths)


def test_routes_need_a_key(platform, outcomes):
    assert outcomes.get("/health", key=None).status_code == 200
    assert outcomes.post("/assessments", {}, key=None).status_code == 401


def test_a_missing_body_is_refused_naming_every_required_field(platform, outcomes):
    response = outcomes.post("/assessments", {})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"patient_id", "instrument", "responses", "administered_at"}

"""Keys, roles and sites: a key sees only its sites' patients; integrators see no names."""
import pytest

from tests.integration.intake.scenario import enroll, enrollment_body, refer, referral_body, row_count


@pytest.fixture
def lakeside_enrollment(intake):
    return enroll(intake, site_id="lakeside")


@pytest.mark.parametrize("path", ["/patients/{patient_id}", "/referrals/{referral_id}",
                                  "/enrollments/{enrollment_id}"])
def test_a_riverside_key_gets_404_for_a_lakeside_patient(intake, lakeside_enrollment, path):
    url = path.format(**lakeside_enrollment)

    hidden = intake.get(url, key="riverside")
    visible = intake.get(url, key="lakeside")

    assert hidden.status_code == 404
    assert hidden.json()["detail"].endswith("not found.")
    assert visible.status_code == 200


def test_a_riverside_key_cannot_change_a_lakeside_enrollment(intake, lakeside_enrollment):
    url = f"/enrollments/{lakeside_enrollment['enrollment_id']}"

    plan = intake.put(f"{url}/plan", {"plan": lakeside_enrollment["plan"]}, key="riverside")
    discharged = intake.post(f"{url}/discharge", {"reason": "withdrew", "on": "2027-01-01"},
                             key="riverside")

    assert (plan.status_code, discharged.status_code) == (404, 404)
    assert intake.get(url, key="lakeside").json()["status"] == "active"


def test_a_riverside_coordinator_cannot_enroll_a_lakeside_referral(intake):
    referral = refer(intake, site_id="lakeside")

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"]), key="coordinator")

    assert response.status_code == 422
    assert response.json()["errors"] == {"referral_id": ["No such referral."]}


def test_a_riverside_coordinator_cannot_refer_to_lakeside(platform, intake):
    response = intake.post("/referrals", referral_body(site_id="lakeside"), key="coordinator")

    assert response.status_code == 403
    assert row_count(platform, "patients") == 0


def test_clinicians_may_not_refer_or_enroll(intake):
    referral = refer(intake)

    assert intake.post("/referrals", referral_body(), key="riverside").status_code == 403
    assert intake.post("/enrollments", enrollment_body(referral["referral_id"]),
                       key="riverside").status_code == 403


@pytest.mark.parametrize("path", ["/patients/{patient_id}", "/referrals/{referral_id}"])
def test_integrators_get_403_on_routes_with_names(intake, path):
    enrollment = enroll(intake)

    response = intake.get(path.format(**enrollment), key="integrator")

    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_integrators_read_enrollments_without_goals_or_names(intake):
    enrollment = enroll(intake)

    view = intake.get(f"/enrollments/{enrollment['enrollment_id']}", key="integrator").json()

    assert view["plan"] == enrollment["plan"] and view["track"] == "depression"
    assert "goals" not in view and "given_name" not in view
    assert "Marisol" not in str(view)


def test_integrators_and_ops_change_nothing(intake):
    enrollment = enroll(intake)
    url = f"/enrollments/{enrollment['enrollment_id']}"
    for key in ("integrator", "ops"):
        assert intake.post("/referrals", referral_body(), key=key).status_code == 403
        assert intake.put(f"{url}/plan", {"plan": enrollment["plan"]}, key=key).status_code == 403
        assert intake.post(f"{url}/discharge", {"reason": "withdrew", "on": "2027-01-01"},
                           key=key).status_code == 403


def test_every_route_needs_a_key(intake):
    enrollment = enroll(intake)

    assert intake.get(f"/patients/{enrollment['patient_id']}", key=None).status_code == 401
    assert intake.post("/referrals", referral_body(), key="not-a-key").status_code == 401

"""Bad input: a problem+json naming the field, and nothing stored or published."""
from datetime import date, timedelta

import pytest

from tests.integration.intake.scenario import (PLAN, enroll, enrollment_body, refer, referral_body,
                                               row_count)

PROBLEM = "application/problem+json"


def changed(body, path, value):
    """The body with the value at a dotted path replaced (or removed when value is ...)."""
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return body


REFERRAL_CASES = [
    ("screening.phq9", [1] * 8, "screening.phq9"),
    ("screening.phq9", [0, 0, 0, 4, 0, 0, 0, 0, 0], "screening.phq9.3"),
    ("screening.gad7", [0, 0, 0, 0, 0, 0, "2"], "screening.gad7.6"),
    ("screening.pcl5", [5] * 20, "screening.pcl5.0"),
    ("screening.gad7", ..., "screening.gad7"),
    ("site_id", "moonbase", "site_id"),
    ("patient.birth_date", "2026-11-03", "patient.birth_date"),
    ("patient.birth_date", "17/04/1990", "patient.birth_date"),
    ("referred_on", "2999-01-01", "referred_on"),
    ("patient.given_name", "   ", "patient.given_name"),
    ("patient.email", "not-an-address", "patient.email"),
    ("patient.phone", "555-0123", "patient.phone"),
    ("patient.preferred_language", "Spanish!", "patient.preferred_language"),
    ("consents.sms", True, "consents.sms"),  # the patient's phone is removed below
    ("consents.treatment", ..., "consents.treatment"),
    ("consents", ..., "consents"),
    ("patient", ..., "patient"),
    ("patient_id", "7f1c2b9e-3c1d-4e8a-9f00-000000000000", "patient"),  # with patient: one or other
    ("source", "Dr. Smith at 555-0100", "source"),
    ("nickname", "Mari", "nickname"),
]


@pytest.mark.parametrize("path, value, field", REFERRAL_CASES,
                         ids=[f"{case[0]}={case[1]!r}"[:40] for case in REFERRAL_CASES])
def test_bad_referral_is_refused_naming_the_field(platform, intake, subscriber, path, value, field):
    watcher = subscriber(("intake", "#"))
    body = changed(referral_body(), path, value)
    if path == "consents.sms":
        body["patient"]["phone"] = None

    response = intake.post("/referrals", body)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.json()["errors"], response.json()
    assert row_count(platform, "patients") == 0 and row_count(platform, "outbox") == 0
    watcher.drain()
    assert watcher.received == []


def test_malformed_json_is_a_400_problem(platform, intake):
    response = intake.request("POST", "/referrals", data="{'site_id': riverside",
                              headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    assert "not valid JSON" in response.json()["detail"]
    assert row_count(platform, "patients") == 0


FAR_AHEAD = (date.today() + timedelta(days=400)).isoformat()
ENROLLMENT_CASES = [
    ("track", "insomnia", "track"),
    ("planned_weeks", 5, "planned_weeks"),
    ("planned_weeks", 13, "planned_weeks"),
    ("planned_weeks", 8.5, "planned_weeks"),
    ("start_date", "2026-11-01", "start_date"),  # before the referral date
    ("start_date", "9999-12-31", "start_date"),  # once accepted, then dead-lettered downstream
    ("start_date", FAR_AHEAD, "start_date"),  # beyond the configured window
    ("plan.group_sessions_per_week", -1, "plan.group_sessions_per_week"),
    ("plan.family_sessions_per_month", "2", "plan.family_sessions_per_month"),
    ("plan.education_sessions_per_week", ..., "plan.education_sessions_per_week"),
    ("goals", [], "goals"),
    ("goals", [""], "goals.0"),
    ("referral_id", "42", "referral_id"),
    ("referral_id", "7f1c2b9e-3c1d-4e8a-9f00-000000000000", "referral_id"),  # unknown
]


@pytest.mark.parametrize("path, value, field", ENROLLMENT_CASES,
                         ids=[f"{case[0]}={case[1]!r}"[:40] for case in ENROLLMENT_CASES])
def test_bad_enrollment_is_refused_naming_the_field(platform, intake, subscriber, path, value, field):
    watcher = subscriber(("intake", "#"))
    referral = refer(intake)
    watcher.wait_for("PatientReferred")
    body = changed(enrollment_body(referral["referral_id"]), path, value)

    response = intake.post("/enrollments", body)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.json()["errors"], response.json()
    assert row_count(platform, "enrollments") == 0
    watcher.drain()
    assert [e["type"] for e in watcher.received] == ["PatientReferred"]


@pytest.mark.parametrize("body, field", [
    ({"reason": "bored", "on": "2027-01-01"}, "reason"),
    ({"reason": "withdrew", "on": "2026-11-08"}, "on"),  # before the start date
    ({"reason": "withdrew"}, "on"),
    ({"reason": "withdrew", "on": "9999-12-31"}, "on"),  # once cancelled every future session
    ({"reason": "withdrew", "on": FAR_AHEAD}, "on"),
    ({"reason": "withdrew", "on": "2027-01-01", "override_reason": "why not"}, "override_reason"),
])
def test_bad_discharge_is_refused_naming_the_field(intake, subscriber, body, field):
    watcher = subscriber(("intake", "#"))
    enrollment = enroll(intake)
    watcher.wait_for("PatientEnrolled")

    response = intake.post(f"/enrollments/{enrollment['enrollment_id']}/discharge", body)

    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["status"] == "active"
    watcher.drain()
    assert [e["type"] for e in watcher.received] == ["PatientReferred", "PatientEnrolled"]


def test_bad_plan_update_keeps_the_current_version(intake, subscriber):
    watcher = subscriber(("intake", "#"))
    enrollment = enroll(intake)
    watcher.wait_for("PatientEnrolled")
    url = f"/enrollments/{enrollment['enrollment_id']}/plan"

    # The schema's fields answer first; planned_weeks' range is the clinical rules', checked after.
    bad_plan = intake.put(url, {"plan": dict(PLAN, individual_sessions_per_week=9),
                                "planned_weeks": 20})
    bad_weeks = intake.put(url, {"plan": dict(PLAN), "planned_weeks": 20})

    assert bad_plan.status_code == 422
    assert set(bad_plan.json()["errors"]) == {"plan.individual_sessions_per_week"}
    assert bad_weeks.status_code == 422
    assert bad_weeks.json()["errors"] == {"planned_weeks": [
        "Must be greater than or equal to 6 and less than or equal to 12."]}
    assert intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["plan_version"] == 1
    watcher.drain()
    assert [e["type"] for e in watcher.received] == ["PatientReferred", "PatientEnrolled"]

"""Substance-use screening at referral: optional AUDIT-C and DAST-10, shown on the referral and
carried (totals and the AUDIT-C screen) in PatientEnrolled.screening; bad answers are a 422."""
import pytest

from tests.integration.intake.scenario import (PATIENT, SCREENING, enrollment_body, refer,
                                               referral_body, row_count)

DAST10_AS_ASKED = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]  # 2 yes; item 3 "no" (not always able to stop)


def patient(sex):
    return {**PATIENT, "sex": sex} if sex else dict(PATIENT)


@pytest.mark.parametrize("sex, audit_c, total, positive", [
    (None, [1, 1, 1], 3, True),       # not recorded: positive from 3
    ("female", [1, 1, 1], 3, True),   # women: from 3
    ("male", [1, 1, 1], 3, False),    # men: from 4
    ("male", [2, 1, 1], 4, True),
    ("female", [1, 1, 0], 2, False),
])
def test_audit_c_at_referral_is_shown_and_carried_into_patient_enrolled(
        intake, subscriber, sex, audit_c, total, positive):
    watcher = subscriber(("intake", "PatientEnrolled"))

    referral = refer(intake, patient=patient(sex),
                     screening={**SCREENING, "audit_c": audit_c, "dast10": DAST10_AS_ASKED})

    screening = referral["screening"]
    assert (screening["audit_c"], screening["audit_c_positive"], screening["dast10"]) == (
        total, positive, 3)
    assert screening["severities"]["audit_c"] == ("positive" if positive else "negative")
    assert screening["severities"]["dast10"] == "moderate"
    assert screening["answers"]["audit_c"] == audit_c
    fetched = intake.get(f"/referrals/{referral['referral_id']}").json()
    assert fetched["screening"] == screening
    assert intake.get(f"/patients/{referral['patient_id']}").json()["sex"] == sex
    enrolled = intake.post("/enrollments", enrollment_body(referral["referral_id"]))
    assert enrolled.status_code == 201, enrolled.text
    data = watcher.wait_for("PatientEnrolled")[0]["data"]["screening"]
    assert (data["audit_c"], data["audit_c_positive"], data["dast10"]) == (total, positive, 3)


def test_without_substance_screens_the_totals_are_null(intake, subscriber):
    watcher = subscriber(("intake", "PatientEnrolled"))

    referral = refer(intake)
    intake.post("/enrollments", enrollment_body(referral["referral_id"]))

    screening = referral["screening"]
    assert (screening["audit_c"], screening["audit_c_positive"], screening["dast10"]) == (
        None, None, None)
    data = watcher.wait_for("PatientEnrolled")[0]["data"]["screening"]
    assert (data["audit_c"], data["audit_c_positive"], data["dast10"]) == (None, None, None)


def test_a_returning_patient_s_recorded_sex_sets_the_cut_point(intake):
    first = refer(intake, patient=patient("male"))

    again = intake.post("/referrals", {
        "site_id": "riverside", "patient_id": first["patient_id"], "source": "self",
        "referred_on": "2026-11-20", "screening": {**SCREENING, "audit_c": [1, 1, 1]}})

    assert again.status_code == 201, again.text
    assert again.json()["screening"]["audit_c_positive"] is False


@pytest.mark.parametrize("screening, fields", [
    ({"audit_c": [0, 5, 0]}, {"screening.audit_c.1"}),
    ({"audit_c": [0, 0]}, {"screening.audit_c"}),
    ({"audit_c": [0, 0, "1"]}, {"screening.audit_c.2"}),
    ({"dast10": [0] * 9 + [2]}, {"screening.dast10.9"}),
    ({"dast10": "no"}, {"screening.dast10"}),
    ({"audit_c": [-1, 0, 0], "dast10": [0] * 11}, {"screening.audit_c.0", "screening.dast10"}),
])
def test_bad_substance_answers_are_refused_naming_each_and_change_nothing(
        platform, intake, screening, fields):
    response = intake.post("/referrals", referral_body(screening={**SCREENING, **screening}))

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == fields
    assert row_count(platform, "referrals") == 0 and row_count(platform, "patients") == 0


def test_an_unknown_sex_is_refused_naming_the_field(platform, intake):
    response = intake.post("/referrals", referral_body(patient=patient("unknown")))

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"patient.sex"}
    assert row_count(platform, "patients") == 0

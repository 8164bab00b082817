"""What an enrollment refuses: double enrollment, a plan outside IOP intensity, no IOP triage."""
from tests.integration.intake.scenario import (PLAN, enroll, enrollment_body, refer, referral_body,
                                               row_count)

UNDER_ADULT_MINIMUM = {"group_sessions_per_week": 2, "individual_sessions_per_week": 1,
                       "family_sessions_per_month": 0, "education_sessions_per_week": 1}


def test_a_referral_is_enrolled_once(platform, intake):
    enrollment = enroll(intake)

    again = intake.post("/enrollments", enrollment_body(enrollment["referral_id"]))

    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert row_count(platform, "enrollments") == 1


def test_a_plan_under_the_adult_minimum_is_refused_with_the_numbers(platform, intake):
    referral = refer(intake)

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"],
                                                           plan=UNDER_ADULT_MINIMUM))

    assert response.status_code == 422
    problem = response.json()
    assert (problem["weekly_hours"], problem["minimum_weekly_hours"], problem["age_band"]) == (
        7.83, 9.0, "adult")
    assert "7.83" in problem["detail"] and "9" in problem["detail"]
    assert "plan" in problem["errors"]
    assert row_count(platform, "enrollments") == 0


def test_the_same_plan_enrolls_an_adolescent_judged_at_the_start_date(intake, subscriber):
    watcher = subscriber(("intake", "PatientEnrolled"))
    # 18 on 2026-12-01, three weeks after the start date: adolescent for the whole program.
    referral = refer(intake, patient={"given_name": "Ana", "family_name": "Ruiz",
                                      "birth_date": "2008-12-01", "preferred_language": "en"},
                     consents={"treatment": True, "email": False, "sms": False})

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"],
                                                           plan=UNDER_ADULT_MINIMUM))

    assert response.status_code == 201, response.text
    assert (response.json()["age_band"], response.json()["weekly_hours"]) == ("adolescent", 7.83)
    assert watcher.wait_for("PatientEnrolled")[0]["data"]["age_band"] == "adolescent"


def test_a_plan_update_under_the_minimum_is_refused_and_the_version_kept(intake):
    enrollment = enroll(intake)

    response = intake.put(f"/enrollments/{enrollment['enrollment_id']}/plan",
                          {"plan": UNDER_ADULT_MINIMUM})

    assert response.status_code == 422
    assert response.json()["minimum_weekly_hours"] == 9.0
    assert intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["plan"] == PLAN


def test_a_plan_at_partial_hospitalization_intensity_is_refused(intake):
    referral = refer(intake)
    heavy = dict(PLAN, group_sessions_per_week=6)

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"], plan=heavy))

    assert response.status_code == 422
    assert "partial hospitalization" in response.json()["detail"]


def test_a_referral_triaged_to_a_higher_level_of_care_is_not_enrolled(platform, intake):
    referral = refer(intake, screening={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2], "gad7": [0] * 7})
    assert referral["recommendation"] == "higher_level_of_care"

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"]))

    assert response.status_code == 422
    assert "higher_level_of_care" in response.json()["errors"]["referral_id"][0]
    assert row_count(platform, "enrollments") == 0


def test_a_referral_without_treatment_consent_is_not_enrolled(intake):
    referral = refer(intake, consents={"treatment": False, "email": False, "sms": False})

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"]))

    assert response.status_code == 422
    assert response.json()["errors"] == {"referral_id": ["The patient has not consented to treatment."]}


def test_a_returning_patient_is_referred_again_but_not_enrolled_twice_at_once(platform, intake):
    enrollment = enroll(intake)
    patient_id = enrollment["patient_id"]
    body = referral_body(patient_id=patient_id)
    del body["patient"], body["consents"]

    response = intake.post("/referrals", body, key="coordinator")
    assert response.status_code == 201, response.text
    second = response.json()
    while_active = intake.post("/enrollments", enrollment_body(second["referral_id"]))
    intake.post(f"/enrollments/{enrollment['enrollment_id']}/discharge",
                {"reason": "withdrew", "on": "2026-11-20"})
    after_discharge = intake.post("/enrollments", enrollment_body(second["referral_id"]))

    assert second["patient_id"] == patient_id and row_count(platform, "patients") == 1
    assert while_active.status_code == 409
    assert after_discharge.status_code == 201, after_discharge.text
    assert intake.get(f"/patients/{patient_id}").json()["enrollment_ids"] == [
        enrollment["enrollment_id"], after_discharge.json()["enrollment_id"]]


def test_a_returning_patient_of_another_site_is_not_found(intake):
    enrollment = enroll(intake, site_id="lakeside")
    body = referral_body(patient_id=enrollment["patient_id"])
    del body["patient"], body["consents"]

    response = intake.post("/referrals", body, key="coordinator")

    assert response.status_code == 422
    assert response.json()["errors"] == {"patient_id": ["No such patient."]}


def test_more_family_sessions_than_the_scheduler_books_are_refused_naming_the_field(platform, intake):
    referral = refer(intake)

    response = intake.post("/enrollments", enrollment_body(
        referral["referral_id"], plan=dict(PLAN, family_sessions_per_month=5)))

    assert response.status_code == 422
    assert response.json()["errors"] == {"plan.family_sessions_per_month": [
        "Must be greater than or equal to 0 and less than or equal to 4."]}
    assert row_count(platform, "enrollments") == 0
    four = intake.post("/enrollments", enrollment_body(
        referral["referral_id"], plan=dict(PLAN, family_sessions_per_month=4)))
    assert four.status_code == 201, four.text
    # 3 × 180 + 50 + 60 + 4 × 50 / 4 = 700 minutes a week
    assert four.json()["weekly_hours"] == 11.67


def test_a_plan_update_with_unbookable_family_sessions_is_refused(intake):
    enrollment = enroll(intake)

    response = intake.put(f"/enrollments/{enrollment['enrollment_id']}/plan",
                          {"plan": dict(PLAN, family_sessions_per_month=8)})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"plan.family_sessions_per_month"}
    assert intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["plan"] == PLAN


def test_a_patient_turning_18_between_referral_and_start_is_enrolled_as_an_adult(intake):
    # Referred on 2026-11-02 at 17; 18 on 2026-11-05; the program starts on 2026-11-09.
    referral = refer(intake, patient={"given_name": "Ana", "family_name": "Ruiz",
                                      "birth_date": "2008-11-05", "preferred_language": "en"},
                     consents={"treatment": True, "email": False, "sms": False})

    under = intake.post("/enrollments", enrollment_body(referral["referral_id"],
                                                        plan=UNDER_ADULT_MINIMUM))
    assert under.status_code == 422
    assert (under.json()["age_band"], under.json()["minimum_weekly_hours"]) == ("adult", 9.0)
    response = intake.post("/enrollments", enrollment_body(referral["referral_id"]))
    assert response.status_code == 201, response.text
    assert response.json()["age_band"] == "adult"

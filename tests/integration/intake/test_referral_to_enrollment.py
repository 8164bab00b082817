"""Referral → triage → enrollment → plan versions, as integrators see it on the broker."""
from tests.integration.intake.scenario import (PATIENT, enroll, enrollment_body, identifiers_in,
                                               refer, rows)


def test_referral_is_triaged_and_published_without_identity(intake, subscriber):
    watcher = subscriber(("intake", "PatientReferred"))

    referral = refer(intake, key="coordinator")

    assert referral["recommendation"] == "iop" and referral["recommended_track"] == "depression"
    assert (referral["screening"]["phq9"], referral["screening"]["gad7"]) == (14, 8)
    assert referral["screening"]["severities"]["phq9"] == "moderate"
    envelope = watcher.wait_for("PatientReferred")[0]
    assert envelope["data"] == {
        "site_id": "riverside", "referral_id": referral["referral_id"],
        "patient_id": referral["patient_id"], "referred_on": "2026-11-02", "source": "primary_care",
        "recommendation": "iop", "recommended_track": "depression", "risk_level": None}
    assert referral["risk_flag"] is None
    assert identifiers_in(envelope) == []


def test_enrollment_publishes_patient_enrolled_with_ids_plan_and_scores_only(intake, subscriber):
    watcher = subscriber(("intake", "PatientEnrolled"))
    referral = refer(intake, key="coordinator")

    response = intake.post("/enrollments", enrollment_body(referral["referral_id"], track="anxiety"),
                           key="coordinator")

    assert response.status_code == 201, response.text
    enrollment = response.json()
    assert enrollment["weekly_hours"] == 11.25
    assert (enrollment["track"], enrollment["recommended_track"]) == ("anxiety", "depression")
    envelope = watcher.wait_for("PatientEnrolled")[0]
    assert envelope["source"] == "urn:iop:service:intake" and envelope["siteid"] == "riverside"
    assert envelope["subject"] == enrollment["enrollment_id"]
    assert envelope["data"] == {
        "site_id": "riverside", "enrollment_id": enrollment["enrollment_id"],
        "patient_id": referral["patient_id"], "track": "anxiety", "age_band": "adult",
        "start_date": "2026-11-09", "planned_weeks": 8, "weekly_hours": 11.25,
        "plan": {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
                 "family_sessions_per_month": 2, "education_sessions_per_week": 1},
        "preferred_language": "es",
        "screening": {"phq9": 14, "gad7": 8, "pcl5": None, "screened_on": "2026-11-02",
                      "audit_c": None, "audit_c_positive": None, "dast10": None}}
    assert identifiers_in(envelope) == []


def test_reads_return_the_patient_referral_and_enrollment(intake):
    enrollment = enroll(intake)
    patient_id = enrollment["patient_id"]

    patient = intake.get(f"/patients/{patient_id}", key="riverside").json()
    referral = intake.get(f"/referrals/{enrollment['referral_id']}", key="riverside").json()
    fetched = intake.get(f"/enrollments/{enrollment['enrollment_id']}", key="riverside").json()

    assert (patient["given_name"], patient["birth_date"]) == (PATIENT["given_name"], "1990-04-17")
    assert patient["enrollment_ids"] == [enrollment["enrollment_id"]]
    assert patient["consents"] == {"treatment": True, "email": True, "sms": False}
    assert referral["enrollment_id"] == enrollment["enrollment_id"]
    assert referral["screening"]["answers"]["phq9"] == [2, 2, 2, 2, 2, 2, 1, 1, 0]
    assert fetched == enrollment


def test_plan_update_versions_the_plan_and_publishes_treatment_plan_updated(intake, subscriber):
    watcher = subscriber(("intake", "TreatmentPlanUpdated"))
    enrollment = enroll(intake)
    new_plan = {"group_sessions_per_week": 4, "individual_sessions_per_week": 1,
                "family_sessions_per_month": 0, "education_sessions_per_week": 1}

    response = intake.put(f"/enrollments/{enrollment['enrollment_id']}/plan",
                          {"plan": new_plan, "planned_weeks": 10}, key="riverside")

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["plan_version"], updated["planned_weeks"], updated["weekly_hours"]) == (2, 10, 13.83)
    assert updated["goals"] == enrollment["goals"]
    data = watcher.wait_for("TreatmentPlanUpdated")[0]["data"]
    assert (data["plan_version"], data["plan"], data["weekly_hours"]) == (2, new_plan, 13.83)
    history = intake.get(f"/enrollments/{enrollment['enrollment_id']}/plans", key="riverside").json()
    assert [(v["plan_version"], v["weekly_hours"], v["planned_weeks"], v["created_by"])
            for v in history["versions"]] == [(1, 11.25, 8, "dev-admin"), (2, 13.83, 10, "dev-riverside")]
    assert history["versions"][0]["plan"] == enrollment["plan"]


def test_every_read_and_change_of_a_patient_is_audited_without_the_data(platform, intake):
    enrollment = enroll(intake, key="coordinator")
    intake.get(f"/patients/{enrollment['patient_id']}", key="riverside")

    audit = [(r["actor"], r["action"], r["resource_type"], r["patient_id"], r["site_id"])
             for r in rows(platform, "audit_log")]

    patient_id = enrollment["patient_id"]
    assert audit == [("dev-admin", "create", "referral", patient_id, "riverside"),
                     ("dev-riverside-coordinator", "create", "enrollment", patient_id, "riverside"),
                     ("dev-riverside", "read", "patient", patient_id, "riverside")]

"""The aftercare plan at discharge, and intake's part of the discharge summary over RPC."""
from nameko.standalone.rpc import ServiceRpcProxy

from tests.integration.intake.scenario import PATIENT, enrollment_body, referral_body, rows
from tests.integration.intake.test_referrer import REFERRER

AFTERCARE = {"plan": "Weekly CBT with her primary care team", "provider": "Northside Family Medicine",
             "first_appointment_on": "2027-01-08"}


def details(intake, enrollment_id):
    with ServiceRpcProxy("intake", intake.config) as proxy:
        return proxy.get_discharge_details(enrollment_id)


def test_aftercare_is_validated_kept_and_given_with_the_discharge_details(intake, platform, subscriber):
    events = subscriber(("intake", "ReferrerConsentChanged"), ("intake", "PatientDischarged"))
    referral = intake.post("/referrals", referral_body(referrer=REFERRER)).json()
    enrollment = intake.post("/enrollments", enrollment_body(referral["referral_id"])).json()
    path = f"/enrollments/{enrollment['enrollment_id']}/discharge"
    assert details(intake, enrollment["enrollment_id"]) is None  # active: no summary yet

    refused = intake.post(path, {"reason": "withdrew", "on": "2027-01-01", "aftercare": {
        "plan": "", "provider": "x" * 201, "first_appointment_on": "soon"}})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"aftercare.plan", "aftercare.provider",
                                             "aftercare.first_appointment_on"}
    assert rows(platform, "enrollments")[0]["status"] == "active"

    done = intake.post(path, {"reason": "withdrew", "on": "2027-01-01", "aftercare": AFTERCARE})
    assert done.status_code == 200, done.text
    assert done.json()["discharge"]["aftercare"] == AFTERCARE
    integrator = intake.get(f"/enrollments/{enrollment['enrollment_id']}", key="integrator").json()
    assert "aftercare" not in integrator["discharge"]  # free text about the patient
    discharged = events.wait_for("PatientDischarged")[0]
    assert AFTERCARE["plan"] not in str(discharged)

    intake.put(f"/referrals/{referral['referral_id']}/referrer-consent", {"consent_to_share": False})
    changed = events.wait_for("ReferrerConsentChanged")[0]["data"]
    assert changed == {"site_id": "riverside", "referral_id": referral["referral_id"],
                       "patient_id": referral["patient_id"],
                       "enrollment_id": enrollment["enrollment_id"], "consent_to_share": False}

    found = details(intake, enrollment["enrollment_id"])
    assert (found["given_name"], found["family_name"], found["birth_date"]) == (
        PATIENT["given_name"], PATIENT["family_name"], PATIENT["birth_date"])
    assert found["discharge"] == {"reason": "withdrew", "on": "2027-01-01"}
    assert found["aftercare"] == AFTERCARE
    assert found["referrer"]["direct_address"] == REFERRER["direct_address"]
    assert found["referrer"]["consent_to_share"] is False
    audit = [(r["actor"], r["action"]) for r in rows(platform, "audit_log")
             if r["resource_type"] == "discharge_details"]
    assert audit == [("service:rpc", "read")]

"""Break-the-glass: a clinician opens another site's patient only by stating a reason
(X-Access-Reason). The access is granted to that person for BREAK_GLASS.grant_minutes, audited
with the reason, announced (EmergencyAccessGranted) and alerted to the privacy officer of the
patient's site. Without a reason the answer stays 404."""
from datetime import datetime, timedelta, timezone

import pytest

from demo.launch import wait_until
from shared import tokens
from shared.access import BreakGlass
from tests.integration.intake.scenario import refer
from tests.kit.identity_provider import provider, signed_token  # noqa: F401 (the fixture)

PRIVACY_KEY = "dev-privacy-key"
REASON = "Patient arrived at Lakeside ED in crisis"


class DrivenClock:
    def __init__(self, now):
        self.now = now

    def real_time(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clinic(platform, provider):  # noqa: F811
    tokens.forget_issuers()
    identity = provider.identity_config()
    intake = platform.start("intake", IDENTITY=identity, BREAK_GLASS={"grant_minutes": 60})
    notifications = platform.start("notifications", IDENTITY=identity)
    clock = next(d for d in intake.container.dependencies if isinstance(d, BreakGlass))
    clock.clock = DrivenClock(datetime.now(timezone.utc))
    yield intake, notifications, clock.clock
    tokens.forget_issuers()


def entries(intake, patient_id):
    response = intake.get("/audit", key=PRIVACY_KEY, params={"patient_id": patient_id})
    assert response.status_code == 200, response.text
    return [(e["who"]["subject"], e["action"], e["resource_type"], e["reason"])
            for e in response.json()["entries"] if e["resource_type"] != "audit_log"]


def granted_events(intake):
    events = intake.get("/events", key="integrator", params={"type": "EmergencyAccessGranted"})
    assert events.status_code == 200, events.text
    return events.json()["events"]


def published(intake, count):
    """The grants announced once the relay has published ``count`` of them (it runs after commit)."""
    return wait_until(lambda: len(found := granted_events(intake)) == count and found,
                      timeout=15, message=f"{count} EmergencyAccessGranted not published")


def test_without_a_reason_another_sites_patient_stays_not_found(provider, clinic):  # noqa: F811
    intake, _, _ = clinic
    patient = refer(intake, site_id="riverside")["patient_id"]

    response = intake.get(f"/patients/{patient}", key=provider.staff_token("lakeside-clinician"))

    assert response.status_code == 404
    assert response.json()["detail"] == "Patient not found."
    assert entries(intake, patient) == [("dev-admin-1", "create", "referral", None)]
    assert granted_events(intake) == []


def test_a_stated_reason_grants_access_audited_announced_and_alerted(provider, clinic):  # noqa: F811
    intake, notifications, clock = clinic
    patient = refer(intake, site_id="riverside")["patient_id"]
    clock.real_time()

    response = intake.get(f"/patients/{patient}", key=provider.staff_token("lakeside-clinician"),
                          headers={"X-Access-Reason": REASON})

    assert response.status_code == 200, response.text
    assert response.json()["patient_id"] == patient
    assert entries(intake, patient) == [
        ("dev-admin-1", "create", "referral", None),
        ("lakeside-clinician", "break_glass", "patient", REASON),
        ("lakeside-clinician", "read", "patient", REASON)]
    [event] = published(intake, 1)
    assert event["siteid"] == "riverside"
    data = dict(event["data"])
    granted_at = datetime.fromisoformat(data.pop("granted_at"))
    expires_at = datetime.fromisoformat(data.pop("expires_at"))
    assert data == {"site_id": "riverside", "patient_id": patient, "accessor": "lakeside-clinician"}
    assert abs(granted_at - clock.now) < timedelta(seconds=1)
    assert expires_at - granted_at == timedelta(minutes=60)
    assert REASON not in str(event)  # free text stays in the audit log

    officer = provider.staff_token("riverside-privacy")

    def break_glass_alerts():
        listed = notifications.get("/alerts", key=officer)
        assert listed.status_code == 200, listed.text
        return [a for a in listed.json()["alerts"] if a["reason"] == "break_glass"]

    [alert] = wait_until(break_glass_alerts, timeout=15, message="no break_glass alert")
    assert (alert["patient_id"], alert["site_id"], alert["status"]) == (patient, "riverside", "open")
    lakeside_staff = notifications.get("/alerts", key=provider.staff_token("lakeside-clinician"))
    assert lakeside_staff.json()["alerts"] == []  # the alert is the patient's site's


def test_the_grant_lasts_the_configured_time_for_that_person_only(provider, clinic):  # noqa: F811
    intake, _, clock = clinic
    patient = refer(intake, site_id="riverside")["patient_id"]
    lee = provider.staff_token("lakeside-clinician")
    clock.real_time()
    assert intake.get(f"/patients/{patient}", key=lee,
                      headers={"X-Access-Reason": REASON}).status_code == 200

    clock.now += timedelta(minutes=59)
    again = intake.get(f"/patients/{patient}", key=lee)
    colleague = intake.get(f"/patients/{patient}", key=signed_token(
        provider, sub="lakeside-other", name="Other Clinician", sites=["lakeside"]))
    clock.now += timedelta(minutes=2)
    expired = intake.get(f"/patients/{patient}", key=lee)

    assert again.status_code == 200, again.text
    assert colleague.status_code == 404
    assert expired.status_code == 404
    assert entries(intake, patient) == [
        ("dev-admin-1", "create", "referral", None),
        ("lakeside-clinician", "break_glass", "patient", REASON),
        ("lakeside-clinician", "read", "patient", REASON),
        ("lakeside-clinician", "read", "patient", REASON)]  # within the grant: its reason
    assert len(published(intake, 1)) == 1

    renewed = intake.get(f"/patients/{patient}", key=lee, headers={"X-Access-Reason": "Follow-up"})
    assert renewed.status_code == 200
    assert len(published(intake, 2)) == 2


def test_only_a_clinician_may_break_the_glass(provider, clinic):  # noqa: F811
    intake, _, clock = clinic
    patient = refer(intake, site_id="lakeside")["patient_id"]
    clock.real_time()

    coordinator = intake.get(f"/patients/{patient}", key=provider.staff_token("riverside-coordinator"),
                             headers={"X-Access-Reason": REASON})
    no_sites = intake.get(f"/patients/{patient}", key=signed_token(provider, sites=None),
                          headers={"X-Access-Reason": REASON})
    missing = intake.get("/patients/6f1c1f43-6a5e-4c57-9d0b-3f0f7e1a2b3c",
                         key=provider.staff_token("riverside-clinician"),
                         headers={"X-Access-Reason": REASON})

    assert (coordinator.status_code, no_sites.status_code, missing.status_code) == (404, 404, 404)
    assert [e[1] for e in entries(intake, patient)] == ["create"]


@pytest.mark.parametrize("reason", ["", "x" * 501])
def test_a_blank_or_overlong_reason_is_a_problem_naming_the_header(provider, clinic, reason):  # noqa: F811
    intake, _, _ = clinic
    patient = refer(intake, site_id="riverside")["patient_id"]

    response = intake.get(f"/patients/{patient}", key=provider.staff_token("lakeside-clinician"),
                          headers={"X-Access-Reason": reason})

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["X-Access-Reason"]
    assert entries(intake, patient) == [("dev-admin-1", "create", "referral", None)]


def test_the_header_and_the_slowing_are_documented(clinic):
    intake, _, _ = clinic
    operation = intake.get("/openapi.json", key=None).json()["paths"]["/patients/{patient_id}"]["get"]

    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [(p["name"], p["required"], p["schema"]["maxLength"]) for p in headers] == [
        ("X-Access-Reason", False, 500)]
    assert "429" in operation["responses"]

"""Break-the-glass across the whole chart: a grant made at intake holds, for that person and for
BREAK_GLASS.grant_minutes, at scheduling (the patient's schedule), outcomes (assessments, flags,
summary) and notifications (the patient's messages); every read there is audited under the grant,
and the accounting CLI shows each with the grant's reason. A reason stated first at another
service grants nothing there: 404, telling to open the patient at intake."""
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from demo.launch import wait_until
from shared import tokens
from shared.access import BreakGlass
from shared.audit import main as audit_main
from tests.integration.intake.scenario import enroll, refer
from tests.integration.scheduling.clinic import staff
from tests.kit.identity_provider import provider, signed_token  # noqa: F401 (the fixture)
from tests.kit.test_break_glass import DrivenClock
from tests.support.events import publish_event
from tests.unit.event_examples import example

PRIVACY_KEY = "dev-privacy-key"
REASON = "Patient arrived at Lakeside ED in crisis"
SERVICES = ("intake", "scheduling", "outcomes", "notifications")


@pytest.fixture
def chart(platform, provider):  # noqa: F811
    """The four services on the development provider, their break-the-glass clocks driven as one."""
    tokens.forget_issuers()
    identity = provider.identity_config()
    clock = DrivenClock(datetime.now(timezone.utc))
    running = {}
    for name in SERVICES:
        extra = {"CLOCK_NOW": "2026-11-08T12:00:00+00:00"} if name == "scheduling" else {}
        running[name] = platform.start(name, IDENTITY=identity, BREAK_GLASS={"grant_minutes": 60},
                                       **extra)
        next(d for d in running[name].container.dependencies
             if isinstance(d, BreakGlass)).clock = clock
    yield running, clock
    tokens.forget_issuers()


def patient_in_care(platform, services) -> dict:
    """A riverside patient enrolled at intake (scheduling and outcomes learn of it) who missed a
    session (notifications plans a check-in)."""
    staff(services["scheduling"], roles=["therapist", "on_call"])
    enrollment = enroll(services["intake"], site_id="riverside")
    patient = enrollment["patient_id"]
    publish_event(platform.amqp_uri, "SessionMissed", example(
        "SessionMissed", site_id="riverside", patient_id=patient,
        enrollment_id=enrollment["enrollment_id"], excused=False, consecutive_missed=1),
        site_id="riverside")
    own = {"schedule": f"/patients/{patient}/schedule", "assessments": f"/patients/{patient}/assessments",
           "summary": f"/enrollments/{enrollment['enrollment_id']}/summary"}
    wait_until(lambda: all(services[s].get(own[r], key="admin").status_code == 200 for s, r in
                           (("scheduling", "schedule"), ("outcomes", "assessments"))),
               timeout=20, message="the enrollment did not reach scheduling and outcomes")
    wait_until(lambda: messages(services, patient, "admin")["notifications"], timeout=20,
               message="no message planned")
    return enrollment


def messages(services, patient, key, **headers):
    response = services["notifications"].get("/notifications", key=key,
                                             params={"patient_id": patient}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def chart_reads(services, enrollment, key, **headers) -> dict:
    """The status of each read of the patient's chart outside intake (notifications: the messages)."""
    patient = enrollment["patient_id"]
    reads = {
        "schedule": services["scheduling"].get(f"/patients/{patient}/schedule", key=key, headers=headers),
        "assessments": services["outcomes"].get(f"/patients/{patient}/assessments", key=key,
                                                headers=headers),
        "summary": services["outcomes"].get(f"/enrollments/{enrollment['enrollment_id']}/summary",
                                            key=key, headers=headers),
        "flags": services["outcomes"].get("/flags", key=key, params={"patient_id": patient},
                                          headers=headers),
        "messages": services["notifications"].get("/notifications", key=key,
                                                  params={"patient_id": patient}, headers=headers)}
    return reads


def entries(service, patient_id):
    response = service.get("/audit", key=PRIVACY_KEY, params={"patient_id": patient_id})
    assert response.status_code == 200, response.text
    return [(e["who"]["subject"], e["action"], e["resource_type"], e["reason"])
            for e in response.json()["entries"] if e["resource_type"] != "audit_log"]


def grant_recorded(services, patient, subject, count=1):
    """Each service but intake has recorded the grant announced by intake (after the relay)."""
    def recorded():
        return all(sum(1 for e in entries(services[name], patient)
                       if e[:2] == (subject, "break_glass")) == count
                   for name in SERVICES[1:])
    wait_until(recorded, timeout=20, message="the grant did not reach every service")


def break_glass_alerts(services, provider):  # noqa: F811
    listed = services["notifications"].get("/alerts", key=provider.staff_token("riverside-privacy"))
    assert listed.status_code == 200, listed.text
    return [a for a in listed.json()["alerts"] if a["reason"] == "break_glass"]


def test_a_grant_at_intake_opens_the_whole_chart_for_that_person(platform, provider, chart):  # noqa: F811
    services, clock = chart
    enrollment = patient_in_care(platform, services)
    patient = enrollment["patient_id"]
    lee = provider.staff_token("lakeside-clinician")
    colleague = signed_token(provider, sub="lakeside-other", name="Other Clinician", sites=["lakeside"])
    item9 = services["outcomes"].post("/assessments", {  # a risk flag, of the patient's site
        "patient_id": patient, "enrollment_id": enrollment["enrollment_id"], "instrument": "phq9",
        "responses": [1, 1, 1, 1, 1, 1, 1, 1, 1], "administered_at": "2026-11-10T15:00:00+00:00"},
        key="admin")
    assert item9.status_code == 201, item9.text
    own_flags = services["outcomes"].get("/flags", key="admin", params={"patient_id": patient})
    assert len(own_flags.json()["flags"]) == 1

    before = chart_reads(services, enrollment, lee)
    assert {r: before[r].status_code for r in before} == {
        "schedule": 404, "assessments": 404, "summary": 404, "flags": 200, "messages": 200}
    assert before["messages"].json()["notifications"] == []  # another site's patient lists nothing
    assert before["flags"].json()["flags"] == []

    clock.real_time()
    opened = services["intake"].get(f"/patients/{patient}", key=lee, headers={"X-Access-Reason": REASON})
    assert opened.status_code == 200, opened.text
    grant_recorded(services, patient, "lakeside-clinician")

    within = chart_reads(services, enrollment, lee)
    other = chart_reads(services, enrollment, colleague)

    assert {r: within[r].status_code for r in within} == {
        "schedule": 200, "assessments": 200, "summary": 200, "flags": 200, "messages": 200}
    assert within["schedule"].json()["enrollment_id"] == enrollment["enrollment_id"]
    assert [e["enrollment_id"] for e in within["assessments"].json()["episodes"]] == [
        enrollment["enrollment_id"]]
    assert within["messages"].json()["notifications"] == messages(services, patient, "admin")[
        "notifications"]
    assert within["flags"].json()["flags"] == own_flags.json()["flags"]
    assert {r: other[r].status_code for r in other} == {
        "schedule": 404, "assessments": 404, "summary": 404, "flags": 200, "messages": 200}
    assert other["messages"].json()["notifications"] == []

    under_grant = ("lakeside-clinician", "break_glass", "patient", None)
    assert [e for e in entries(services["scheduling"], patient) if e[0] == "lakeside-clinician"] == [
        under_grant, ("lakeside-clinician", "read", "schedule", None)]
    assert [e for e in entries(services["outcomes"], patient) if e[0] == "lakeside-clinician"] == [
        under_grant, ("lakeside-clinician", "read", "assessments", None),
        ("lakeside-clinician", "read", "outcome_summary", None),
        ("lakeside-clinician", "read", "risk_flags", None)]
    listing = ("lakeside-clinician", "read", "notifications", None)  # the empty one before, too
    assert [e for e in entries(services["notifications"], patient) if e[0] == "lakeside-clinician"] == [
        listing, under_grant, listing]

    [alert] = wait_until(lambda: break_glass_alerts(services, provider), timeout=15,
                         message="no break_glass alert")
    assert alert["patient_id"] == patient
    clock.now += timedelta(minutes=30)
    assert chart_reads(services, enrollment, lee)["schedule"].status_code == 200
    assert len(break_glass_alerts(services, provider)) == 1  # the reads made no second alert

    out = io.StringIO()
    urls = [f"--service-url={name}={services[name].base_url}" for name in SERVICES]
    assert audit_main(["patient", patient, "--credential", PRIVACY_KEY, "--json", *urls], out=out) == 0
    shown = [json.loads(line) for line in out.getvalue().splitlines()]
    lees = [(e["service"], e["action"], e["resource_type"], e["reason"]) for e in shown
            if e["who"]["subject"] == "lakeside-clinician"]
    assert lees == [
        ("notifications", "read", "notifications", None),  # before the grant: no reason
        # the grant, at one moment in each service (the registry's order breaks the tie)
        ("intake", "break_glass", "patient", REASON), ("scheduling", "break_glass", "patient", REASON),
        ("notifications", "break_glass", "patient", REASON), ("outcomes", "break_glass", "patient", REASON),
        ("intake", "read", "patient", REASON),
        ("scheduling", "read", "schedule", REASON), ("outcomes", "read", "assessments", REASON),
        ("outcomes", "read", "outcome_summary", REASON), ("outcomes", "read", "risk_flags", REASON),
        ("notifications", "read", "notifications", REASON), ("scheduling", "read", "schedule", REASON),
        ("outcomes", "read", "assessments", REASON), ("outcomes", "read", "outcome_summary", REASON),
        ("outcomes", "read", "risk_flags", REASON), ("notifications", "read", "notifications", REASON)]


def test_after_the_grant_the_chart_is_closed_again_everywhere(platform, provider, chart):  # noqa: F811
    services, clock = chart
    enrollment = patient_in_care(platform, services)
    patient = enrollment["patient_id"]
    lee = provider.staff_token("lakeside-clinician")
    clock.real_time()
    assert services["intake"].get(f"/patients/{patient}", key=lee,
                                  headers={"X-Access-Reason": REASON}).status_code == 200
    grant_recorded(services, patient, "lakeside-clinician")

    clock.now += timedelta(minutes=59)
    within = chart_reads(services, enrollment, lee)
    clock.now += timedelta(minutes=2)
    expired = chart_reads(services, enrollment, lee)
    at_intake = services["intake"].get(f"/patients/{patient}", key=lee)

    assert {r: within[r].status_code for r in within} == {
        "schedule": 200, "assessments": 200, "summary": 200, "flags": 200, "messages": 200}
    assert within["messages"].json()["notifications"] != []
    assert {r: expired[r].status_code for r in expired} == {
        "schedule": 404, "assessments": 404, "summary": 404, "flags": 200, "messages": 200}
    assert expired["schedule"].json()["detail"] == "Patient not found."
    assert expired["messages"].json()["notifications"] == []
    assert at_intake.status_code == 404


def test_a_reason_stated_first_elsewhere_grants_nothing_and_points_to_intake(platform, provider,  # noqa: F811
                                                                            chart):
    services, clock = chart
    enrollment = patient_in_care(platform, services)
    patient = enrollment["patient_id"]
    lee = provider.staff_token("lakeside-clinician")
    clock.real_time()
    unknown = "6f1c1f43-6a5e-4c57-9d0b-3f0f7e1a2b3c"
    hint = ("To open another site's patient in an emergency, open the patient at intake first "
            "(GET /patients/{patient_id} with X-Access-Reason); the grant then holds here too.")

    stated = chart_reads(services, enrollment, lee, **{"X-Access-Reason": REASON})
    missing = services["scheduling"].get(f"/patients/{unknown}/schedule", key=lee,
                                         headers={"X-Access-Reason": REASON})
    without = chart_reads(services, enrollment, lee)

    assert {r: stated[r].status_code for r in stated} == {
        "schedule": 404, "assessments": 404, "summary": 404, "flags": 404, "messages": 404}
    assert stated["schedule"].json()["detail"] == f"Patient not found. {hint}"
    assert stated["summary"].json()["detail"] == f"Enrollment not found. {hint}"
    assert stated["messages"].json()["detail"] == f"Patient not found. {hint}"
    assert missing.json()["detail"] == f"Patient not found. {hint}"  # as for an unknown patient
    assert {r: without[r].status_code for r in without} == {  # and no grant was made there
        "schedule": 404, "assessments": 404, "summary": 404, "flags": 200, "messages": 200}
    for name in SERVICES:
        assert not [e for e in entries(services[name], patient) if e[1] == "break_glass"], name
    events = services["intake"].get("/events", key="integrator",
                                    params={"type": "EmergencyAccessGranted"}).json()["events"]
    assert events == []
    assert break_glass_alerts(services, provider) == []
    documented = {}
    for name, path in (("scheduling", "/patients/{patient_id}/schedule"),
                       ("outcomes", "/patients/{patient_id}/assessments"),
                       ("outcomes", "/enrollments/{enrollment_id}/summary"), ("outcomes", "/flags"),
                       ("notifications", "/notifications")):
        operation = services[name].get("/openapi.json", key=None).json()["paths"][path]["get"]
        documented[path] = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    assert set(map(tuple, documented.values())) == {("X-Access-Reason",)}


def test_a_referral_s_risk_flag_opens_under_the_grant_before_any_enrollment(provider, chart):  # noqa: F811
    services, clock = chart
    screening = {"phq9": [2, 2, 2, 2, 2, 2, 1, 1, 2], "gad7": [1, 1, 1, 1, 1, 1, 2]}  # item 9 at 2
    patient = refer(services["intake"], site_id="riverside", screening=screening)["patient_id"]
    own = wait_until(lambda: services["outcomes"].get("/flags", key="admin", params={
        "patient_id": patient}).json()["flags"], timeout=20, message="no flag at referral")
    lee = provider.staff_token("lakeside-clinician")

    def flags(**headers):
        response = services["outcomes"].get("/flags", key=lee, params={"patient_id": patient},
                                             headers=headers)
        return response.status_code, response.json().get("flags")

    before = flags()
    clock.real_time()
    assert services["intake"].get(f"/patients/{patient}", key=lee,
                                  headers={"X-Access-Reason": REASON}).status_code == 200
    grant_recorded(services, patient, "lakeside-clinician")

    assert before == (200, [])
    assert flags() == (200, own)
    assert [e for e in entries(services["outcomes"], patient) if e[0] == "lakeside-clinician"] == [
        ("lakeside-clinician", "break_glass", "patient", None),
        ("lakeside-clinician", "read", "risk_flags", None)]

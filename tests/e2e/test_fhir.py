"""The FHIR R4 base URL over the running platform (issue 17, point 1).

The four services and the FHIR gateway as separate processes, driven over HTTP only. Every
resource the gateway answers is validated by a FHIR R4 (4.0.1) model library (fhirclient's
generated models, strict: an unknown element, a wrong type or a missing required one fails).
"""
import json
from datetime import datetime, timedelta

import pytest
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from sqlalchemy import create_engine, text

from demo.launch import ServiceClient, wait_until
from tests.e2e import program as p
from tests.e2e.test_program import WAIT, created, of

PHQ9 = {1: [2, 2, 2, 1, 2, 2, 1, 1, 0], 2: [2, 1, 2, 1, 2, 1, 1, 1, 0], 3: [1, 1, 1, 1, 1, 1, 1, 1, 2]}
GAD7 = [1, 1, 2, 1, 1, 1, 1]
GOALS_V2 = ["Back to work half days", "Sleep seven hours a night"]
RELATED = {"given_name": "Rosa", "family_name": "Okafor", "relationship": "MTH",
           "email": "rosa@family.test", "preferred_language": "es", "consent_to_contact": True}
ATTENDED = 4  # the first sessions both patients attend (their shared group sessions among them)
KINDS = ("Patient", "RelatedPerson", "EpisodeOfCare", "CarePlan", "Goal", "Appointment", "Encounter",
         "QuestionnaireResponse", "Observation", "Flag")


def valid(resource: dict) -> dict:
    """The resource parsed by the R4 models (strictly) and written back unchanged."""
    model = FHIRElementFactory.instantiate(resource["resourceType"], resource)
    assert type(model).__name__ == resource["resourceType"]
    assert model.as_json() == resource, resource
    return resource


def bundle_of(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    bundle = valid(response.json())
    assert bundle["type"] == "searchset"
    return [entry["resource"] for entry in bundle.get("entry", [])]


def by_patient(kind: str, patient_id: str) -> dict:
    """Patient is searched by _id, every other kind by patient."""
    return {"_id" if kind == "Patient" else "patient": patient_id}


def audit_of(platform, service: str, patient_id: str) -> set[tuple]:
    """(actor, action, resource_type) rows of a service's own audit log about a patient."""
    url = platform.env[f"{service.upper()}_DATABASE_URL"] or f"sqlite:///{platform.data_dir / service}.db"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {tuple(row) for row in conn.execute(text(
                "SELECT actor, action, resource_type FROM audit_log WHERE patient_id = :p"),
                {"p": patient_id})}
    finally:
        engine.dispose()


def at(week: int, hour: int = 15) -> str:
    return datetime.combine(p.START + timedelta(days=7 * week - 3), datetime.min.time()).replace(
        hour=hour, tzinfo=p.BEFORE_START.tzinfo).isoformat()


@pytest.fixture
def network(running_platform, subscriber):
    """Two riverside patients in one CBT group (one later withdraws), a lakeside one; sessions
    attended, PHQ-9s with a risk flag, a GAD-7, a second plan version; then the gateway."""
    events = subscriber(("scheduling", "SessionScheduled"), ("outcomes", "AssessmentScored"),
                        ("outcomes", "RiskFlagRaised"), ("intake", "PatientEnrolled"))
    intake, scheduling = running_platform["intake"], running_platform["scheduling"]
    _, facilitator = (created(scheduling.post("/staff", {"site_id": "riverside", **s})) for s in p.STAFF)
    created(scheduling.post("/group-series", p.series("riverside", facilitator["staff_id"])))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], modality="psychoeducation", kind="education",
        weekdays=["tue"], start_time="10:00", duration_minutes=60)))
    people = {}
    for name, site in (("Ada", "riverside"), ("Bea", "riverside"), ("Lena", "lakeside")):
        referral = created(intake.post("/referrals", p.referral(site, name, p.SCREENING_PHQ9, p.SCREENING_GAD7)))
        people[name] = {"patient_id": referral["patient_id"], "referral_id": referral["referral_id"]}
    for name in ("Ada", "Bea"):
        enrollment = created(intake.post("/enrollments", {
            "referral_id": people[name]["referral_id"], "track": "depression",
            "start_date": p.START.isoformat(), "planned_weeks": p.WEEKS, "plan": p.PLAN,
            "goals": ["Back to work half days"]}))
        people[name]["enrollment_id"] = enrollment["enrollment_id"]
        events.wait_for("PatientEnrolled", where=of(enrollment["enrollment_id"]), timeout=WAIT)
    people["Ada"]["related_person_id"] = created(intake.post(
        f"/patients/{people['Ada']['patient_id']}/related-persons", RELATED))["related_person_id"]
    created(intake.put(f"/enrollments/{people['Ada']['enrollment_id']}/plan",
                       {"plan": p.PLAN, "goals": GOALS_V2}), 200)
    for name in ("Ada", "Bea"):
        events.wait_for("SessionScheduled", where=of(people[name]["enrollment_id"]),
                        count=p.SESSIONS, timeout=WAIT)

    running_platform.restart_service("scheduling")  # the real clock: every session is past
    scheduling = running_platform["scheduling"]
    schedule = created(scheduling.get(f"/patients/{people['Ada']['patient_id']}/schedule"), 200)
    sessions = sorted(schedule["sessions"], key=lambda s: s["starts_at"])[:ATTENDED + 1]
    for index, session in enumerate(sessions):
        detail = created(scheduling.get(f"/sessions/{session['session_id']}"), 200)
        marks = [{"patient_id": b["patient_id"], "status": "absent"} if index == ATTENDED else
                 {"patient_id": b["patient_id"], "status": "attended", "attended_minutes": 50}
                 for b in detail["bookings"]]
        created(scheduling.post(f"/sessions/{session['session_id']}/attendance", marks), 200)

    outcomes = running_platform["outcomes"]
    ada = people["Ada"]
    for week, answers in PHQ9.items():
        created(outcomes.post("/assessments", {"patient_id": ada["patient_id"], "instrument": "phq9",
                                               "responses": answers, "administered_at": at(week)}))
    created(outcomes.post("/assessments", {"patient_id": ada["patient_id"], "instrument": "gad7",
                                           "responses": GAD7, "administered_at": at(1, 16)}))
    events.wait_for("AssessmentScored", where=of(ada["enrollment_id"]), count=len(PHQ9) + 1, timeout=WAIT)
    events.wait_for("RiskFlagRaised", where=of(ada["enrollment_id"]), timeout=WAIT)
    created(intake.post(f"/enrollments/{people['Bea']['enrollment_id']}/discharge",
                        {"reason": "withdrew", "on": "2026-06-12"}), 200)

    gateway = running_platform.start_edge("interop")
    fhir = ServiceClient(gateway.base_url + "/fhir")
    return {"fhir": fhir, "people": people, "sessions": sessions, "platform": running_platform}


def test_fhir_r4_read_api_over_the_platform(network):
    fhir, people = network["fhir"], network["people"]
    ada, bea, lena = people["Ada"], people["Bea"], people["Lena"]

    # The CapabilityStatement: R4 4.0.1, every kind read and searched, the bulk export.
    metadata = fhir.get("/metadata", key=None)
    assert metadata.status_code == 200
    capability = valid(metadata.json())
    assert capability["fhirVersion"] == "4.0.1"
    # With the discharge summary's DocumentReference and its PDF (tests/e2e/test_discharge_summary.py).
    assert {r["type"] for r in capability["rest"][0]["resource"]} == set(KINDS) | {"DocumentReference", "Binary"}

    # Every kind: searched by patient, each entry validated and read again by its id.
    found = {}
    for kind in KINDS:
        found[kind] = bundle_of(fhir.get(f"/{kind}", key="riverside", params=by_patient(kind, ada["patient_id"])))
        assert found[kind], kind
        for resource in found[kind]:
            assert resource["resourceType"] == kind
            read = fhir.get(f"/{kind}/{resource['id']}", key="riverside")
            assert read.status_code == 200, read.text
            assert valid(read.json()) == resource

    patient = found["Patient"][0]
    assert (patient["id"], patient["name"][0]["given"], patient["birthDate"]) == (
        ada["patient_id"], ["Ada"], "1988-02-11")

    episode = found["EpisodeOfCare"][0]
    assert (episode["id"], episode["status"]) == (ada["enrollment_id"], "active")
    assert episode["statusHistory"] == [{"status": "active", "period": {"start": p.START.isoformat()}}]
    withdrawn = valid(fhir.get(f"/EpisodeOfCare/{bea['enrollment_id']}", key="riverside").json())
    assert withdrawn["status"] == "finished"
    assert [h["status"] for h in withdrawn["statusHistory"]] == ["active", "finished"]
    assert withdrawn["period"]["end"] == "2026-06-12"
    reason = next(e for e in withdrawn["extension"] if e["url"].endswith("discharge-reason"))
    assert reason["valueCoding"]["code"] == "withdrew"

    # The plan: version 2 now, both versions in its history; its Goals are version 2's.
    plan = found["CarePlan"][0]
    assert (plan["id"], plan["meta"]["versionId"]) == (ada["enrollment_id"], "2")
    history = valid(fhir.get(f"/CarePlan/{ada['enrollment_id']}/_history", key="riverside").json())
    assert sorted(e["resource"]["meta"]["versionId"] for e in history["entry"]) == ["1", "2"]
    first = valid(fhir.get(f"/CarePlan/{ada['enrollment_id']}/_history/1", key="riverside").json())
    assert len(first["goal"]) == 1 and len(plan["goal"]) == 2
    assert sorted(g["description"]["text"] for g in found["Goal"]) == sorted(GOALS_V2)
    assert {f"Goal/{g['id']}" for g in found["Goal"]} == {g["reference"] for g in plan["goal"]}

    # Appointments: every booked session; a group session lists both patients.
    assert len(found["Appointment"]) == p.SESSIONS
    group = next(a for a in found["Appointment"] if a["id"] == network["sessions"][0]["session_id"])
    actors = {part["actor"].get("reference") for part in group["participant"]}
    assert {f"Patient/{ada['patient_id']}", f"Patient/{bea['patient_id']}"} <= actors
    assert group["status"] == "fulfilled"

    # Encounters: one per attended session, part of the session's own Encounter.
    encounters = found["Encounter"]
    assert len(encounters) == ATTENDED
    assert all(e["subject"]["reference"] == f"Patient/{ada['patient_id']}" for e in encounters)
    parents = {e["partOf"]["reference"] for e in encounters}
    assert parents == {f"Encounter/{s['session_id']}" for s in network["sessions"][:ATTENDED]}
    for parent in parents:
        whole = fhir.get(f"/{parent}", key="riverside")
        assert whole.status_code == 200 and valid(whole.json())["status"] == "finished"

    # Assessments: one QuestionnaireResponse each, with the item answers.
    responses = found["QuestionnaireResponse"]
    assert len(responses) == len(PHQ9) + 1
    phq9_responses = [r for r in responses if r["questionnaire"].endswith("/phq9")]
    assert [[i["answer"][0]["valueInteger"] for i in r["item"]] for r in phq9_responses] == list(PHQ9.values())

    # LOINC on the PHQ-9 Observations: totals 44261-6, item 9 44260-8, panel 44249-1; GAD-7 70274-6.
    def coded(code):
        return [o for o in found["Observation"] if o["code"]["coding"][0] == {
            **o["code"]["coding"][0], "system": "http://loinc.org", "code": code}]

    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in found["Observation"])
    assert [o["valueQuantity"]["value"] for o in coded("44261-6")] == [sum(a) for a in PHQ9.values()]
    assert [o["valueInteger"] for o in coded("44260-8")] == [0, 0, 2]
    panels = coded("44249-1")
    assert len(panels) == len(PHQ9) and all(len(o["hasMember"]) == 2 for o in panels)
    assert [o["valueQuantity"]["value"] for o in coded("70274-6")] == [sum(GAD7)]

    # Her mother, US Core RelatedPerson: relationship v3 RoleCode MTH, her own language.
    (mother,) = found["RelatedPerson"]
    assert (mother["id"], mother["patient"]["reference"]) == (
        ada["related_person_id"], f"Patient/{ada['patient_id']}")
    assert mother["relationship"][0]["coding"][0]["code"] == "MTH"
    assert mother["communication"][0]["language"]["coding"][0]["code"] == "es"

    # The open risk flag of the week-3 item 9 answer.
    (flag,) = found["Flag"]
    assert (flag["status"], flag["code"]["coding"][0]["code"]) == ("active", "phq9_item9")


def test_fhir_site_isolation_and_bulk_export_of_a_site(network):
    fhir, people = network["fhir"], network["people"]
    ada, bea, lena = people["Ada"], people["Bea"], people["Lena"]

    # Another site's record is not found, as a missing one; its searches find nothing.
    riverside = {kind: bundle_of(fhir.get(f"/{kind}", key="riverside",
                                          params=by_patient(kind, ada["patient_id"])))[0]["id"]
                 for kind in KINDS}
    for path in [f"/{kind}/{resource_id}" for kind, resource_id in riverside.items()] + [
            f"/Encounter/{network['sessions'][0]['session_id']}"]:
        hidden = fhir.get(path, key="lakeside")
        assert hidden.status_code == 404, (path, hidden.text)
        assert valid(hidden.json())["issue"][0]["code"] == "not-found"
        assert fhir.get(path, key="riverside").status_code == 200
    assert fhir.get(f"/Patient/{lena['patient_id']}", key="riverside").status_code == 404
    for kind in KINDS:
        assert bundle_of(fhir.get(f"/{kind}", key="lakeside", params=by_patient(kind, ada["patient_id"]))) == []
    assert fhir.get("/Patient/" + ada["patient_id"], key=None).status_code == 401

    # Each read through the gateway is in the owning service's audit log, as the caller's.
    platform = network["platform"]
    assert {("dev-riverside", "read", "patient"), ("dev-riverside", "read", "enrollment")} <= \
        audit_of(platform, "intake", ada["patient_id"])
    assert {("dev-riverside", "read", "assessment"), ("dev-riverside", "read", "risk_flag")} <= \
        audit_of(platform, "outcomes", ada["patient_id"])
    assert not any(actor == "dev-lakeside" for actor, _, _ in
                   audit_of(platform, "intake", ada["patient_id"]) | audit_of(platform, "outcomes", ada["patient_id"]))

    # Bulk export of riverside: kick-off 202 with Content-Location, polled until the manifest.
    refused = fhir.get("/Group/lakeside/$export", key="riverside", headers={"Prefer": "respond-async"})
    assert refused.status_code == 404
    kick_off = fhir.get("/Group/riverside/$export", key="riverside", headers={"Prefer": "respond-async"})
    assert kick_off.status_code == 202, kick_off.text
    status_url = kick_off.headers["Content-Location"]
    assert status_url.startswith(fhir.base_url + "/$export-status/")
    status_path = status_url[len(fhir.base_url):]
    assert fhir.get(status_path, key="lakeside").status_code == 404  # only its own caller polls it

    manifest = {}

    def finished():
        polled = fhir.get(status_path, key="riverside")
        assert polled.status_code in (200, 202), polled.text
        if polled.status_code == 200:
            manifest.update(polled.json())
        return polled.status_code == 200

    wait_until(finished, timeout=120, interval=0.5, message="the export did not finish")
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    exported = {}
    for output in manifest["output"]:
        assert output["url"].startswith(fhir.base_url)
        answer = fhir.get(output["url"][len(fhir.base_url):], key="riverside")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/fhir+ndjson")
        lines = [line for line in answer.text.splitlines() if line]
        assert len(lines) == output["count"]
        exported[output["type"]] = [valid(json.loads(line)) for line in lines]
        assert {r["resourceType"] for r in exported[output["type"]]} == {output["type"]}
    assert set(exported) == set(KINDS)
    assert {r["id"] for r in exported["Patient"]} == {ada["patient_id"], bea["patient_id"]}
    assert {r["id"] for r in exported["EpisodeOfCare"]} == {ada["enrollment_id"], bea["enrollment_id"]}
    assert len([o for o in exported["Observation"] if o["code"]["coding"][0]["code"] == "44261-6"]) == len(PHQ9)
    # The group sessions' own Encounters come along with the patients' that are part of them.
    ids = {e["id"] for e in exported["Encounter"]}
    assert all(e["partOf"]["reference"].split("/")[1] in ids for e in exported["Encounter"] if "partOf" in e)

    assert fhir.request("DELETE", status_path, key="riverside").status_code == 202
    assert fhir.get(status_path, key="riverside").status_code == 404

"""Family members (issue 17, point 3): related persons recorded in intake, taking part in the
family sessions scheduling books, reminded by notifications over real SMTP in their own language
and only with their consent, and shown by the FHIR gateway as RelatedPerson and Appointment
participants.

The services as separate processes on the real clock, a program starting next week (its
reminders lie ahead); driven over HTTP, the notifications clock by POST /notifications/dispatch.
"""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from demo.launch import ServiceClient, wait_until
from demo.platform import SERVICES, Platform
from demo.sinks import live_channels_env
from services.notifications.domain.templates import local_when
from tests.e2e import program as p
from tests.e2e.test_fhir import audit_of, bundle_of, valid
from tests.e2e.test_program import WAIT, created, refused

RIVERSIDE = ZoneInfo("America/New_York")
PLAN = {**p.PLAN, "family_sessions_per_month": 4}  # one family session a week
WEEKS = 6
MOTHER = {"given_name": "Rosa", "family_name": "Okafor", "relationship": "MTH",
          "email": "rosa@family.test", "phone": "+15555550123", "preferred_language": "es-MX",
          "consent_to_contact": True}
BROTHER = {"given_name": "Tom", "family_name": "Okafor", "relationship": "SIB",
           "email": "tom@family.test", "preferred_language": "en", "consent_to_contact": False}
EVENT_FIELDS = {"site_id", "patient_id", "related_person_id", "active", "consent_given", "version"}


def next_monday(after: date) -> date:
    return after + timedelta(days=7 - after.weekday())


@pytest.fixture
def platform(amqp_uri, database_factory, mailbox, tmp_path):
    """The four services on the real clock (the program lies ahead, and so do its reminders)."""
    databases = ({name: database_factory.create(name) for name in SERVICES}
                 if database_factory.postgres_url else None)
    running = Platform(amqp_uri, tmp_path / "data", databases, env=live_channels_env(mailbox))
    try:
        running.prepare()
        running.start()
        yield running
    finally:
        running.stop()


def patch(client, path, body, key="admin"):
    return client.request("PATCH", path, key, json=body)


def family_sessions(scheduling, patient_id):
    schedule = created(scheduling.get(f"/patients/{patient_id}/schedule"), 200)
    return sorted((s for s in schedule["sessions"] if s["kind"] == "family"),
                  key=lambda s: s["starts_at"])


def taking_part(session) -> set[str]:
    return {person["related_person_id"] for person in session["related_persons"]}


def dispatch(notifications, at: datetime) -> dict:
    return created(notifications.post("/notifications/dispatch", {"now": at.isoformat()},
                                      key="ops"), 200)["outcomes"]


def test_family_members_in_family_sessions_and_their_reminders(platform, subscriber, mailbox):
    events = subscriber(("intake", "RelatedPersonAdded"), ("intake", "RelatedPersonUpdated"),
                        ("scheduling", "SessionScheduled"))
    intake, scheduling = platform["intake"], platform["scheduling"]
    notifications = platform["notifications"]
    start = next_monday(datetime.now(timezone.utc).astimezone(RIVERSIDE).date() + timedelta(days=7))

    # The clinic and a patient enrolled with one family session a week.
    _, facilitator = (created(scheduling.post("/staff", {"site_id": "riverside", **s})) for s in p.STAFF)
    ends = (start + timedelta(weeks=WEEKS + 2)).isoformat()
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], starts_on=start.isoformat(), ends_on=ends)))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], modality="psychoeducation", kind="education",
        weekdays=["tue"], start_time="10:00", duration_minutes=60, starts_on=start.isoformat(),
        ends_on=ends)))
    referral = created(intake.post("/referrals", p.referral("riverside", "Ada", p.SCREENING_PHQ9,
                                                            p.SCREENING_GAD7)))
    patient_id = referral["patient_id"]
    lena = created(intake.post("/referrals", p.referral("lakeside", "Lena", p.SCREENING_PHQ9,
                                                        p.SCREENING_GAD7)))["patient_id"]
    enrollment = created(intake.post("/enrollments", {
        "referral_id": referral["referral_id"], "track": "depression",
        "start_date": start.isoformat(), "planned_weeks": WEEKS, "plan": PLAN,
        "goals": ["Rebuild routines at home"]}))
    scheduled = events.wait_for("SessionScheduled", count=WEEKS, timeout=WAIT, where=lambda e: (
        e["data"]["enrollment_id"] == enrollment["enrollment_id"] and e["data"]["kind"] == "family"))
    assert len({e["data"]["session_id"] for e in scheduled}) == WEEKS

    # Related persons: bad input is refused naming each field, and changes nothing.
    persons = f"/patients/{patient_id}/related-persons"
    refused(intake.post(persons, {**MOTHER, "email": None, "phone": None}), 422, "email")
    refused(intake.post(persons, {**MOTHER, "email": None, "phone": None}), 422, "phone")
    refused(intake.post(persons, {**MOTHER, "relationship": "AUNTIE"}), 422, "relationship")
    refused(intake.post(persons, {**MOTHER, "phone": "555-0123"}), 422, "phone")
    refused(intake.post(persons, {**MOTHER, "preferred_language": "Spanish!"}), 422, "preferred_language")
    refused(intake.post(persons, {**MOTHER, "note": "x"}), 422, "note")
    bad = intake.post(persons, {"given_name": " ", "relationship": "MTH"})
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert {"given_name", "family_name", "consent_to_contact"} <= set(bad.json()["errors"])
    assert created(intake.get(persons), 200)["related_persons"] == []

    # Recorded by the patient's site; another site's key finds neither patient nor person.
    assert intake.post(persons, MOTHER, key="lakeside").status_code == 404
    mother = created(intake.post(persons, MOTHER, key="riverside"))
    brother = created(intake.post(persons, BROTHER))
    assert (mother["relationship"], mother["consent_to_contact"], mother["active"]) == ("MTH", True, True)
    assert created(intake.post(f"/patients/{lena}/related-persons", BROTHER, key="lakeside"))
    one = f"{persons}/{mother['related_person_id']}"
    for path in (persons, f"/related-persons/{mother['related_person_id']}"):
        assert intake.get(path, key="lakeside").status_code == 404
        assert intake.get(path, key="riverside").status_code == 200
    assert patch(intake, one, {"consent_to_contact": False}, key="lakeside").status_code == 404
    assert intake.put(one, MOTHER, key="lakeside").status_code == 404
    listed = created(intake.get(persons, key="riverside"), 200)["related_persons"]
    assert [r["given_name"] for r in listed] == ["Rosa", "Tom"]

    # A change: 422 per field (no address left, a bad phone), then PUT and PATCH.
    refused(patch(intake, one, {"email": None, "phone": None}), 422, "email")
    refused(patch(intake, one, {"phone": "12"}), 422, "phone")
    refused(patch(intake, one, {"consent_to_contact": "maybe"}), 422, "consent_to_contact")
    again = created(intake.get(f"/related-persons/{mother['related_person_id']}"), 200)
    assert {**again, "consent_recorded_at": None} == {**mother, "consent_recorded_at": None}
    assert created(intake.put(one, {**MOTHER, "phone": "+15555550124"}), 200)["phone"] == "+15555550124"
    assert created(patch(intake, one, {"phone": "+15555550123"}), 200)["version"] == 3

    # Events carry ids and flags, never names or contacts.
    added = events.wait_for("RelatedPersonAdded", count=3, timeout=WAIT)
    assert all(set(e["data"]) == EVENT_FIELDS for e in added)
    assert "Rosa" not in str(added) and "rosa@family.test" not in str(added)

    # Scheduling: every family session to come lists the related persons taking part, those
    # consenting to be contacted (the mother, not the brother); the session view says the same.
    def mother_takes_part():
        return all(taking_part(s) == {mother["related_person_id"]}
                   for s in family_sessions(scheduling, patient_id))
    wait_until(mother_takes_part, timeout=WAIT, interval=0.2, message="family sessions lack the mother")
    first, second = family_sessions(scheduling, patient_id)[:2]
    detail = created(scheduling.get(f"/sessions/{first['session_id']}"), 200)
    assert detail["related_persons"] == [{"related_person_id": mother["related_person_id"]}]
    assert [b["patient_id"] for b in detail["bookings"]] == [patient_id]

    # FHIR: RelatedPerson read and searched (US Core), the family Appointment's participants.
    gateway = platform.start_edge("interop")
    fhir = ServiceClient(gateway.base_url + "/fhir")
    metadata = valid(fhir.get("/metadata", key=None).json())
    assert "RelatedPerson" in {r["type"] for r in metadata["rest"][0]["resource"]}
    found = bundle_of(fhir.get("/RelatedPerson", key="riverside", params={"patient": patient_id}))
    assert {r["id"] for r in found} == {mother["related_person_id"], brother["related_person_id"]}
    rosa = valid(fhir.get(f"/RelatedPerson/{mother['related_person_id']}", key="riverside").json())
    assert rosa["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-relatedperson"]
    assert rosa["relationship"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH", "display": "mother"}
    assert (rosa["patient"]["reference"], rosa["name"][0]["given"]) == (f"Patient/{patient_id}", ["Rosa"])
    assert fhir.get(f"/RelatedPerson/{mother['related_person_id']}", key="lakeside").status_code == 404
    assert bundle_of(fhir.get("/RelatedPerson", key="lakeside", params={"patient": patient_id})) == []
    appointment = valid(fhir.get(f"/Appointment/{first['session_id']}", key="riverside").json())
    actors = {part["actor"].get("reference") for part in appointment["participant"]}
    assert {f"Patient/{patient_id}", f"RelatedPerson/{mother['related_person_id']}"} <= actors
    assert f"RelatedPerson/{brother['related_person_id']}" not in actors

    # Reads and changes are in intake's audit log, as the caller's.
    audit = audit_of(platform, "intake", patient_id)
    assert {("dev-admin", "create", "related_person"), ("dev-riverside", "read", "related_persons"),
            ("dev-riverside", "read", "related_person"), ("dev-admin", "update", "related_person")} <= audit
    assert not any(actor == "dev-lakeside" for actor, _, _ in audit)

    # The first family session's reminder, a day ahead: the mother by email in Spanish; the
    # brother, who did not consent, nothing; the patient her own reminder as before.
    first_start = datetime.fromisoformat(first["starts_at"])
    outcomes = dispatch(notifications, first_start - timedelta(hours=20))
    assert outcomes.get("sent", 0) >= 2, outcomes
    wait_until(lambda: mailbox.to("rosa@family.test"), timeout=WAIT, interval=0.2,
               message="no reminder reached the mother")
    (to_mother,) = mailbox.to("rosa@family.test")
    assert to_mother["Subject"] == "Recordatorio de sesión familiar"
    body = to_mother.get_content()
    assert "Hola Rosa" in body and local_when(first_start, RIVERSIDE, "es") in body
    assert mailbox.to("tom@family.test") == []
    own = [m for m in mailbox.to("ada@patient.test")
           if local_when(first_start, RIVERSIDE, "en") in m.get_content()]
    assert [m["Subject"] for m in own] == ["Appointment reminder"]
    messages = created(notifications.get("/notifications", params={"patient_id": patient_id}), 200)
    reminded = [m for m in messages["notifications"] if m["recipient_type"] == "related_person"]
    assert [(m["recipient_id"], m["status"], m["channel"]) for m in reminded] == [
        (mother["related_person_id"], "sent", "email")]

    # The mother withdraws her consent (audited): she leaves the sessions to come, and the next
    # family session's reminder goes to the patient alone.
    withdrawn = created(patch(intake, one, {"consent_to_contact": False}), 200)
    assert withdrawn["consent_to_contact"] is False
    assert withdrawn["consent_recorded_at"] > mother["consent_recorded_at"]
    assert ("dev-admin", "consent_withdrawn", "related_person") in audit_of(platform, "intake", patient_id)
    events.wait_for("RelatedPersonUpdated", count=3, timeout=WAIT)
    wait_until(lambda: not any(taking_part(s) for s in family_sessions(scheduling, patient_id)),
               timeout=WAIT, interval=0.2, message="the mother still takes part")
    second_start = datetime.fromisoformat(second["starts_at"])
    dispatch(notifications, second_start - timedelta(hours=20))
    wait_until(lambda: any(local_when(second_start, RIVERSIDE, "en") in m.get_content()
                           for m in mailbox.to("ada@patient.test")),
               timeout=WAIT, interval=0.2, message="the patient's second family reminder")
    assert len(mailbox.to("rosa@family.test")) == 1
    contact = created(intake.get(f"/related-persons/{mother['related_person_id']}"), 200)
    assert (contact["email"], contact["consent_to_contact"]) == ("rosa@family.test", False)

"""The discharge summary back to the referrer (issue 17, point 2), over the running platform.

The four services and the FHIR gateway as separate processes, driven over HTTP only; email goes
to a loopback SMTP server. A completed program's summary PDF is opened (pypdf) and its figures
checked against outcomes' GET /enrollments/{id}/summary; it reaches the consenting referrer once,
even when its event is redelivered, never a referrer the patient withdrew consent from, and does
reach one the patient consented to after referral, or after the summary was held back; the
DocumentReference is validated by the FHIR R4 models.
"""
import io

import pytest
from pypdf import PdfReader

from demo.launch import ServiceClient, wait_until
from tests.e2e import program as p
from tests.e2e.test_fhir import at, audit_of, bundle_of, valid
from tests.e2e.test_program import WAIT, created, of
from tests.integration.notifications.events import publish_envelope

ATTENDED = 4  # Ada's first sessions, all attended: a rate of 1.0, so she completes
PHQ9 = {1: [2, 2, 2, 1, 2, 2, 1, 1, 0], 2: [1, 1, 0, 1, 1, 0, 1, 0, 0]}  # 13, then 5 (baseline 14)
GAD7 = [1, 0, 1, 0, 1, 0, 1]  # 4 (baseline 8)
DISCHARGED_ON = "2026-06-12"
AFTERCARE = {"plan": "Weekly individual CBT for eight weeks; sleep diary continued.",
             "provider": "Northside Family Medicine", "first_appointment_on": "2026-06-19"}


def referrer(name: str, consent: bool) -> dict:
    return {"name": f"Dr. {name} Cole", "organization": "Northside Family Medicine",
            "direct_address": f"{name.lower()}.cole@direct.northside.example", "npi": "1234567893",
            "consent_to_share": consent}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def mails_to(mailbox, address: str) -> list:
    return mailbox.to(address)


@pytest.fixture
def discharged(running_platform, subscriber, mailbox):
    """Three riverside patients of one CBT group, each with a referring provider: Ada (consent
    at referral) completes; Bea (consent withdrawn later) and Cy (consent given later) withdraw."""
    events = subscriber(("intake", "PatientEnrolled"), ("scheduling", "SessionScheduled"),
                        ("outcomes", "AssessmentScored"), ("outcomes", "DischargeSummaryReady"),
                        ("notifications", "NotificationSent"))
    intake, scheduling = running_platform["intake"], running_platform["scheduling"]
    _, facilitator = (created(scheduling.post("/staff", {"site_id": "riverside", **s})) for s in p.STAFF)
    created(scheduling.post("/group-series", p.series("riverside", facilitator["staff_id"])))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], modality="psychoeducation", kind="education",
        weekdays=["tue"], start_time="10:00", duration_minutes=60)))
    people = {}
    for name, consent in (("Ada", True), ("Bea", True), ("Cy", False)):
        referral = created(intake.post("/referrals", p.referral(
            "riverside", name, p.SCREENING_PHQ9, p.SCREENING_GAD7, referrer=referrer(name, consent))))
        enrollment = created(intake.post("/enrollments", {
            "referral_id": referral["referral_id"], "track": "depression",
            "start_date": p.START.isoformat(), "planned_weeks": p.WEEKS, "plan": p.PLAN,
            "goals": ["Back to work half days"]}))
        people[name] = {"patient_id": referral["patient_id"], "referral_id": referral["referral_id"],
                        "enrollment_id": enrollment["enrollment_id"],
                        "address": referrer(name, consent)["direct_address"]}
    for person in people.values():
        events.wait_for("SessionScheduled", where=of(person["enrollment_id"]), count=p.SESSIONS,
                        timeout=WAIT)

    running_platform.restart_service("scheduling")  # the real clock: every session is past
    scheduling = running_platform["scheduling"]
    ada = people["Ada"]
    schedule = created(scheduling.get(f"/patients/{ada['patient_id']}/schedule"), 200)
    for session in sorted(schedule["sessions"], key=lambda s: s["starts_at"])[:ATTENDED]:
        created(scheduling.post(f"/sessions/{session['session_id']}/attendance", [
            {"patient_id": ada["patient_id"], "status": "attended", "attended_minutes": 50}]), 200)
    outcomes = running_platform["outcomes"]
    for week, answers in PHQ9.items():
        created(outcomes.post("/assessments", {"patient_id": ada["patient_id"], "instrument": "phq9",
                                               "responses": answers, "administered_at": at(week)}))
    created(outcomes.post("/assessments", {"patient_id": ada["patient_id"], "instrument": "gad7",
                                           "responses": GAD7, "administered_at": at(2, 16)}))
    events.wait_for("AssessmentScored", where=of(ada["enrollment_id"]), count=len(PHQ9) + 1, timeout=WAIT)
    wait_until(lambda: created(intake.get(f"/enrollments/{ada['enrollment_id']}"), 200)
               ["attendance"]["attended"] == ATTENDED, timeout=WAIT,
               message="intake did not count Ada's sessions")
    wait_until(lambda: created(outcomes.get(f"/enrollments/{ada['enrollment_id']}/summary"), 200)
               ["attendance"]["sessions_attended"] == ATTENDED, timeout=WAIT,
               message="outcomes did not count Ada's sessions")

    # Consent changed after referral: withdrawn for Bea's referrer, given for Cy's.
    for name, consent in (("Bea", False), ("Cy", True)):
        created(intake.put(f"/referrals/{people[name]['referral_id']}/referrer-consent",
                           {"consent_to_share": consent}, key="riverside"), 200)

    # The aftercare plan: validated (422 naming each field, nothing changed), then kept.
    discharge = f"/enrollments/{ada['enrollment_id']}/discharge"
    for bad, fields in (({"plan": " ", "colour": "x"}, {"aftercare.plan", "aftercare.colour"}),
                        ({**AFTERCARE, "first_appointment_on": "2026-06-01"},
                         {"aftercare.first_appointment_on"})):
        refused = intake.post(discharge, {"reason": "completed", "on": DISCHARGED_ON, "aftercare": bad},
                              key="riverside")
        assert refused.status_code == 422, refused.text
        assert set(refused.json()["errors"]) == fields, refused.text
    assert created(intake.get(f"/enrollments/{ada['enrollment_id']}"), 200)["status"] == "active"
    done = created(intake.post(discharge, {"reason": "completed", "on": DISCHARGED_ON,
                                           "aftercare": AFTERCARE}, key="riverside"), 200)
    assert done["discharge"]["aftercare"] == AFTERCARE
    for name in ("Bea", "Cy"):
        created(intake.post(f"/enrollments/{people[name]['enrollment_id']}/discharge",
                            {"reason": "withdrew", "on": DISCHARGED_ON}, key="riverside"), 200)
    for person in people.values():
        ready = events.wait_for("DischargeSummaryReady", where=of(person["enrollment_id"]),
                                timeout=WAIT)[0]
        assert set(ready["data"]) == {"site_id", "enrollment_id", "patient_id", "document_id"}
        person["ready"] = ready
    return {"people": people, "events": events, "platform": running_platform, "mailbox": mailbox}


def referrer_sent(events, enrollment_id):
    return [e for e in events.received if e["type"] == "NotificationSent"
            and e["data"]["recipient_type"] == "referrer" and e["data"]["recipient_id"] == enrollment_id]


def test_the_summary_goes_once_to_a_consenting_referrer_and_never_without_consent(discharged, amqp_uri):
    people, events, platform = discharged["people"], discharged["events"], discharged["platform"]
    mailbox, notifications = discharged["mailbox"], platform["notifications"]
    ada, bea, cy = people["Ada"], people["Bea"], people["Cy"]

    # Ada's referrer (consent at referral) and Cy's (consent given later) get one email each.
    for person in (ada, cy):
        events.wait_for("NotificationSent", where=lambda e, person=person: e["data"]["recipient_type"]
                        == "referrer" and e["data"]["recipient_id"] == person["enrollment_id"],
                        timeout=WAIT)
        wait_until(lambda person=person: mails_to(mailbox, person["address"]), timeout=WAIT,
                   message="the referrer got no email")

    # The email: the PDF attached, the body naming no patient; its PDF is the summary.
    (mail,) = mails_to(mailbox, ada["address"])
    body = mail.get_body(("plain",)).get_content()
    assert "Ada" not in body and "Okafor" not in body and "Riverside Clinic" in mail["Subject"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    mailed = pdf_text(attachment.get_content())
    assert "Ada Okafor" in mailed and AFTERCARE["plan"] in mailed

    # A redelivered DischargeSummaryReady sends nothing more.
    publish_envelope(amqp_uri, "outcomes", ada["ready"])

    def duplicates():
        return sum(value for (name, labels), value in platform.metrics("notifications").items()
                   if name == "iop_events_consumed_total" and ("type", "DischargeSummaryReady") in labels
                   and ("outcome", "duplicate") in labels)

    wait_until(lambda: duplicates() >= 1, timeout=WAIT, message="the redelivery was not seen")
    created(notifications.post("/notifications/dispatch", {}, key="ops"), 200)
    events.drain()
    assert len(mails_to(mailbox, ada["address"])) == 1
    assert len(referrer_sent(events, ada["enrollment_id"])) == 1

    # Bea's referrer (consent withdrawn after referral): nothing sent, recorded as no consent.
    def bea_message():
        listed = created(notifications.get("/notifications", key="riverside",
                                           params={"patient_id": bea["patient_id"]}), 200)
        return [m for m in listed["notifications"] if m["template"] == "discharge_summary"]

    wait_until(lambda: bea_message() and bea_message()[0]["status"] == "skipped", timeout=WAIT,
               message="Bea's summary was not recorded as not sent")
    (message,) = bea_message()
    assert (message["recipient_type"], message["skip_reason"], message["sent_at"]) == (
        "referrer", "no_consent", None)
    assert mails_to(mailbox, bea["address"]) == [] and referrer_sent(events, bea["enrollment_id"]) == []
    # Nothing but ids in the events about it.
    for envelope in events.received:
        assert "Okafor" not in str(envelope) and AFTERCARE["plan"] not in str(envelope)

    # Each read of what the summary holds is audited where it lives: intake's discharge details
    # and outcomes' summary, read for the three summaries by RPC.
    assert ("service:notifications", "read", "discharge_details") in audit_of(platform, "intake", ada["patient_id"])
    assert ("service:notifications", "read", "discharge_summary") in audit_of(platform, "outcomes", ada["patient_id"])
    assert not any(kind == "discharge_summary" for _, _, kind in audit_of(platform, "outcomes", bea["patient_id"]))

    # Bea consents again after discharge: the summary held back goes now, once.
    created(platform["intake"].put(f"/referrals/{bea['referral_id']}/referrer-consent",
                                   {"consent_to_share": True}, key="riverside"), 200)
    events.wait_for("NotificationSent", where=lambda e: e["data"]["recipient_type"] == "referrer"
                    and e["data"]["recipient_id"] == bea["enrollment_id"], timeout=WAIT)
    wait_until(lambda: mails_to(mailbox, bea["address"]), timeout=WAIT, message="Bea's referrer got no email")
    (message,) = bea_message()
    assert (message["status"], message["skip_reason"]) == ("sent", None)
    created(notifications.post("/notifications/dispatch", {}, key="ops"), 200)
    events.drain()
    assert len(mails_to(mailbox, bea["address"])) == 1 and len(referrer_sent(events, bea["enrollment_id"])) == 1


def test_the_summary_pdf_matches_the_outcome_summary_and_is_a_fhir_document(discharged):
    people, platform = discharged["people"], discharged["platform"]
    ada, bea = people["Ada"], people["Bea"]
    outcomes = platform["outcomes"]

    summary = created(outcomes.get(f"/enrollments/{ada['enrollment_id']}/summary", key="riverside"), 200)
    assert summary["final"] is True and summary["status"] == "completed"
    answer = outcomes.get(f"/enrollments/{ada['enrollment_id']}/discharge-summary.pdf", key="riverside")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)

    # Program, dates, attendance, discharge reason and aftercare, as recorded.
    attendance = summary["attendance"]
    assert attendance["sessions_attended"] == ATTENDED
    for expected in ("Ada Okafor", "1988-02-11", "Depression track", "Riverside Clinic",
                     f"Start date {p.START.isoformat()}", f"Discharge date {DISCHARGED_ON}",
                     "Discharge reason Program completed",
                     f"{attendance['sessions_attended']} of {attendance['sessions_counted']} "
                     f"sessions attended, rate {attendance['rate']:.2f}",
                     AFTERCARE["plan"], AFTERCARE["provider"], AFTERCARE["first_appointment_on"],
                     "Dr. Ada Cole", "LOINC 18842-5"):
        assert expected in text, (expected, text)

    # Each measure's baseline, final, change and reliable change, as outcomes computed them.
    names = {"phq9": "PHQ-9 (depression)", "gad7": "GAD-7 (anxiety)"}
    measures = {m["instrument"]: m for m in summary["measures"]}
    assert set(measures) == set(names)
    assert (measures["phq9"]["baseline_score"], measures["phq9"]["final_score"]) == (14, sum(PHQ9[2]))
    changes = {"improved": "Reliably improved", "no_change": "No reliable change",
               "deteriorated": "Reliably deteriorated"}
    for instrument, m in measures.items():
        row = (f"{names[instrument]} {m['baseline_score']} {m['final_score']} {m['change']:+d} "
               f"{changes[m['reliable_change']]}")
        assert row in text, (row, text)

    # Site rules: another site's key finds nothing; the integrator's name-free role may not read it.
    assert outcomes.get(f"/enrollments/{ada['enrollment_id']}/discharge-summary.pdf",
                        key="lakeside").status_code == 404
    assert outcomes.get(f"/enrollments/{ada['enrollment_id']}/discharge-summary.pdf",
                        key="integrator").status_code == 403

    # The FHIR DocumentReference (LOINC 18842-5), read and searched, pointing at the PDF.
    gateway = platform.start_edge("interop")
    fhir = ServiceClient(gateway.base_url + "/fhir")
    capability = valid(fhir.get("/metadata", key=None).json())
    assert {"DocumentReference", "Binary"} <= {r["type"] for r in capability["rest"][0]["resource"]}
    found = bundle_of(fhir.get("/DocumentReference", key="riverside", params={"patient": ada["patient_id"]}))
    assert [d["id"] for d in found] == [ada["enrollment_id"]]
    document = valid(fhir.get(f"/DocumentReference/{ada['enrollment_id']}", key="riverside").json())
    assert document == found[0]
    assert document["type"]["coding"][0] == {"system": "http://loinc.org", "code": "18842-5",
                                             "display": "Discharge summary"}
    assert document["subject"]["reference"] == f"Patient/{ada['patient_id']}"
    assert document["context"]["period"] == {"start": p.START.isoformat(), "end": DISCHARGED_ON}
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["url"] == f"{fhir.base_url}/Binary/{ada['enrollment_id']}"
    pdf = fhir.get(attachment["url"][len(fhir.base_url):], key="riverside")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf_text(pdf.content) == text
    binary = fhir.get(f"/Binary/{ada['enrollment_id']}", key="riverside",
                      headers={"Accept": "application/fhir+json"})
    assert valid(binary.json())["contentType"] == "application/pdf"

    # Bea's summary exists too (withdrew); another site's key sees neither, as missing ones.
    assert valid(fhir.get(f"/DocumentReference/{bea['enrollment_id']}", key="riverside").json())
    for path in (f"/DocumentReference/{ada['enrollment_id']}", f"/Binary/{ada['enrollment_id']}"):
        hidden = fhir.get(path, key="lakeside")
        assert hidden.status_code == 404 and valid(hidden.json())["issue"][0]["code"] == "not-found"
    assert bundle_of(fhir.get("/DocumentReference", key="lakeside",
                              params={"patient": ada["patient_id"]})) == []

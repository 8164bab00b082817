"""Group notes over HTTP and the broker: written once, a part per patient, signed, amended, filed
to each patient's chart with only that patient's part; events carry ids; every read audited."""
import json

import pytest
from sqlalchemy import create_engine, text

from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, enroll, of_patient,
                                                 open_clinic, set_clock, start_scheduling)
from tests.integration.scheduling.test_attendance import AFTER_WEDNESDAY_GROUP

SHARED = "Skills practice: behavioural activation; the group planned one valued activity each."
PART_A = "Named walking with her sister as her activity; engaged throughout."
PART_B = "Quiet in the first hour, then described a setback at work and a plan for Tuesday."
STRANGER = "0b6f5c1e-8a43-4f0e-9d2a-6c1f4e2b7a10"


@pytest.fixture
def notes(subscriber):
    return subscriber(("scheduling", "GroupNoteSigned"))


@pytest.fixture
def group(platform, events):
    """Two patients on the same Monday CBT group, the clock after it was held."""
    service = start_scheduling(platform)
    open_clinic(service)
    a, b = enroll(platform)["patient_id"], enroll(platform)["patient_id"]
    for patient in (a, b):
        events.wait_for("SessionScheduled", where=of_patient(patient), count=BOOKINGS_PER_ENROLLMENT)
    monday = min((e["data"]["starts_at"], e["data"]["session_id"]) for e in events.received
                 if e["type"] == "SessionScheduled" and e["data"]["patient_id"] == a
                 and e["data"]["kind"] == "group")[1]
    return service, monday, a, b


def body(a, b, shared=SHARED, part_a=PART_A, part_b=PART_B):
    return {"shared_text": shared, "parts": [{"patient_id": a, "text": part_a},
                                             {"patient_id": b, "text": part_b}]}


def audit_rows(platform, resource_type="group_note"):
    engine = create_engine(platform.database_urls["scheduling"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, patient_id FROM audit_log "
                                 "WHERE resource_type = :t ORDER BY id"), {"t": resource_type}).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_signed_note_is_filed_to_each_chart_with_only_that_patients_part(platform, group, notes):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)

    draft = service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")
    signed = service.post(f"/sessions/{monday}/note/sign", key="riverside")

    assert draft.status_code == 200, draft.text
    assert draft.json()["status"] == "draft" and draft.json()["version"] == 1
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signed_by"]) == ("signed", "dev-riverside")
    chart_a = service.get(f"/patients/{a}/notes", key="riverside")
    chart_b = service.get(f"/patients/{b}/notes", key="riverside")
    assert chart_a.status_code == 200, chart_a.text
    (entry_a,), (entry_b,) = chart_a.json()["notes"], chart_b.json()["notes"]
    assert (entry_a["session_id"], entry_a["shared_text"], entry_a["own_part"]) == (
        monday, SHARED, {"patient_id": a, "text": PART_A})
    assert entry_b["own_part"] == {"patient_id": b, "text": PART_B}
    assert PART_B not in chart_a.text and b not in chart_a.text  # never another patient's part
    assert PART_A not in chart_b.text and a not in chart_b.text
    assert entry_a["kind"] == "group" and entry_a["version"] == 1 and entry_a["status"] == "signed"


def test_group_note_signed_carries_ids_and_never_text(platform, group, notes):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")

    service.post(f"/sessions/{monday}/note/sign", key="riverside")

    (event,) = notes.wait_for("GroupNoteSigned")
    note_id = service.get(f"/sessions/{monday}/note", key="riverside").json()["note_id"]
    assert event["data"] == {"site_id": "riverside", "note_id": note_id, "session_id": monday,
                             "version": 1, "patient_ids": [a, b]}
    raw = json.dumps(event)
    assert "Skills practice" not in raw and "walking" not in raw and "setback" not in raw


def test_an_amendment_is_a_new_signed_version_and_the_old_one_is_kept(platform, group, notes):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")
    service.post(f"/sessions/{monday}/note/sign", key="riverside")

    edit = service.put(f"/sessions/{monday}/note", body(a, b, shared="Rewritten."), key="riverside")
    again = service.post(f"/sessions/{monday}/note/sign", key="riverside")
    amended = service.post(f"/sessions/{monday}/note/amendments",
                           {**body(a, b, part_a="Named walking with her brother, not her sister."),
                            "reason": "Corrected who she walks with."}, key="riverside")

    assert edit.status_code == 409 and edit.headers["Content-Type"] == "application/problem+json"
    assert again.status_code == 409
    assert amended.status_code == 201, amended.text
    assert (amended.json()["version"], amended.json()["status"]) == (2, "signed")
    assert [(v["version"], v["status"], v["amendment_reason"]) for v in amended.json()["versions"]] == [
        (1, "signed", None), (2, "signed", "Corrected who she walks with.")]
    current = service.get(f"/sessions/{monday}/note", key="riverside").json()
    first = service.get(f"/sessions/{monday}/note?version=1", key="riverside").json()
    assert current["version"] == 2 and current["parts"][0]["text"].endswith("brother, not her sister.")
    assert (first["version"], first["shared_text"]) == (1, SHARED)
    assert first["parts"] == [{"patient_id": a, "text": PART_A}, {"patient_id": b, "text": PART_B}]
    (entry,) = service.get(f"/patients/{a}/notes", key="riverside").json()["notes"]
    assert entry["version"] == 2 and entry["own_part"]["text"].endswith("brother, not her sister.")
    assert [e["data"]["version"] for e in notes.wait_for("GroupNoteSigned", count=2)] == [1, 2]


def test_every_read_of_a_note_is_audited_per_patient_shown(platform, group):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")
    service.post(f"/sessions/{monday}/note/sign", key="riverside")

    service.get(f"/sessions/{monday}/note", key="riverside")
    service.get(f"/patients/{a}/notes")

    reads = [row for row in audit_rows(platform) if row[1] == "read"]
    assert reads == [("dev-riverside", "read", a), ("dev-riverside", "read", b),
                     ("dev-admin", "read", a)]
    assert [row[1] for row in audit_rows(platform)][:4] == ["write", "write", "sign", "sign"]


def test_who_may_write_sign_and_read_notes(platform, group):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)

    coordinator = service.put(f"/sessions/{monday}/note", body(a, b), key="coordinator")
    other_site = service.put(f"/sessions/{monday}/note", body(a, b), key="lakeside")
    integrator = service.get(f"/sessions/{monday}/note", key="integrator")
    service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")
    coordinator_signs = service.post(f"/sessions/{monday}/note/sign", key="coordinator")
    other_site_reads = service.get(f"/patients/{a}/notes", key="lakeside")

    assert coordinator.status_code == 403
    assert other_site.status_code == 404  # another site's session is indistinguishable from none
    assert integrator.status_code == 403
    assert coordinator_signs.status_code == 403
    assert other_site_reads.status_code == 404
    assert service.get(f"/sessions/{monday}/note", key="coordinator").json()["status"] == "draft"
    assert service.get(f"/patients/{a}/notes", key="riverside").json()["notes"] == []  # a draft is not filed


def test_bad_note_input_names_each_field_and_changes_nothing(platform, group):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)

    bad = service.put(f"/sessions/{monday}/note", {"shared_text": "  ", "parts": [
        {"patient_id": "nope", "text": ""}, {"text": "x" * 2001}], "colour": "blue"}, key="riverside")
    stranger = service.put(f"/sessions/{monday}/note", {"shared_text": SHARED, "parts": [
        {"patient_id": a, "text": PART_A}, {"patient_id": STRANGER, "text": "?"},
        {"patient_id": a, "text": "again"}]}, key="riverside")
    no_draft = service.post(f"/sessions/{monday}/note/sign", key="riverside")
    no_signed = service.post(f"/sessions/{monday}/note/amendments",
                             {**body(a, b), "reason": "why"}, key="riverside")

    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"shared_text", "parts.0.patient_id", "parts.0.text",
                                         "parts.1.patient_id", "parts.1.text", "colour"}
    assert stranger.status_code == 422
    assert set(stranger.json()["errors"]) == {"parts.1.patient_id", "parts.2.patient_id"}
    assert no_draft.status_code == 409 and no_signed.status_code == 409
    assert service.get(f"/sessions/{monday}/note", key="riverside").status_code == 404
    assert audit_rows(platform) == []


def test_a_note_is_signed_only_once_the_session_has_started(platform, group):
    service, monday, a, b = group  # the clock is still before the program

    draft = service.put(f"/sessions/{monday}/note", body(a, b), key="riverside")
    early = service.post(f"/sessions/{monday}/note/sign", key="riverside")

    assert draft.status_code == 200
    assert early.status_code == 409 and "not started" in early.json()["detail"]


def test_openapi_documents_the_note_and_roster_routes_with_their_roles(platform):
    service = start_scheduling(platform)

    paths = service.get("/openapi.json", key=None).json()["paths"]

    assert paths["/sessions/{session_id}/note"]["put"]["x-roles"] == ["clinician"]
    assert paths["/sessions/{session_id}/note/sign"]["post"]["x-roles"] == ["clinician"]
    assert "409" in paths["/sessions/{session_id}/note/amendments"]["post"]["responses"]
    assert set(paths["/sessions/{session_id}/note"]["get"]["x-roles"]) == {"admin", "coordinator", "clinician"}
    assert "201" in paths["/sessions/{session_id}/roster"]["post"]["responses"]
    part = paths["/sessions/{session_id}/note"]["put"]["requestBody"]["content"]["application/json"]
    assert set(part["schema"]["properties"]) == {"shared_text", "parts"}
    assert "/patients/{patient_id}/notes" in paths


def test_an_appointment_takes_no_group_note(platform, group, events):
    service, _, a, _ = group
    appointment = next(e["data"]["session_id"] for e in events.received if e["type"] == "SessionScheduled"
                       and e["data"]["patient_id"] == a and e["data"]["kind"] == "individual")

    refused = service.put(f"/sessions/{appointment}/note",
                          {"shared_text": SHARED, "parts": [{"patient_id": a, "text": PART_A}]},
                          key="riverside")

    assert refused.status_code == 409 and "appointment" in refused.json()["detail"]


def test_the_note_names_attendees_without_a_part_and_is_not_on_their_chart(platform, group):
    service, monday, a, b = group
    set_clock(service, AFTER_WEDNESDAY_GROUP)
    service.post(f"/sessions/{monday}/attendance", [
        {"patient_id": a, "status": "attended", "attended_minutes": 180},
        {"patient_id": b, "status": "attended", "attended_minutes": 180}])

    draft = service.put(f"/sessions/{monday}/note",
                        {"shared_text": SHARED, "parts": [{"patient_id": a, "text": PART_A}]},
                        key="riverside")
    service.post(f"/sessions/{monday}/note/sign", key="riverside")
    before = service.get(f"/patients/{b}/notes", key="riverside").json()["notes"]
    amended = service.post(f"/sessions/{monday}/note/amendments",
                           {**body(a, b), "reason": "Added the second attendee's part."}, key="riverside")

    assert draft.json()["attendees_without_part"] == [b]
    assert before == []
    assert amended.json()["attendees_without_part"] == []
    (entry,) = service.get(f"/patients/{b}/notes", key="riverside").json()["notes"]
    assert (entry["version"], entry["own_part"]["text"]) == (2, PART_B)

"""The platform's records as FHIR R4 (4.0.1) resources, shaped to US Core where it has a profile.

Every function takes the JSON a service answered and returns a resource as a plain dict. Ids are
the platform's own (``Patient/<patient_id>``); the exceptions, derived from them, are documented
in services/interop/README.md (Goals, Observations, a patient's Encounter of a session).
Codes the platform defines itself are in its code systems under ``PLATFORM``.
"""
from __future__ import annotations

import uuid

PLATFORM = "https://iop.example/fhir"
LOINC = "http://loinc.org"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SCORE_UNIT = {"unit": "{score}", "system": "http://unitsofmeasure.org", "code": "{score}"}


def code_system(name: str) -> str:
    """One of the platform's code systems (instrument, risk-reason, discharge-reason, ...)."""
    return f"{PLATFORM}/CodeSystem/{name}"


def extension(name: str) -> str:
    return f"{PLATFORM}/StructureDefinition/{name}"


def _instant(value: str | None) -> str | None:
    """A FHIR instant/dateTime: the services answer ISO 8601 with an offset already."""
    return None if value is None else str(value).replace("+00:00", "Z")


def _ref(kind: str, record_id: str) -> dict:
    return {"reference": f"{kind}/{record_id}"}


def _drop_empty(resource: dict) -> dict:
    """FHIR allows no empty arrays, objects or nulls."""
    out = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            value = _drop_empty(value)
        elif isinstance(value, list):
            value = [_drop_empty(v) if isinstance(v, dict) else v for v in value if v is not None]
        if value in (None, [], {}, ""):
            continue
        out[key] = value
    return out


# -- Patient -------------------------------------------------------------------------------------

GENDERS = {"female": "female", "male": "male", "other": "other"}


def patient(record: dict) -> dict:
    telecom = [{"system": "email", "value": record.get("email"), "use": "home"}
               if record.get("email") else None,
               {"system": "phone", "value": record.get("phone"), "use": "mobile"}
               if record.get("phone") else None]
    return _drop_empty({
        "resourceType": "Patient", "id": record["patient_id"],
        "meta": {"profile": [f"{US_CORE}/us-core-patient"]},
        "identifier": [{"system": code_system("patient-id"), "value": record["patient_id"]}],
        "active": True,
        "name": [{"use": "official", "family": record.get("family_name"),
                  "given": [record.get("given_name")] if record.get("given_name") else []}],
        "telecom": telecom,
        "gender": GENDERS.get(record.get("sex") or "", "unknown"),
        "birthDate": record.get("birth_date"),
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                    "code": record["preferred_language"]}]},
                           "preferred": True}] if record.get("preferred_language") else [],
        "managingOrganization": {"identifier": {"system": code_system("site"),
                                                "value": record["site_id"]}},
    })


# -- RelatedPerson -------------------------------------------------------------------------------

# The v3 RoleCode displays of shared.enums.RELATIONSHIPS.
RELATIONSHIP_DISPLAYS = {
    "MTH": "mother", "FTH": "father", "PRN": "parent", "STPPRN": "step parent",
    "SPS": "spouse", "DOMPART": "domestic partner", "SIB": "sibling", "CHILD": "child",
    "GRPRN": "grandparent", "GRNDCHILD": "grandchild", "AUNT": "aunt", "UNCLE": "uncle",
    "COUSN": "cousin", "GUARD": "guardian", "FAMMEMB": "family member", "FRND": "unrelated friend",
    "NBOR": "neighbor", "ROOM": "roommate",
}


def related_person(record: dict) -> dict:
    """A related person (intake), US Core RelatedPerson; their consent to be contacted is the
    platform's extension ``contact-consent``."""
    telecom = [{"system": "email", "value": record.get("email"), "use": "home"}
               if record.get("email") else None,
               {"system": "phone", "value": record.get("phone"), "use": "mobile"}
               if record.get("phone") else None]
    code = record["relationship"]
    return _drop_empty({
        "resourceType": "RelatedPerson", "id": record["related_person_id"],
        "meta": {"profile": [f"{US_CORE}/us-core-relatedperson"]},
        "extension": [{"url": extension("contact-consent"),
                       "valueBoolean": bool(record.get("consent_to_contact"))}],
        "identifier": [{"system": code_system("related-person-id"),
                        "value": record["related_person_id"]}],
        "active": bool(record.get("active")),
        "patient": _ref("Patient", record["patient_id"]),
        "relationship": [{"coding": [{"system": ROLE_CODE, "code": code,
                                      "display": RELATIONSHIP_DISPLAYS.get(code)}]}],
        "name": [{"family": record.get("family_name"),
                  "given": [record.get("given_name")] if record.get("given_name") else []}],
        "telecom": telecom,
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                    "code": record["preferred_language"]}]},
                           "preferred": True}] if record.get("preferred_language") else [],
    })


# -- EpisodeOfCare, CarePlan, Goal ---------------------------------------------------------------

def episode_of_care(enrollment: dict, waitlisted: bool = False) -> dict:
    """Status history: waitlist (booked into no group yet), active from the start date, finished
    on the discharge day, with the discharge reason."""
    discharge = enrollment.get("discharge")
    start = enrollment["start_date"]
    history = []
    if waitlisted and discharge is None:
        status = "waitlist"
        history.append({"status": "waitlist", "period": {"start": start}})
    elif discharge is None:
        status = "active"
        history.append({"status": "active", "period": {"start": start}})
    else:
        status = "finished"
        history.append({"status": "active", "period": {"start": start, "end": discharge["on"]}})
        history.append({"status": "finished", "period": {"start": discharge["on"]}})
    period = {"start": start, "end": discharge["on"] if discharge else None}
    extensions = [{"url": extension("track"), "valueCoding": {
        "system": code_system("track"), "code": enrollment["track"]}}]
    if discharge:
        extensions.append({"url": extension("discharge-reason"), "valueCoding": {
            "system": code_system("discharge-reason"), "code": discharge["reason"]}})
    return _drop_empty({
        "resourceType": "EpisodeOfCare", "id": enrollment["enrollment_id"],
        "extension": extensions, "status": status, "statusHistory": history,
        "type": [{"coding": [{"system": code_system("program"), "code": "iop",
                              "display": "Intensive outpatient program"}]}],
        "patient": _ref("Patient", enrollment["patient_id"]),
        "managingOrganization": {"identifier": {"system": code_system("site"),
                                                "value": enrollment["site_id"]}},
        "period": period,
        "referralRequest": [{"identifier": {"system": code_system("referral-id"),
                                            "value": enrollment["referral_id"]}}],
    })


PLAN_ACTIVITIES = (("group_sessions_per_week", "group", "week"),
                   ("individual_sessions_per_week", "individual", "week"),
                   ("family_sessions_per_month", "family", "month"),
                   ("education_sessions_per_week", "education", "week"))


def goal_id(enrollment_id: str, index: int) -> str:
    return f"{enrollment_id}-goal-{index + 1}"


def care_plan(enrollment: dict, version: dict) -> dict:
    """One version of the treatment plan (meta.versionId is the plan's version)."""
    discharge = enrollment.get("discharge")
    status = "active" if discharge is None else (
        "completed" if discharge["reason"] == "completed" else "revoked")
    activities = []
    for field, kind, per in PLAN_ACTIVITIES:
        count = (version.get("plan") or {}).get(field)
        if not count:
            continue
        activities.append({"detail": {
            "kind": "Appointment",
            "code": {"coding": [{"system": code_system("session-kind"), "code": kind}]},
            "status": "in-progress" if status == "active" else "completed",
            "scheduledTiming": {"repeat": {"frequency": int(count), "period": 1,
                                           "periodUnit": "wk" if per == "week" else "mo"}},
            "description": f"{count} {kind} session(s) per {per}"}})
    goals = version.get("goals") or []
    return _drop_empty({
        "resourceType": "CarePlan", "id": enrollment["enrollment_id"],
        "meta": {"versionId": str(version["plan_version"]),
                 "profile": [f"{US_CORE}/us-core-careplan"]},
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">'
                 f"Treatment plan, version {version['plan_version']}: "
                 f"{version['planned_weeks']} weeks, {version['weekly_hours']} hours a week</div>"},
        "status": status, "intent": "plan",
        "category": [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                                  "code": "assess-plan"}]}],
        "subject": _ref("Patient", enrollment["patient_id"]),
        "period": {"start": enrollment["start_date"], "end": discharge["on"] if discharge else None},
        "created": _instant(version.get("created_at")),
        "goal": [_ref("Goal", goal_id(enrollment["enrollment_id"], i)) for i in range(len(goals))],
        "activity": activities,
    })


def goal(enrollment: dict, index: int, text: str) -> dict:
    discharge = enrollment.get("discharge")
    return _drop_empty({
        "resourceType": "Goal", "id": goal_id(enrollment["enrollment_id"], index),
        "meta": {"profile": [f"{US_CORE}/us-core-goal"]},
        "lifecycleStatus": "active" if discharge is None else "completed",
        "description": {"text": text},
        "subject": _ref("Patient", enrollment["patient_id"]),
        "startDate": enrollment["start_date"],
        "addresses": [],
    })


# -- Appointment, Encounter ----------------------------------------------------------------------

def patient_encounter_id(session_id: str, patient_id: str) -> str:
    """A patient's Encounter of a session: both UUIDs without hyphens (64 characters, FHIR's
    longest id), so the gateway finds it again through the session."""
    return uuid.UUID(session_id).hex + uuid.UUID(patient_id).hex


def split_patient_encounter_id(encounter_id: str) -> tuple[str, str] | None:
    if len(encounter_id) != 64:
        return None
    try:
        return str(uuid.UUID(encounter_id[:32])), str(uuid.UUID(encounter_id[32:]))
    except ValueError:
        return None


def _staff(session: dict) -> dict | None:
    if not session.get("staff_id"):
        return None
    return {"actor": {"identifier": {"system": code_system("staff-id"), "value": session["staff_id"]}},
            "required": "required", "status": "accepted"}


def _service_type(session: dict) -> list:
    return [{"coding": [{"system": code_system("session-kind"), "code": session["kind"]}]},
            {"coding": [{"system": code_system("modality"), "code": session["modality"]}]}] \
        if session.get("modality") else \
        [{"coding": [{"system": code_system("session-kind"), "code": session["kind"]}]}]


def appointment(session: dict) -> dict:
    """A session with every patient booked into it (a group session has all its participants)."""
    bookings = session.get("bookings") or []
    attendance = [b.get("attendance") for b in bookings]
    if session["status"] == "cancelled":
        status = "cancelled"
    elif any(a and a["status"] == "attended" for a in attendance):
        status = "fulfilled"
    elif bookings and all(a and a["status"] != "attended" for a in attendance):
        status = "noshow"
    else:
        status = "booked"
    participants = [{"actor": _ref("Patient", b["patient_id"]), "required": "required",
                     "status": "declined" if b["status"] == "cancelled" else "accepted"}
                    for b in bookings]
    # A family session's related persons: those taking part (scheduling's rule: active and
    # consenting when the session was still to come).
    participants += [{"actor": _ref("RelatedPerson", p["related_person_id"]),
                      "required": "required", "status": "accepted"}
                     for p in session.get("related_persons") or []]
    return _drop_empty({
        "resourceType": "Appointment", "id": session["session_id"], "status": status,
        "cancelationReason": {"text": session.get("cancel_reason")} if session.get("cancel_reason") else None,
        "serviceType": _service_type(session),
        "start": _instant(session["starts_at"]), "end": _instant(session["ends_at"]),
        "participant": participants + [_staff(session)],
    })


def _encounter_status(session: dict) -> str:
    return {"cancelled": "cancelled"}.get(session["status"], "finished")


def group_encounter(session: dict) -> dict:
    """The session as one Encounter, which each attendee's Encounter is ``partOf``."""
    return _drop_empty({
        "resourceType": "Encounter", "id": session["session_id"],
        "status": _encounter_status(session),
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "serviceType": _service_type(session)[-1],
        "participant": [{"individual": {"identifier": {"system": code_system("staff-id"),
                                                       "value": session["staff_id"]}}}]
        if session.get("staff_id") else [],
        "appointment": [_ref("Appointment", session["session_id"])],
        "period": {"start": _instant(session["starts_at"]), "end": _instant(session["ends_at"])},
    })


def patient_encounter(session: dict, patient_id: str, attendance: dict) -> dict:
    """An attended session, for one patient: part of the group's Encounter when it had several."""
    return _drop_empty({
        "resourceType": "Encounter", "id": patient_encounter_id(session["session_id"], patient_id),
        "meta": {"profile": [f"{US_CORE}/us-core-encounter"]},
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": code_system("session-kind"), "code": session["kind"]}]}],
        "subject": _ref("Patient", patient_id),
        "appointment": [_ref("Appointment", session["session_id"])],
        "period": {"start": _instant(session["starts_at"]), "end": _instant(session["ends_at"])},
        "length": {"value": attendance["attended_minutes"], "unit": "min",
                   "system": "http://unitsofmeasure.org", "code": "min"}
        if attendance.get("attended_minutes") is not None else None,
        "partOf": _ref("Encounter", session["session_id"]),
    })


# -- QuestionnaireResponse, Observation ----------------------------------------------------------

def questionnaire(instrument: str) -> str:
    return f"{PLATFORM}/Questionnaire/{instrument}"


def questionnaire_response(assessment: dict) -> dict:
    items = []
    for index, answer in enumerate(assessment.get("responses") or []):
        item = {"linkId": str(index + 1)}
        if answer is not None:
            item["answer"] = [{"valueInteger": int(answer)}]
        items.append(item)
    return _drop_empty({
        "resourceType": "QuestionnaireResponse", "id": assessment["assessment_id"],
        "meta": {"profile": [f"{US_CORE}/us-core-questionnaireresponse"]},
        "questionnaire": questionnaire(assessment["instrument"]),
        "status": "completed" if assessment.get("complete", True) else "in-progress",
        "subject": _ref("Patient", assessment["patient_id"]),
        "authored": _instant(assessment["administered_at"]),
        "item": items,
    })


def _coding(instrument: str, loinc: dict, key: str, display: str) -> list:
    """LOINC where the instrument has the code (config/clinical.yaml), else the platform's own."""
    if loinc.get(key):
        return [{"system": LOINC, "code": loinc[key], "display": display}]
    return [{"system": code_system("instrument-score"), "code": f"{instrument}-{key}",
             "display": display}]


def observations(assessment: dict, loinc: dict) -> list[dict]:
    """The total score (``-total``), for PHQ-9 also item 9 (``-item9``), and a panel grouping
    them (``-panel``); category survey, US Core's observation-survey profile."""
    aid, instrument = assessment["assessment_id"], assessment["instrument"]
    common = {
        "resourceType": "Observation", "status": "final" if assessment.get("complete", True) else "preliminary",
        "meta": {"profile": [f"{US_CORE}/us-core-observation-survey"]},
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey",
                                  "display": "Survey"}]}],
        "subject": _ref("Patient", assessment["patient_id"]),
        "effectiveDateTime": _instant(assessment["administered_at"]),
        "derivedFrom": [_ref("QuestionnaireResponse", aid)],
    }
    members = []
    found = []
    if assessment.get("total_score") is not None:
        total = {**common, "id": f"{aid}-total",
                 "code": {"coding": _coding(instrument, loinc, "total", f"{instrument} total score")},
                 "valueQuantity": {"value": assessment["total_score"], **SCORE_UNIT}}
        if assessment.get("severity"):
            total["interpretation"] = [{"coding": [{"system": code_system("severity"),
                                                    "code": assessment["severity"]}]}]
        found.append(total)
    responses = assessment.get("responses") or []
    if loinc.get("item9") and len(responses) >= 9 and responses[8] is not None:
        found.append({**common, "id": f"{aid}-item9",
                      "code": {"coding": [{"system": LOINC, "code": loinc["item9"],
                                           "display": "Thoughts that you would be better off dead, "
                                                      "or of hurting yourself in some way"}]},
                      "valueInteger": int(responses[8])})
    members = [_ref("Observation", o["id"]) for o in found]
    if loinc.get("panel") and members:
        found.append({**common, "id": f"{aid}-panel",
                      "code": {"coding": [{"system": LOINC, "code": loinc["panel"],
                                           "display": f"{instrument} panel"}]},
                      "hasMember": members})
    return [_drop_empty(o) for o in found]


# -- Flag ----------------------------------------------------------------------------------------

def flag(record: dict) -> dict:
    """An open risk flag (outcomes GET /flags)."""
    return _drop_empty({
        "resourceType": "Flag", "id": record["flag_id"], "status": "active",
        "extension": [{"url": extension("risk-level"), "valueCoding": {
            "system": code_system("risk-level"), "code": record["level"]}}],
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical",
                                  "display": "Clinical"}]}],
        "code": {"coding": [{"system": code_system("risk-reason"), "code": record["reason"]}],
                 "text": f"{record['level']} risk: {record['reason']}"},
        "subject": _ref("Patient", record["patient_id"]),
        "period": {"start": _instant(record["raised_at"])},
    })


# -- DocumentReference (the discharge summary) --------------------------------------------------

DISCHARGE_SUMMARY = {"system": LOINC, "code": "18842-5", "display": "Discharge summary"}
CLINICAL_NOTE = {"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                 "code": "clinical-note", "display": "Clinical Note"}
PDF = "application/pdf"


def document_reference(summary: dict, base_url: str) -> dict:
    """An ended episode's discharge summary (outcomes' final GET /enrollments/{id}/summary):
    the PDF itself is the Binary of the same id, fetched with the same credential."""
    enrollment_id = summary["enrollment_id"]
    return _drop_empty({
        "resourceType": "DocumentReference", "id": enrollment_id,
        "meta": {"profile": [f"{US_CORE}/us-core-documentreference"]},
        "identifier": [{"system": code_system("discharge-summary"), "value": enrollment_id}],
        "status": "current", "docStatus": "final",
        "type": {"coding": [DISCHARGE_SUMMARY], "text": "Discharge summary"},
        "category": [{"coding": [CLINICAL_NOTE]}],
        "subject": _ref("Patient", summary["patient_id"]),
        "date": _instant(summary["computed_at"]),
        "custodian": {"identifier": {"system": code_system("site"), "value": summary["site_id"]}},
        "description": "Intensive outpatient program discharge summary",
        "content": [{"attachment": {
            "contentType": PDF, "language": "en", "url": f"{base_url}/Binary/{enrollment_id}",
            "title": f"discharge-summary-{enrollment_id}.pdf",
            "creation": _instant(summary["computed_at"])},
            "format": {"system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                       "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                       "display": "mimeType Sufficient"}}],
        "context": {"encounter": [], "period": {"start": summary["start_date"],
                                                "end": summary["ended_on"]},
                    "related": [_ref("EpisodeOfCare", enrollment_id)]},
    })


def binary(document_id: str, data_base64: str) -> dict:
    """The PDF as a FHIR Binary, for a client that asks for FHIR JSON rather than the PDF."""
    return {"resourceType": "Binary", "id": document_id, "contentType": PDF, "data": data_base64}


# -- Bundles, errors -----------------------------------------------------------------------------

def searchset(base_url: str, resources: list[dict]) -> dict:
    return _drop_empty({"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]})


def history(base_url: str, resources: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "history", "total": len(resources),
            "entry": [{"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r,
                       "request": {"method": "PUT" if r["meta"]["versionId"] != "1" else "POST",
                                   "url": f"{r['resourceType']}/{r['id']}"},
                       "response": {"status": "200"}} for r in reversed(resources)]}


ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               422: "invalid", 502: "transient", 503: "transient"}


def operation_outcome(status: int, diagnostics: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": ISSUE_CODES.get(status, "exception"),
        "diagnostics": diagnostics}]}

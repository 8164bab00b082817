"""Resources read from the services: by id, and every one of a kind for a patient.

Each function asks the owning service's API (``Upstream``, with the caller's credential) and maps
what it answers with ``domain.resources``; a record the caller may not see is the service's 404.
"""
from __future__ import annotations

from services.interop.domain import resources as fhir
from shared.upstream import Upstream, UpstreamError


class Reader:
    def __init__(self, upstream: Upstream, loinc: dict[str, dict], base_url: str = ""):
        self.up = upstream
        self.loinc = loinc  # instrument → its LOINC codes (config/clinical.yaml `loinc`)
        self.base_url = base_url  # this gateway's /fhir, for the URLs resources point at

    # -- by id --------------------------------------------------------------------------------

    def read(self, kind: str, resource_id: str) -> dict:
        reader = getattr(self, f"read_{kind}", None)
        if reader is None:
            raise UpstreamError(404, f"This server has no {kind} resources.")
        return reader(resource_id)

    def read_Patient(self, patient_id):
        return fhir.patient(self.up.get("intake", f"/patients/{patient_id}"))

    def read_RelatedPerson(self, related_person_id):
        return fhir.related_person(self.up.get("intake", f"/related-persons/{related_person_id}"))

    def _enrollment(self, enrollment_id):
        return self.up.get("intake", f"/enrollments/{enrollment_id}")

    def _waitlisted(self, enrollment):
        schedule = self.up.get("scheduling", f"/patients/{enrollment['patient_id']}/schedule",
                               missing_ok=True)
        return bool(schedule and schedule.get("enrollment_id") == enrollment["enrollment_id"]
                    and schedule.get("waitlist") and not schedule.get("sessions"))

    def read_EpisodeOfCare(self, enrollment_id):
        enrollment = self._enrollment(enrollment_id)
        return fhir.episode_of_care(enrollment, self._waitlisted(enrollment))

    def _versions(self, enrollment_id):
        return self.up.get("intake", f"/enrollments/{enrollment_id}/plans")["versions"]

    def read_CarePlan(self, enrollment_id):
        return self.care_plan_versions(enrollment_id)[-1]

    def care_plan_versions(self, enrollment_id) -> list[dict]:
        enrollment = self._enrollment(enrollment_id)
        return [fhir.care_plan(enrollment, version) for version in self._versions(enrollment_id)]

    def read_Goal(self, goal_id):
        enrollment_id, _, number = goal_id.rpartition("-goal-")
        if not enrollment_id or not number.isdigit():
            raise UpstreamError(404, "Goal not found.")
        enrollment = self._enrollment(enrollment_id)
        goals = self._versions(enrollment_id)[-1].get("goals") or []
        index = int(number) - 1
        if not 0 <= index < len(goals):
            raise UpstreamError(404, "Goal not found.")
        return fhir.goal(enrollment, index, goals[index])

    def read_Appointment(self, session_id):
        return fhir.appointment(self.up.get("scheduling", f"/sessions/{session_id}"))

    def read_Encounter(self, encounter_id):
        ids = fhir.split_patient_encounter_id(encounter_id)
        if ids is None:
            return fhir.group_encounter(self.up.get("scheduling", f"/sessions/{encounter_id}"))
        session = self.up.get("scheduling", f"/sessions/{ids[0]}")
        for booking in session.get("bookings") or []:
            attendance = booking.get("attendance")
            if booking["patient_id"] == ids[1] and attendance and attendance["status"] == "attended":
                return fhir.patient_encounter(session, ids[1], attendance)
        raise UpstreamError(404, "Encounter not found.")

    def _assessment(self, assessment_id):
        return self.up.get("outcomes", f"/assessments/{assessment_id}")

    def read_QuestionnaireResponse(self, assessment_id):
        return fhir.questionnaire_response(self._assessment(assessment_id))

    def read_Observation(self, observation_id):
        assessment_id, _, _ = observation_id.rpartition("-")
        if not assessment_id:
            raise UpstreamError(404, "Observation not found.")
        assessment = self._assessment(assessment_id)
        for observation in fhir.observations(assessment, self.loinc.get(assessment["instrument"], {})):
            if observation["id"] == observation_id:
                return observation
        raise UpstreamError(404, "Observation not found.")

    def read_Flag(self, flag_id):
        return fhir.flag(self.up.get("outcomes", f"/flags/{flag_id}"))

    def _final_summary(self, enrollment_id, missing_ok=False):
        """Outcomes' summary once the episode has ended (the discharge summary's figures)."""
        summary = self.up.get("outcomes", f"/enrollments/{enrollment_id}/summary",
                              missing_ok=missing_ok)
        return summary if summary and summary["final"] and summary["ended_on"] else None

    def read_DocumentReference(self, enrollment_id):
        summary = self._final_summary(enrollment_id)
        if summary is None:
            raise UpstreamError(404, "This enrollment has no discharge summary yet.")
        return fhir.document_reference(summary, self.base_url)

    def discharge_summary_pdf(self, enrollment_id) -> bytes:
        """The PDF (outcomes renders it, audited there as the caller's read)."""
        return self.up.get_bytes("outcomes", f"/enrollments/{enrollment_id}/discharge-summary.pdf")

    # -- a patient's ------------------------------------------------------------------------

    def of_patient(self, kind: str, patient_id: str) -> list[dict]:
        """Every resource of the kind for the patient; an unknown or hidden patient has none."""
        reader = getattr(self, f"patient_{kind}", None)
        if reader is None:
            raise UpstreamError(400, f"This server has no {kind} resources.")
        return reader(patient_id)

    def _patient(self, patient_id):
        return self.up.get("intake", f"/patients/{patient_id}", missing_ok=True)

    def patient_Patient(self, patient_id):
        record = self._patient(patient_id)
        return [] if record is None else [fhir.patient(record)]

    def patient_RelatedPerson(self, patient_id):
        answer = self.up.get("intake", f"/patients/{patient_id}/related-persons", missing_ok=True)
        return [] if answer is None else [fhir.related_person(r) for r in answer["related_persons"]]

    def _enrollments(self, patient_id):
        record = self._patient(patient_id)
        return [] if record is None else [self._enrollment(e) for e in record["enrollment_ids"]]

    def patient_EpisodeOfCare(self, patient_id):
        return [fhir.episode_of_care(e, self._waitlisted(e)) for e in self._enrollments(patient_id)]

    def patient_CarePlan(self, patient_id):
        return [fhir.care_plan(e, self._versions(e["enrollment_id"])[-1])
                for e in self._enrollments(patient_id)]

    def patient_Goal(self, patient_id):
        found = []
        for enrollment in self._enrollments(patient_id):
            goals = self._versions(enrollment["enrollment_id"])[-1].get("goals") or []
            found += [fhir.goal(enrollment, i, text) for i, text in enumerate(goals)]
        return found

    def _sessions(self, patient_id) -> list[dict]:
        schedule = self.up.get("scheduling", f"/patients/{patient_id}/schedule", missing_ok=True)
        if schedule is None:
            return []
        return [self.up.get("scheduling", f"/sessions/{s['session_id']}")
                for s in schedule["sessions"]]

    def patient_Appointment(self, patient_id):
        return [fhir.appointment(session) for session in self._sessions(patient_id)]

    def patient_Encounter(self, patient_id):
        found = []
        for session in self._sessions(patient_id):
            for booking in session.get("bookings") or []:
                attendance = booking.get("attendance")
                if booking["patient_id"] == patient_id and attendance \
                        and attendance["status"] == "attended":
                    found.append(fhir.patient_encounter(session, patient_id, attendance))
        return found

    def group_encounters(self, patient_id):
        """The sessions' own Encounters that the patient's are part of (for a bulk export)."""
        return [fhir.group_encounter(session) for session in self._sessions(patient_id)
                if any(b["patient_id"] == patient_id and b.get("attendance")
                       and b["attendance"]["status"] == "attended"
                       for b in session.get("bookings") or [])]

    def _assessments(self, patient_id) -> list[dict]:
        answer = self.up.get("outcomes", f"/patients/{patient_id}/assessments", missing_ok=True)
        if answer is None:
            return []
        found = []
        for episode in answer["episodes"]:
            for trajectory in episode["trajectories"].values():
                for score in trajectory["scores"]:
                    found.append({**score, "patient_id": patient_id,
                                  "enrollment_id": episode["enrollment_id"]})
        return sorted(found, key=lambda a: (a["administered_at"], a["assessment_id"]))

    def patient_QuestionnaireResponse(self, patient_id):
        return [fhir.questionnaire_response(a) for a in self._assessments(patient_id)]

    def patient_Observation(self, patient_id):
        found = []
        for assessment in self._assessments(patient_id):
            found += fhir.observations(assessment, self.loinc.get(assessment["instrument"], {}))
        return found

    def patient_DocumentReference(self, patient_id):
        record = self._patient(patient_id)
        found = [] if record is None else [
            self._final_summary(e, missing_ok=True) for e in record["enrollment_ids"]]
        return [fhir.document_reference(s, self.base_url) for s in found if s is not None]

    def patient_Flag(self, patient_id):
        answer = self.up.get("outcomes", "/flags", {"patient_id": patient_id}, missing_ok=True)
        return [] if answer is None else [fhir.flag(f) for f in answer["flags"]]

"""The intake service: nameko only. Each entrypoint builds a command, calls one use case and
shapes the answer; the rules live in domain/, the work in usecases/.

Roles: coordinators and admins refer and enroll; clinicians, coordinators and admins read
patients and referrals, change plans and discharge (an override of the completion rule is a
clinician's or an admin's). Integrators read nothing with names: patient and referral routes
answer them 403, and GET /enrollments/{id} gives them a name-free view (ids, track, dates,
plan, attendance; no goals or override reason, which are free text about the patient).
A key sees only its sites: another site's record answers 404, as a missing one.
"""
from datetime import timezone

from nameko.rpc import rpc

from shared.auth import Caller
from shared.clock import utcnow
from shared.config import site_zones
from shared.db import Database
from shared.http import api
from shared.inbox import consumes
from shared.roles import CARE_TEAM, CARE_TEAM_AND_INTEGRATORS, MANAGERS, OVERRIDERS
from shared.service import PlatformService

from services.intake import commands, views
from services.intake.dependencies import RpcCaller
from services.intake.errors import ERRORS
from services.intake.models import Base
from services.intake.repositories import REPOSITORIES
from services.intake.schemas import (DischargeIn, EnrollmentIn, EnrollmentOut, PatientOut,
                                     PlanUpdateIn, ReferralIn, ReferralOut, ReferrerConsentIn,
                                     RelatedPersonIn, RelatedPersonOut, RelatedPersonsOut)
from services.intake.usecases import (attendance, discharges, enrollments, patients, referrals,
                                      related_persons)


class IntakeService(PlatformService):
    name = "intake"
    errors = ERRORS
    db = Database(Base.metadata, repositories=REPOSITORIES)
    rpc_caller = RpcCaller()

    @api("POST", "/referrals", body=ReferralIn, response=ReferralOut, roles=MANAGERS, status=201,
         summary="Refer a patient; the screening is triaged at once")
    def create_referral(self, request):
        body, zones = request.body, site_zones(self.config)
        today = utcnow().astimezone(zones.get(body["site_id"], timezone.utc)).date()
        command = commands.ReferPatient(
            caller=request.caller, site_id=body["site_id"], patient=body["patient"],
            patient_id=body["patient_id"], source=body["source"], referred_on=body["referred_on"],
            screening=body["screening"], consents=body["consents"], today=today,
            sites=tuple(zones), instruments=self.rules.instruments, referrer=body["referrer"])
        with self.db.unit_of_work() as uow:
            return views.referral_view(referrals.refer_patient(command, uow))

    @api("PUT", "/referrals/<string:referral_id>/referrer-consent", body=ReferrerConsentIn,
         response=ReferralOut, roles=CARE_TEAM,
         summary="The patient gives or withdraws consent to share with the referring provider")
    def change_referrer_consent(self, request, referral_id):
        command = commands.ChangeReferrerConsent(request.caller, referral_id,
                                                 request.body["consent_to_share"], self.rules.instruments)
        with self.db.unit_of_work() as uow:
            return views.referral_view(referrals.change_referrer_consent(command, uow))

    @api("GET", "/referrals/<string:referral_id>", response=ReferralOut, roles=CARE_TEAM)
    def get_referral(self, request, referral_id):
        command = commands.ShowReferral(request.caller, referral_id, self.rules.instruments)
        with self.db.unit_of_work() as uow:
            return views.referral_view(referrals.show_referral(command, uow))

    @api("GET", "/patients/<string:patient_id>", response=PatientOut, roles=CARE_TEAM,
         access_reason=True, summary="A patient's record; a clinician of another site states why in X-Access-Reason "
                 "(break-the-glass)")
    def get_patient(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            return views.patient_view(patients.show_patient(
                commands.ShowPatient(request.caller, patient_id, self.break_glass), uow))

    @api("GET", "/sites/<string:site_id>/patients", roles=CARE_TEAM,
         summary="The ids of a site's patients (a bulk export's list); audited")
    def list_site_patients(self, request, site_id):
        command = commands.ListSitePatients(request.caller, site_id, tuple(self.config["SITES"]))
        with self.db.unit_of_work() as uow:
            return {"site_id": site_id, "patient_ids": patients.list_site_patients(command, uow)}

    # -- related persons (family members and other contacts) -------------------------------

    @api("POST", "/patients/<string:patient_id>/related-persons", body=RelatedPersonIn,
         response=RelatedPersonOut, roles=CARE_TEAM, status=201,
         summary="Record a related person of the patient, with their consent to be contacted")
    def add_related_person(self, request, patient_id):
        command = commands.AddRelatedPerson(request.caller, patient_id, request.body)
        with self.db.unit_of_work() as uow:
            return views.related_person_view(related_persons.add_related_person(command, uow))

    @api("GET", "/patients/<string:patient_id>/related-persons", response=RelatedPersonsOut,
         roles=CARE_TEAM, summary="The patient's related persons (audited)")
    def list_related_persons(self, request, patient_id):
        command = commands.ShowRelatedPersons(request.caller, patient_id)
        with self.db.unit_of_work() as uow:
            listed = related_persons.list_related_persons(command, uow)
            return {"patient_id": patient_id,
                    "related_persons": [views.related_person_view(p) for p in listed]}

    @api("GET", "/related-persons/<string:related_person_id>", response=RelatedPersonOut,
         roles=CARE_TEAM, summary="One related person by id (audited)")
    def get_related_person(self, request, related_person_id):
        command = commands.ShowRelatedPersons(request.caller, None, related_person_id)
        with self.db.unit_of_work() as uow:
            return views.related_person_view(related_persons.show_related_person(command, uow))

    @api("PUT", "/patients/<string:patient_id>/related-persons/<string:related_person_id>",
         body=RelatedPersonIn, response=RelatedPersonOut, roles=CARE_TEAM,
         summary="Replace a related person's details, consent and active flag")
    def replace_related_person(self, request, patient_id, related_person_id):
        return self._change_related_person(request, patient_id, related_person_id)

    @api("PATCH", "/patients/<string:patient_id>/related-persons/<string:related_person_id>",
         body=RelatedPersonIn(partial=True), response=RelatedPersonOut, roles=CARE_TEAM,
         summary="Change some of a related person's fields (consent, contact, active flag)")
    def patch_related_person(self, request, patient_id, related_person_id):
        return self._change_related_person(request, patient_id, related_person_id)

    def _change_related_person(self, request, patient_id, related_person_id):
        command = commands.ChangeRelatedPerson(request.caller, patient_id, related_person_id,
                                               request.body)
        with self.db.unit_of_work() as uow:
            return views.related_person_view(related_persons.change_related_person(command, uow))

    @api("POST", "/enrollments", body=EnrollmentIn, response=EnrollmentOut, roles=MANAGERS,
         status=201, summary="Enroll a triaged referral with an individualized plan")
    def create_enrollment(self, request):
        body = request.body
        command = commands.EnrollPatient(
            caller=request.caller, referral_id=body["referral_id"], track=body["track"],
            start_date=body["start_date"], planned_weeks=body["planned_weeks"], plan=body["plan"],
            goals=tuple(body["goals"]), program=self.rules["program"],
            calendar=self.rules["calendar"], sites=self.config["SITES"],
            today=self._site_today(), window=self.config["ENROLLMENT"])
        with self.db.unit_of_work() as uow:
            return self._enrollment_view(enrollments.enroll_patient(command, uow), request.caller)

    @api("GET", "/enrollments/<string:enrollment_id>", response=EnrollmentOut,
         roles=CARE_TEAM_AND_INTEGRATORS)
    def get_enrollment(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            record = enrollments.show_enrollment(
                commands.ShowEnrollment(request.caller, enrollment_id), uow)
        return self._enrollment_view(record, request.caller)

    @api("PUT", "/enrollments/<string:enrollment_id>/plan", body=PlanUpdateIn,
         response=EnrollmentOut, roles=CARE_TEAM, summary="Version the treatment plan")
    def update_plan(self, request, enrollment_id):
        body = request.body
        command = commands.UpdatePlan(
            caller=request.caller, enrollment_id=enrollment_id, plan=body["plan"],
            planned_weeks=body["planned_weeks"],
            goals=None if body["goals"] is None else tuple(body["goals"]),
            program=self.rules["program"], calendar=self.rules["calendar"],
            sites=self.config["SITES"])
        with self.db.unit_of_work() as uow:
            return self._enrollment_view(enrollments.update_plan(command, uow), request.caller)

    @api("GET", "/enrollments/<string:enrollment_id>/plans", roles=CARE_TEAM,
         summary="Every version of the treatment plan, oldest first")
    def list_plan_versions(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            return views.plan_versions_view(*enrollments.list_plan_versions(
                commands.ShowEnrollment(request.caller, enrollment_id), uow))

    @api("POST", "/enrollments/<string:enrollment_id>/discharge", body=DischargeIn,
         response=EnrollmentOut, roles=CARE_TEAM, summary="Discharge: completed or another reason")
    def discharge(self, request, enrollment_id):
        body, caller = request.body, request.caller
        command = commands.DischargePatient(
            caller=caller, enrollment_id=enrollment_id, reason=body["reason"], on=body["on"],
            override_reason=body["override_reason"], may_override=caller.has_role(*OVERRIDERS),
            required_rate=self._required_rate, today=self._site_today(),
            window=self.config["ENROLLMENT"], aftercare=body["aftercare"])
        with self.db.unit_of_work() as uow:
            return self._enrollment_view(enrollments.discharge_patient(command, uow), caller)

    @consumes("scheduling", "SessionAttended")
    def count_attended_session(self, event):
        with self.db.unit_of_work() as uow:
            attendance.record_attended_session(event, uow)

    @consumes("scheduling", "SessionMissed")
    def count_missed_session(self, event):
        with self.db.unit_of_work() as uow:
            attendance.record_missed_session(event, uow)

    @rpc
    def get_contact(self, patient_id):
        """Name, language and the consented channels' addresses; None for an unknown patient."""
        command = commands.FindContact(Caller.service(self.rpc_caller), str(patient_id))
        with self.db.unit_of_work() as uow:
            record = patients.find_contact(command, uow)
        return None if record is None else views.contact_view(record)

    @rpc
    def get_discharge_details(self, enrollment_id):
        """What the discharge summary needs from intake (the patient's name and birth date, the
        discharge, the aftercare plan, the referrer and the consent to share with them); None
        for an unknown or active enrollment. Audited."""
        command = commands.FindDischargeDetails(Caller.service(self.rpc_caller), str(enrollment_id))
        with self.db.unit_of_work() as uow:
            record = discharges.find_discharge_details(command, uow)
        return None if record is None else views.discharge_details_view(record)

    @rpc
    def get_related_contact(self, related_person_id):
        """A related person's name, language and addresses (none without their consent, or once
        inactive); None for an unknown one."""
        command = commands.FindRelatedContact(Caller.service(self.rpc_caller), str(related_person_id))
        with self.db.unit_of_work() as uow:
            record = related_persons.find_related_contact(command, uow)
            return None if record is None else views.related_contact_view(record)

    def _site_today(self) -> dict:
        """Each site's local date now: "today" is the clinic's day, not UTC's."""
        now = utcnow()
        return {site: now.astimezone(zone).date() for site, zone in site_zones(self.config).items()}

    @property
    def _required_rate(self) -> float:
        return self.rules["program"]["completion_attendance_rate"]

    def _enrollment_view(self, record, caller) -> dict:
        return views.enrollment_view(record, self._required_rate,
                                     with_goals=caller.has_role(*CARE_TEAM))

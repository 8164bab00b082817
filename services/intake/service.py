"""The intake service: entrypoints only; the rules live in plain modules beside it.

Roles: coordinators and admins refer and enroll; clinicians, coordinators and admins read
patients and referrals, change plans and discharge (an override of the completion rule is a
clinician's or an admin's). Integrators read nothing with names: patient and referral routes
answer them 403, and GET /enrollments/{id} gives them a name-free view (ids, track, dates,
plan, attendance; no goals or override reason, which are free text about the patient).
A key sees only its sites: another site's record answers 404, as a missing one.
"""
from datetime import datetime, timezone

from nameko.rpc import rpc
from sqlalchemy import select

from shared.auth import Caller
from shared.clinical import clinical_rules
from shared.config import site_zones
from shared.db import Database
from shared.http import api
from shared.inbox import consumes
from shared.problems import Forbidden, NotFound, validation_problem
from shared.service import PlatformService

from services.intake import attendance, enrollments, plans, referrals, views
from services.intake.dependencies import RpcCaller
from services.intake.models import Base, Consent, Contact, Enrollment, Patient, Referral
from services.intake.schemas import (DischargeIn, EnrollmentIn, EnrollmentOut, PatientOut,
                                     PlanUpdateIn, ReferralIn, ReferralOut)

ENROLLERS = ("admin", "coordinator")
CARE_TEAM = ("admin", "coordinator", "clinician")
OVERRIDERS = ("admin", "clinician")


class IntakeService(PlatformService):
    name = "intake"
    db = Database(Base.metadata)
    rpc_caller = RpcCaller()

    @api("POST", "/referrals", body=ReferralIn, response=ReferralOut, roles=ENROLLERS, status=201,
         summary="Refer a patient; the screening is triaged at once")
    def create_referral(self, request):
        body, caller = request.body, request.caller
        zones = site_zones(self.config)
        site = body["site_id"]
        today = datetime.now(zones.get(site, timezone.utc)).date()  # the referral day at the site
        referred_on = referrals.check_referral(body, zones, today)
        caller.require_site(site)
        with self.db.unit_of_work() as uow:
            patient = (referrals.returning_patient(uow.session, body, caller) if body["patient_id"]
                       else referrals.new_patient(uow.session, body))
            referral = referrals.refer_patient(uow.session, patient, body, referred_on)
            uow.raise_event("PatientReferred", referrals.patient_referred(referral),
                            site_id=site, subject=referral.id)
            uow.audit(caller, "create", "referral", referral.id, patient_id=referral.patient_id,
                      site_id=site)
        return views.referral_view(referral, referrals.severities(referral), None)

    @api("GET", "/referrals/<string:referral_id>", response=ReferralOut, roles=CARE_TEAM)
    def get_referral(self, request, referral_id):
        with self.db.unit_of_work() as uow:
            referral = self._visible(uow.session, Referral, referral_id, request.caller)
            enrollment_id = uow.session.scalar(
                select(Enrollment.id).where(Enrollment.referral_id == referral.id))
            uow.audit(request.caller, "read", "referral", referral.id,
                      patient_id=referral.patient_id, site_id=referral.site_id)
        return views.referral_view(referral, referrals.severities(referral), enrollment_id)

    @api("GET", "/patients/<string:patient_id>", response=PatientOut, roles=CARE_TEAM)
    def get_patient(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            session = uow.session
            patient = self._visible(session, Patient, patient_id, request.caller)
            referral_ids = list(session.scalars(select(Referral.id).where(
                Referral.patient_id == patient.id).order_by(Referral.created_at)))
            enrollment_ids = list(session.scalars(select(Enrollment.id).where(
                Enrollment.patient_id == patient.id).order_by(Enrollment.created_at)))
            uow.audit(request.caller, "read", "patient", patient.id, patient_id=patient.id,
                      site_id=patient.site_id)
            return views.patient_view(patient, session.get(Contact, patient.id),
                                      session.get(Consent, patient.id), referral_ids, enrollment_ids)

    @api("POST", "/enrollments", body=EnrollmentIn, response=EnrollmentOut, roles=ENROLLERS,
         status=201, summary="Enroll a triaged referral with an individualized plan")
    def create_enrollment(self, request):
        body, caller = request.body, request.caller
        with self.db.unit_of_work() as uow:
            session = uow.session
            referral = session.get(Referral, body["referral_id"])
            if referral is None or not caller.sees(referral.site_id):
                raise validation_problem({"referral_id": ["No such referral."]})
            enrollment, version = enrollments.enroll(
                session, referral, body, minutes=self._minutes(referral.site_id),
                program=self._program, created_by=caller.name)
            language = session.get(Patient, referral.patient_id).preferred_language
            uow.raise_event("PatientEnrolled", enrollments.patient_enrolled(
                enrollment, version, referral, language), site_id=enrollment.site_id,
                subject=enrollment.id)
            uow.audit(caller, "create", "enrollment", enrollment.id,
                      patient_id=enrollment.patient_id, site_id=enrollment.site_id)
            return self._enrollment_view(session, enrollment, caller)

    @api("GET", "/enrollments/<string:enrollment_id>", response=EnrollmentOut,
         roles=CARE_TEAM + ("integrator",))
    def get_enrollment(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            enrollment = self._visible(uow.session, Enrollment, enrollment_id, request.caller)
            uow.audit(request.caller, "read", "enrollment", enrollment.id,
                      patient_id=enrollment.patient_id, site_id=enrollment.site_id)
            return self._enrollment_view(uow.session, enrollment, request.caller)

    @api("PUT", "/enrollments/<string:enrollment_id>/plan", body=PlanUpdateIn,
         response=EnrollmentOut, roles=CARE_TEAM, summary="Version the treatment plan")
    def update_plan(self, request, enrollment_id):
        caller = request.caller
        with self.db.unit_of_work() as uow:
            enrollment = self._visible(uow.session, Enrollment, enrollment_id, caller)
            version = enrollments.update_plan(
                uow.session, enrollment, request.body, minutes=self._minutes(enrollment.site_id),
                program=self._program, created_by=caller.name)
            uow.raise_event("TreatmentPlanUpdated", enrollments.treatment_plan_updated(
                enrollment, version), site_id=enrollment.site_id, subject=enrollment.id)
            uow.audit(caller, "update_plan", "enrollment", enrollment.id,
                      patient_id=enrollment.patient_id, site_id=enrollment.site_id)
            return self._enrollment_view(uow.session, enrollment, caller)

    @api("GET", "/enrollments/<string:enrollment_id>/plans", roles=CARE_TEAM,
         summary="Every version of the treatment plan, oldest first")
    def list_plan_versions(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            enrollment = self._visible(uow.session, Enrollment, enrollment_id, request.caller)
            uow.audit(request.caller, "read", "plan", enrollment.id,
                      patient_id=enrollment.patient_id, site_id=enrollment.site_id)
            return {"enrollment_id": enrollment.id, "versions": [
                views.plan_version_view(version)
                for version in enrollments.plan_versions(uow.session, enrollment)]}

    @api("POST", "/enrollments/<string:enrollment_id>/discharge", body=DischargeIn,
         response=EnrollmentOut, roles=CARE_TEAM, summary="Discharge: completed or another reason")
    def discharge(self, request, enrollment_id):
        body, caller = request.body, request.caller
        if body["override_reason"] and not caller.has_role(*OVERRIDERS):
            raise Forbidden("Only a clinician or an admin may override the completion rule.",
                            errors={"override_reason": ["Needs the clinician or admin role."]})
        with self.db.unit_of_work() as uow:
            enrollment = self._visible(uow.session, Enrollment, enrollment_id, caller)
            record = enrollments.discharge(uow.session, enrollment, body,
                                           required_rate=self._required_rate)
            event_type, data = enrollments.discharge_event(enrollment, record)
            uow.raise_event(event_type, data, site_id=enrollment.site_id, subject=enrollment.id)
            uow.audit(caller, "discharge", "enrollment", enrollment.id,
                      patient_id=enrollment.patient_id, site_id=enrollment.site_id)
            return self._enrollment_view(uow.session, enrollment, caller)

    @consumes("scheduling", "SessionAttended")
    def count_attended_session(self, event):
        with self.db.unit_of_work() as uow:
            outcome = attendance.attended(uow.session, event.data)
            self._audit_attendance(uow, outcome, event)

    @consumes("scheduling", "SessionMissed")
    def count_missed_session(self, event):
        with self.db.unit_of_work() as uow:
            outcome = attendance.missed(uow.session, event.data)
            self._audit_attendance(uow, outcome, event)

    @rpc
    def get_contact(self, patient_id):
        """Name, language and the consented channels' addresses; None for an unknown patient."""
        with self.db.unit_of_work() as uow:
            patient = uow.session.get(Patient, str(patient_id))
            if patient is None:
                return None
            uow.audit(Caller.service(self.rpc_caller), "read", "contact", patient.id,
                      patient_id=patient.id, site_id=patient.site_id)
            return views.contact_view(patient, uow.session.get(Contact, patient.id),
                                      uow.session.get(Consent, patient.id))

    # -- helpers -------------------------------------------------------------------------------

    @property
    def _program(self):
        return clinical_rules()["program"]

    @property
    def _required_rate(self) -> float:
        return self._program["completion_attendance_rate"]

    def _minutes(self, site_id):
        return plans.session_minutes(self._program["session_minutes"], self.config["SITES"][site_id])

    @staticmethod
    def _visible(session, model, record_id, caller):
        record = session.get(model, record_id)
        what = model.__name__
        if record is None:
            raise NotFound(f"{what} not found.")
        caller.visible(record.site_id, what)
        return record

    def _enrollment_view(self, session, enrollment, caller):
        return views.enrollment_view(
            enrollment, enrollments.current_plan(session, enrollment),
            enrollments.attendance(session, enrollment.id), self._required_rate,
            with_goals=caller.has_role(*CARE_TEAM))

    @staticmethod
    def _audit_attendance(uow, outcome, event):
        uow.audit(Caller.service(event.source.rsplit(":", 1)[-1]), "record_" + outcome.status,
                  "booking", outcome.booking_id, patient_id=outcome.patient_id,
                  site_id=event.site_id)

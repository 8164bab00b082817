"""Enroll a triaged referral, version its plan, discharge it; read it and its plan history."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.errors import InvalidFields, RecordNotFound

from services.intake.commands import DischargePatient, EnrollPatient, ShowEnrollment, UpdatePlan
from services.intake.domain import enrollments as rules
from services.intake.domain import plans
from services.intake.domain.attendance import Attendance, tally
from services.intake.models import Enrollment, PlanVersion


@dataclass(frozen=True)
class EnrollmentRecord:
    enrollment: Enrollment
    plan: PlanVersion            # the current version
    attendance: Attendance


def enroll_patient(command: EnrollPatient, uow) -> EnrollmentRecord:
    """Refused: an unknown referral, one not triaged to IOP or without treatment consent, dates
    out of order, a plan outside IOP intensity (422); a referral or patient enrolled (409)."""
    program = command.program
    # The weeks first: their range was a schema check, answered before any lookup.
    weeks = (program["planned_weeks"]["default"] if command.planned_weeks is None
             else plans.check_planned_weeks(command.planned_weeks, program["planned_weeks"]))
    plans.check_plan_counts(command.plan, program, command.calendar)
    try:
        referral = uow.referrals.get_visible(command.referral_id, command.caller)
    except RecordNotFound:  # named in the body: a bad field, not a missing resource
        raise InvalidFields({"referral_id": ["No such referral."]}) from None
    consent = uow.patients.consent_of(referral.patient_id)
    rules.check_enrollable(referral, consent.treatment, command.start_date)
    rules.check_start_window(command.start_date, command.today[referral.site_id],
                             command.window["start_within_days"])
    if uow.enrollments.id_for_referral(referral.id):
        raise rules.AlreadyEnrolled("This referral is already enrolled.")
    if uow.enrollments.has_active(referral.patient_id):
        raise rules.AlreadyEnrolled("The patient already has an active enrollment.")
    patient = uow.patients.get(referral.patient_id)
    band = plans.age_band(patient.birth_date, command.start_date,
                          program["intensity"]["adolescent_age_under"])
    hours = _weekly_hours(command, referral.site_id, band)
    enrollment = uow.enrollments.add_enrollment(Enrollment(
        id=str(uuid.uuid4()), referral_id=referral.id, patient_id=referral.patient_id,
        site_id=referral.site_id, track=command.track,
        recommended_track=referral.recommended_track, age_band=band,
        start_date=command.start_date, plan_version=1, status=rules.ACTIVE))
    version = _add_version(uow, enrollment, command.plan, weeks, command.goals, hours,
                           command.caller.name)
    uow.raise_event("PatientEnrolled", rules.patient_enrolled(
        enrollment, version, referral, patient.preferred_language),
        site_id=enrollment.site_id, subject=enrollment.id)
    _audit(uow, command.caller, "create", enrollment)
    return EnrollmentRecord(enrollment, version, _attendance(uow, enrollment))


def show_enrollment(command: ShowEnrollment, uow) -> EnrollmentRecord:
    enrollment = uow.enrollments.get_visible(command.enrollment_id, command.caller)
    _audit(uow, command.caller, "read", enrollment)
    return _record(uow, enrollment)


def update_plan(command: UpdatePlan, uow) -> EnrollmentRecord:
    """A new plan version, checked against the enrollment's age band (fixed at its start)."""
    if command.planned_weeks is not None:
        plans.check_planned_weeks(command.planned_weeks, command.program["planned_weeks"])
    plans.check_plan_counts(command.plan, command.program, command.calendar)
    enrollment = uow.enrollments.get_visible(command.enrollment_id, command.caller)
    rules.require_active(enrollment)
    current = uow.enrollments.current_plan(enrollment)
    hours = _weekly_hours(command, enrollment.site_id, enrollment.age_band)
    enrollment.plan_version += 1
    version = _add_version(uow, enrollment, command.plan,
                           command.planned_weeks or current.planned_weeks,
                           command.goals or current.goals, hours, command.caller.name)
    uow.raise_event("TreatmentPlanUpdated", rules.treatment_plan_updated(enrollment, version),
                    site_id=enrollment.site_id, subject=enrollment.id)
    _audit(uow, command.caller, "update_plan", enrollment)
    return EnrollmentRecord(enrollment, version, _attendance(uow, enrollment))


def list_plan_versions(command: ShowEnrollment, uow) -> tuple[Enrollment, list[PlanVersion]]:
    enrollment = uow.enrollments.get_visible(command.enrollment_id, command.caller)
    _audit(uow, command.caller, "read", enrollment, resource_type="plan")
    return enrollment, uow.enrollments.plan_versions(enrollment)


def discharge_patient(command: DischargePatient, uow) -> EnrollmentRecord:
    rules.check_override(command.override_reason, command.may_override)
    enrollment = uow.enrollments.get_visible(command.enrollment_id, command.caller)
    rules.check_discharge_date(command.on, command.today[enrollment.site_id],
                               command.window["discharge_within_days"])
    attendance = _attendance(uow, enrollment)
    rules.discharge(enrollment, command.reason, command.on, command.override_reason, attendance,
                    command.required_rate)
    _keep_aftercare(enrollment, command.aftercare)
    uow.enrollments.flush()
    event_type, data = rules.discharge_event(enrollment, attendance)
    uow.raise_event(event_type, data, site_id=enrollment.site_id, subject=enrollment.id)
    _audit(uow, command.caller, "discharge", enrollment)
    return _record(uow, enrollment)


def _keep_aftercare(enrollment, aftercare) -> None:
    if aftercare is not None:
        enrollment.aftercare_plan = aftercare["plan"].strip()
        enrollment.aftercare_provider = aftercare["provider"]
        enrollment.aftercare_first_appointment_on = aftercare["first_appointment_on"]


def _weekly_hours(command, site_id: str, band: str) -> float:
    program = command.program
    minutes = plans.session_minutes(program["session_minutes"], command.sites[site_id])
    return plans.check_intensity(command.plan, minutes, band, program["intensity"],
                                 command.calendar["weeks_per_month"]).weekly_hours


def _add_version(uow, enrollment, plan, planned_weeks, goals, hours, created_by) -> PlanVersion:
    version = uow.enrollments.add(PlanVersion(
        enrollment_id=enrollment.id, version=enrollment.plan_version,
        planned_weeks=planned_weeks, weekly_hours=hours, goals=list(goals),
        created_by=created_by, **rules.plan_fields(plan)))
    uow.enrollments.flush()
    return version


def _attendance(uow, enrollment) -> Attendance:
    return tally(uow.attendance.statuses_of(enrollment.id))


def _record(uow, enrollment) -> EnrollmentRecord:
    return EnrollmentRecord(enrollment, uow.enrollments.current_plan(enrollment),
                            _attendance(uow, enrollment))


def _audit(uow, caller, action, enrollment, resource_type="enrollment") -> None:
    uow.audit(caller, action, resource_type, enrollment.id, patient_id=enrollment.patient_id,
              site_id=enrollment.site_id)


"""Enrollments: an episode of care from a triaged referral, its versioned plan, and discharge."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.instruments import IOP
from shared.problems import Conflict, Unprocessable, validation_problem

from services.intake import completion, plans
from services.intake.models import Consent, Enrollment, Patient, PlanVersion, Referral, SessionOutcome

ACTIVE, DISCHARGED = "active", "discharged"
PLAN_FIELDS = tuple(plans.PLAN_SESSIONS)


def intensity_problem(refused: plans.PlanOutsideIntensity) -> Unprocessable:
    return Unprocessable(str(refused), errors={"plan": [str(refused)]},
                         weekly_hours=refused.weekly_hours,
                         minimum_weekly_hours=refused.minimum_weekly_hours,
                         partial_hospitalization_weekly_hours=refused.maximum_weekly_hours,
                         age_band=refused.age_band)


def _checked_hours(plan: Mapping, minutes: Mapping, band: str, program: Mapping) -> float:
    try:
        return plans.check_intensity(plan, minutes, band, program["intensity"]).weekly_hours
    except plans.PlanOutsideIntensity as refused:
        raise intensity_problem(refused) from None


def enroll(session: Session, referral: Referral, body: dict, *, minutes: Mapping,
           program: Mapping, created_by: str) -> tuple[Enrollment, PlanVersion]:
    """Refused: a referral not triaged to IOP or without treatment consent (422), dates out of
    order (422), a plan outside IOP intensity (422 with the numbers), a referral or patient
    already enrolled (409)."""
    if referral.recommendation != IOP:
        raise validation_problem({"referral_id": [
            f"The referral was triaged to {referral.recommendation}, not IOP."]},
            "The referral was not recommended for IOP.")
    if not session.get(Consent, referral.patient_id).treatment:
        raise validation_problem({"referral_id": ["The patient has not consented to treatment."]})
    if body["start_date"] < referral.referred_on:
        raise validation_problem({"start_date": ["Must not be before the referral date "
                                                 f"({referral.referred_on.isoformat()})."]})
    if session.scalar(select(Enrollment.id).where(Enrollment.referral_id == referral.id)):
        raise Conflict("This referral is already enrolled.")
    if session.scalar(select(Enrollment.id).where(Enrollment.patient_id == referral.patient_id,
                                                  Enrollment.status == ACTIVE)):
        raise Conflict("The patient already has an active enrollment.")
    patient = session.get(Patient, referral.patient_id)
    band = plans.age_band(patient.birth_date, body["start_date"],
                          program["intensity"]["adolescent_age_under"])
    hours = _checked_hours(body["plan"], minutes, band, program)
    enrollment = Enrollment(
        id=str(uuid.uuid4()), referral_id=referral.id, patient_id=referral.patient_id,
        site_id=referral.site_id, track=body["track"], recommended_track=referral.recommended_track,
        age_band=band, start_date=body["start_date"], plan_version=1, status=ACTIVE)
    session.add(enrollment)
    try:
        session.flush()
    except IntegrityError:  # a concurrent request enrolled the referral first
        raise Conflict("This referral is already enrolled.") from None
    version = _new_version(enrollment, body["plan"], body["planned_weeks"], body["goals"], hours,
                           created_by)
    session.add(version)
    session.flush()
    return enrollment, version


def update_plan(session: Session, enrollment: Enrollment, body: dict, *, minutes: Mapping,
                program: Mapping, created_by: str) -> PlanVersion:
    """A new plan version, checked against the enrollment's age band (fixed at its start)."""
    require_active(enrollment)
    current = current_plan(session, enrollment)
    hours = _checked_hours(body["plan"], minutes, enrollment.age_band, program)
    enrollment.plan_version += 1
    version = _new_version(enrollment, body["plan"], body["planned_weeks"] or current.planned_weeks,
                           body["goals"] or current.goals, hours, created_by)
    session.add(version)
    session.flush()
    return version


def discharge(session: Session, enrollment: Enrollment, body: dict, *,
              required_rate: float) -> completion.Attendance:
    require_active(enrollment)
    if body["on"] < enrollment.start_date:
        raise validation_problem({"on": ["Must not be before the start date "
                                         f"({enrollment.start_date.isoformat()})."]})
    record = attendance(session, enrollment.id)
    if body["reason"] == "completed":
        try:
            completion.check_completion(record, required_rate, body["override_reason"])
        except completion.CompletionRefused as refused:
            raise Unprocessable(str(refused), errors={"reason": [str(refused)]},
                                attendance_rate=record.reported_rate, attended=record.attended,
                                counted_sessions=record.counted,
                                required_rate=required_rate) from None
    enrollment.status = DISCHARGED
    enrollment.discharge_reason = body["reason"]
    enrollment.discharged_on = body["on"]
    enrollment.discharge_attendance_rate = record.reported_rate
    enrollment.override_reason = body["override_reason"]
    session.flush()
    return record


def require_active(enrollment: Enrollment) -> None:
    if enrollment.status != ACTIVE:
        raise Conflict(f"The enrollment was discharged on {enrollment.discharged_on.isoformat()}; "
                       "it accepts no further changes.")


def current_plan(session: Session, enrollment: Enrollment) -> PlanVersion:
    return session.scalars(select(PlanVersion).where(
        PlanVersion.enrollment_id == enrollment.id,
        PlanVersion.version == enrollment.plan_version)).one()


def plan_versions(session: Session, enrollment: Enrollment) -> list[PlanVersion]:
    return list(session.scalars(select(PlanVersion).where(
        PlanVersion.enrollment_id == enrollment.id).order_by(PlanVersion.version)))


def attendance(session: Session, enrollment_id: str) -> completion.Attendance:
    return completion.tally(session.scalars(select(SessionOutcome.status).where(
        SessionOutcome.enrollment_id == enrollment_id)))


def _new_version(enrollment: Enrollment, plan: Mapping, planned_weeks: int, goals: list,
                 hours: float, created_by: str) -> PlanVersion:
    return PlanVersion(enrollment_id=enrollment.id, version=enrollment.plan_version,
                       planned_weeks=planned_weeks, weekly_hours=hours, goals=list(goals),
                       created_by=created_by, **{field: plan[field] for field in PLAN_FIELDS})


# -- events: ids, codes, dates and numbers only ----------------------------------------------


def plan_of(version: PlanVersion) -> dict:
    return {field: getattr(version, field) for field in PLAN_FIELDS}


def patient_enrolled(enrollment: Enrollment, version: PlanVersion, referral: Referral,
                     preferred_language: str) -> dict:
    return {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
            "track": enrollment.track, "age_band": enrollment.age_band,
            "start_date": enrollment.start_date, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan": plan_of(version),
            "preferred_language": preferred_language,
            "screening": {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
                          "pcl5": referral.pcl5_total, "screened_on": referral.referred_on}}


def treatment_plan_updated(enrollment: Enrollment, version: PlanVersion) -> dict:
    return {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
            "plan_version": version.version, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan": plan_of(version)}


def discharge_event(enrollment: Enrollment, record: completion.Attendance) -> tuple[str, dict]:
    """ProgramCompleted for a completion, else PatientDischarged."""
    ids = {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
           "track": enrollment.track}
    if enrollment.discharge_reason == "completed":
        # The contract needs a number: with no counted session (an override) it is 0.
        return "ProgramCompleted", {
            **ids, "start_date": enrollment.start_date, "completed_on": enrollment.discharged_on,
            "weeks_in_program": completion.weeks_in_program(enrollment.start_date,
                                                            enrollment.discharged_on),
            "attendance_rate": record.reported_rate or 0.0}
    return "PatientDischarged", {**ids, "discharged_on": enrollment.discharged_on,
                                 "reason": enrollment.discharge_reason}

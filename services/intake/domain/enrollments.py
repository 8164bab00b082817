"""Enrollments: who may be enrolled, the plan's versions, discharge, and the events' data
(ids, codes, dates and numbers only)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from shared.errors import ActionForbidden, InvalidFields, StateConflict
from shared.scoring import IOP

from services.intake.domain import attendance as attendance_rules
from services.intake.domain.attendance import Attendance
from services.intake.domain.plans import PLAN_FIELDS, plan_of

ACTIVE, DISCHARGED = "active", "discharged"
COMPLETED = "completed"


class AlreadyEnrolled(StateConflict):
    """The referral is enrolled already, or the patient has an active enrollment."""


class EnrollmentClosed(StateConflict):
    """A discharged enrollment accepts no change."""


def check_start_window(start_date: date, today: date, within_days: int) -> None:
    """A start more than the window ahead of the site's today is a typo, not a plan."""
    if start_date > today + timedelta(days=within_days):
        raise InvalidFields({"start_date": [
            f"Must be within {within_days} days of today ({today.isoformat()})."]})


def check_discharge_date(on: date, today: date, within_days: int) -> None:
    """A discharge dated further ahead than the window would cancel a program's future at once."""
    if on > today + timedelta(days=within_days):
        raise InvalidFields({"on": [
            f"Must be within {within_days} days of today ({today.isoformat()})."]})


def check_enrollable(referral, treatment_consent: bool, start_date: date) -> None:
    """Refused: a referral not triaged to IOP, no treatment consent, a start before referral."""
    if referral.recommendation != IOP:
        raise InvalidFields({"referral_id": [
            f"The referral was triaged to {referral.recommendation}, not IOP."]},
            "The referral was not recommended for IOP.")
    if not treatment_consent:
        raise InvalidFields({"referral_id": ["The patient has not consented to treatment."]})
    if start_date < referral.referred_on:
        raise InvalidFields({"start_date": [
            f"Must not be before the referral date ({referral.referred_on.isoformat()})."]})


def require_active(enrollment) -> None:
    if enrollment.status != ACTIVE:
        raise EnrollmentClosed(
            f"The enrollment was discharged on {enrollment.discharged_on.isoformat()}; "
            "it accepts no further changes.")


def check_override(override_reason: str | None, may_override: bool) -> None:
    """Overriding the completion rule is a clinical judgement (clinicians and admins)."""
    if override_reason and not may_override:
        raise ActionForbidden("Only a clinician or an admin may override the completion rule.",
                              errors={"override_reason": ["Needs the clinician or admin role."]})


def discharge(enrollment, reason: str, on: date, override_reason: str | None,
              record: Attendance, required_rate: float) -> None:
    """Closes the enrollment; a completion needs the attendance rate or an override."""
    require_active(enrollment)
    if on < enrollment.start_date:
        raise InvalidFields({"on": [
            f"Must not be before the start date ({enrollment.start_date.isoformat()})."]})
    if reason == COMPLETED:
        attendance_rules.check_completion(record, required_rate, override_reason)
    enrollment.status = DISCHARGED
    enrollment.discharge_reason = reason
    enrollment.discharged_on = on
    enrollment.discharge_attendance_rate = record.reported_rate
    enrollment.override_reason = override_reason


def plan_fields(plan: Mapping) -> dict:
    return {field: plan[field] for field in PLAN_FIELDS}


def patient_enrolled(enrollment, version, referral, preferred_language: str) -> dict:
    return {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
            "track": enrollment.track, "age_band": enrollment.age_band,
            "start_date": enrollment.start_date, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan": plan_of(version),
            "preferred_language": preferred_language,
            "screening": {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
                          "pcl5": referral.pcl5_total, "screened_on": referral.referred_on,
                          "audit_c": referral.audit_c_total,
                          "audit_c_positive": referral.audit_c_positive,
                          "dast10": referral.dast10_total}}


def treatment_plan_updated(enrollment, version) -> dict:
    return {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
            "plan_version": version.version, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan": plan_of(version)}


def discharge_event(enrollment, record: Attendance) -> tuple[str, dict]:
    """ProgramCompleted for a completion, else PatientDischarged."""
    ids = {"enrollment_id": enrollment.id, "patient_id": enrollment.patient_id,
           "track": enrollment.track}
    if enrollment.discharge_reason == COMPLETED:
        # The contract needs a number: with no counted session (an override) it is 0.
        return "ProgramCompleted", {
            **ids, "start_date": enrollment.start_date, "completed_on": enrollment.discharged_on,
            "weeks_in_program": attendance_rules.weeks_in_program(enrollment.start_date,
                                                                  enrollment.discharged_on),
            "attendance_rate": record.reported_rate or 0.0}
    return "PatientDischarged", {**ids, "discharged_on": enrollment.discharged_on,
                                 "reason": enrollment.discharge_reason}

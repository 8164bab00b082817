"""What the API and the RPC answer: records shaped for their readers."""
from __future__ import annotations

from services.intake import completion
from services.intake.enrollments import plan_of
from services.intake.models import (Consent, Contact, Enrollment, Patient, PlanVersion, Referral)


def referral_view(referral: Referral, severities: dict, enrollment_id: str | None) -> dict:
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "site_id": referral.site_id, "source": referral.source,
            "referred_on": referral.referred_on, "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track, "enrollment_id": enrollment_id,
            "screening": {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
                          "pcl5": referral.pcl5_total, "severities": severities,
                          "answers": {"phq9": referral.phq9_answers, "gad7": referral.gad7_answers,
                                      "pcl5": referral.pcl5_answers}}}


def patient_view(patient: Patient, contact: Contact, consent: Consent, referral_ids: list[str],
                 enrollment_ids: list[str]) -> dict:
    return {"patient_id": patient.id, "site_id": patient.site_id,
            "given_name": patient.given_name, "family_name": patient.family_name,
            "birth_date": patient.birth_date, "email": contact.email, "phone": contact.phone,
            "preferred_language": patient.preferred_language,
            "interpreter_needed": patient.interpreter_needed,
            "consents": {"treatment": consent.treatment, "email": consent.email, "sms": consent.sms},
            "referral_ids": referral_ids, "enrollment_ids": enrollment_ids}


def enrollment_view(enrollment: Enrollment, version: PlanVersion, record: completion.Attendance,
                    required_rate: float, *, with_goals: bool) -> dict:
    view = {"enrollment_id": enrollment.id, "referral_id": enrollment.referral_id,
            "patient_id": enrollment.patient_id, "site_id": enrollment.site_id,
            "status": enrollment.status, "track": enrollment.track,
            "recommended_track": enrollment.recommended_track, "age_band": enrollment.age_band,
            "start_date": enrollment.start_date, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan_version": version.version,
            "plan": plan_of(version),
            "attendance": {"attended": record.attended, "missed": record.missed,
                           "excused": record.excused, "rate": record.reported_rate,
                           "required_rate": required_rate,
                           "meets_completion_rate": completion.meets_completion_rate(
                               record, required_rate)},
            "discharge": None}
    if with_goals:  # free text written about the patient: not in the name-free view
        view["goals"] = version.goals
    if enrollment.discharged_on is not None:
        view["discharge"] = {"reason": enrollment.discharge_reason,
                             "on": enrollment.discharged_on.isoformat(),
                             "attendance_rate": enrollment.discharge_attendance_rate,
                             "override_reason": enrollment.override_reason if with_goals else None}
    return view


def plan_version_view(version: PlanVersion) -> dict:
    return {"plan_version": version.version, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan": plan_of(version), "goals": version.goals,
            "created_by": version.created_by, "created_at": version.created_at}


def contact_view(patient: Patient, contact: Contact, consent: Consent) -> dict:
    """Name, language and only the addresses of the channels the patient consented to."""
    email = contact.email if consent.email else None
    phone = contact.phone if consent.sms else None
    return {"patient_id": patient.id, "site_id": patient.site_id,
            "given_name": patient.given_name, "family_name": patient.family_name,
            "preferred_language": patient.preferred_language,
            "interpreter_needed": patient.interpreter_needed, "email": email, "phone": phone,
            "channels": [name for name, address in (("email", email), ("sms", phone)) if address]}

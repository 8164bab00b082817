"""What the API and the RPC answer: records shaped for their readers."""
from __future__ import annotations

from services.intake.domain.attendance import meets_completion_rate
from services.intake.domain.family import reachable_channels
from services.intake.domain.plans import plan_of
from services.intake.domain.referrals import referrer_of, risk_flag


def referral_view(record) -> dict:
    referral = record.referral
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "site_id": referral.site_id, "source": referral.source,
            "referred_on": referral.referred_on, "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track,
            "risk_flag": risk_flag(referral),
            "enrollment_id": record.enrollment_id,
            "referrer": referrer_of(referral),
            "screening": {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
                          "pcl5": referral.pcl5_total, "audit_c": referral.audit_c_total,
                          "audit_c_positive": referral.audit_c_positive,
                          "dast10": referral.dast10_total, "severities": record.severities,
                          "answers": {"phq9": referral.phq9_answers, "gad7": referral.gad7_answers,
                                      "pcl5": referral.pcl5_answers,
                                      "audit_c": referral.audit_c_answers,
                                      "dast10": referral.dast10_answers}}}


def patient_view(record) -> dict:
    patient, contact, consent = record.patient, record.contact, record.consent
    return {"patient_id": patient.id, "site_id": patient.site_id,
            "given_name": patient.given_name, "family_name": patient.family_name,
            "birth_date": patient.birth_date, "email": contact.email, "phone": contact.phone,
            "preferred_language": patient.preferred_language,
            "interpreter_needed": patient.interpreter_needed, "sex": patient.sex,
            "consents": {"treatment": consent.treatment, "email": consent.email, "sms": consent.sms},
            "referral_ids": record.referral_ids, "enrollment_ids": record.enrollment_ids}


def enrollment_view(record, required_rate: float, *, with_goals: bool) -> dict:
    enrollment, version, attendance = record.enrollment, record.plan, record.attendance
    view = {"enrollment_id": enrollment.id, "referral_id": enrollment.referral_id,
            "patient_id": enrollment.patient_id, "site_id": enrollment.site_id,
            "status": enrollment.status, "track": enrollment.track,
            "recommended_track": enrollment.recommended_track, "age_band": enrollment.age_band,
            "start_date": enrollment.start_date, "planned_weeks": version.planned_weeks,
            "weekly_hours": version.weekly_hours, "plan_version": version.version,
            "plan": plan_of(version),
            # "missed" is the contract's name for the count of unexcused absences.
            "attendance": {"attended": attendance.attended, "missed": attendance.absent,
                           "excused": attendance.excused, "rate": attendance.reported_rate,
                           "required_rate": required_rate,
                           "meets_completion_rate": meets_completion_rate(attendance,
                                                                          required_rate)},
            "discharge": None}
    if with_goals:  # free text written about the patient: not in the name-free view
        view["goals"] = version.goals
    if enrollment.discharged_on is not None:
        view["discharge"] = {"reason": enrollment.discharge_reason,
                             "on": enrollment.discharged_on.isoformat(),
                             "attendance_rate": enrollment.discharge_attendance_rate,
                             "override_reason": enrollment.override_reason if with_goals else None}
        if with_goals:  # free text about the patient, as the goals
            view["discharge"]["aftercare"] = aftercare_of(enrollment)
    return view


def aftercare_of(enrollment) -> dict | None:
    if enrollment.aftercare_plan is None:
        return None
    first = enrollment.aftercare_first_appointment_on
    return {"plan": enrollment.aftercare_plan, "provider": enrollment.aftercare_provider,
            "first_appointment_on": first.isoformat() if first else None}


def discharge_details_view(record) -> dict:
    """get_discharge_details: plain JSON for the RPC (dates as ISO strings)."""
    enrollment, patient, referral = record.enrollment, record.patient, record.referral
    referrer = referrer_of(referral)
    if referrer is not None:
        referrer = {**referrer, "consent_recorded_at": referrer["consent_recorded_at"].isoformat()
                    if referrer["consent_recorded_at"] else None}
    return {"enrollment_id": enrollment.id, "patient_id": patient.id, "site_id": enrollment.site_id,
            "referral_id": referral.id, "given_name": patient.given_name,
            "family_name": patient.family_name, "birth_date": patient.birth_date.isoformat(),
            "track": enrollment.track, "start_date": enrollment.start_date.isoformat(),
            "discharge": {"reason": enrollment.discharge_reason,
                          "on": enrollment.discharged_on.isoformat()},
            "aftercare": aftercare_of(enrollment), "referrer": referrer}


def plan_versions_view(enrollment, versions) -> dict:
    return {"enrollment_id": enrollment.id, "versions": [
        {"plan_version": version.version, "planned_weeks": version.planned_weeks,
         "weekly_hours": version.weekly_hours, "plan": plan_of(version), "goals": version.goals,
         "created_by": version.created_by, "created_at": version.created_at}
        for version in versions]}


def contact_view(record) -> dict:
    """Name, language and only the addresses of the channels the patient consented to."""
    patient, contact, consent = record.patient, record.contact, record.consent
    email = contact.email if consent.email else None
    phone = contact.phone if consent.sms else None
    return {"patient_id": patient.id, "site_id": patient.site_id,
            "given_name": patient.given_name, "family_name": patient.family_name,
            "preferred_language": patient.preferred_language,
            "interpreter_needed": patient.interpreter_needed, "email": email, "phone": phone,
            "channels": [name for name, address in (("email", email), ("sms", phone)) if address]}


def related_person_view(person) -> dict:
    return {"related_person_id": person.id, "patient_id": person.patient_id,
            "site_id": person.site_id, "given_name": person.given_name,
            "family_name": person.family_name, "relationship": person.relationship,
            "email": person.email, "phone": person.phone,
            "preferred_language": person.preferred_language,
            "consent_to_contact": person.consent_to_contact,
            "consent_recorded_at": person.consent_recorded_at, "active": person.active,
            "version": person.version}


def related_contact_view(person) -> dict:
    """As contact_view for a patient: only the addresses a message may go to (none once the
    person withdrew consent or is no longer active)."""
    addresses = reachable_channels(person)
    return {"related_person_id": person.id, "patient_id": person.patient_id,
            "site_id": person.site_id, "given_name": person.given_name,
            "family_name": person.family_name, "preferred_language": person.preferred_language,
            "email": addresses["email"], "phone": addresses["phone"],
            "channels": [name for name, key in (("email", "email"), ("sms", "phone"))
                         if addresses[key]]}

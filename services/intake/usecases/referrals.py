"""Refer a patient (new or returning), triaged at once; read a referral."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.clock import utcnow
from shared.errors import ActionForbidden, InvalidFields, RecordNotFound

from services.intake.commands import ChangeReferrerConsent, ReferPatient, ShowReferral
from services.intake.domain import referrals as rules
from services.intake.models import Contact, Patient, Referral


@dataclass(frozen=True)
class ReferralRecord:
    referral: Referral
    severities: dict
    enrollment_id: str | None


def refer_patient(command: ReferPatient, uow) -> ReferralRecord:
    # The screening first: a body with bad answers is refused for them alone, as before.
    result = rules.triage_screening(command.instruments, command.screening)
    referred_on = rules.referral_date(
        command.site_id, command.referred_on,
        command.patient["birth_date"] if command.patient else None, command.sites, command.today)
    if not command.caller.sees(command.site_id):
        raise ActionForbidden(f"This key may not act for site '{command.site_id}'.",
                              errors={"site_id": ["Not one of this key's sites."]})
    patient = _returning_patient(command, uow) if command.patient_id else _new_patient(command, uow)
    if command.consents is not None:
        uow.patients.record_consents(patient.id, command.consents)
    screening = command.screening
    substance = rules.substance_scores(command.instruments, screening, patient.sex)
    referral = uow.referrals.add(Referral(
        id=str(uuid.uuid4()), patient_id=patient.id, site_id=patient.site_id,
        source=command.source, referred_on=referred_on,
        phq9_answers=screening["phq9"], gad7_answers=screening["gad7"],
        pcl5_answers=screening["pcl5"], phq9_total=result.scores["phq9"],
        gad7_total=result.scores["gad7"], pcl5_total=result.scores["pcl5"],
        recommendation=result.recommendation, recommended_track=result.recommended_track,
        audit_c_answers=screening.get("audit_c"), dast10_answers=screening.get("dast10"),
        audit_c_total=substance["audit_c"], audit_c_positive=substance["audit_c_positive"],
        dast10_total=substance["dast10"],
        risk_level=rules.screening_risk(command.instruments, screening),
        **_referrer_columns(command.referrer)))
    uow.referrals.flush()
    uow.raise_event("PatientReferred", rules.patient_referred(referral),
                    site_id=referral.site_id, subject=referral.id)
    uow.audit(command.caller, "create", "referral", referral.id, patient_id=patient.id,
              site_id=referral.site_id)
    return ReferralRecord(referral, rules.severities(command.instruments, referral), None)


def show_referral(command: ShowReferral, uow) -> ReferralRecord:
    referral = uow.referrals.get_visible(command.referral_id, command.caller)
    uow.audit(command.caller, "read", "referral", referral.id, patient_id=referral.patient_id,
              site_id=referral.site_id)
    return ReferralRecord(referral, rules.severities(command.instruments, referral),
                          uow.enrollments.id_for_referral(referral.id))


def _returning_patient(command: ReferPatient, uow) -> Patient:
    """The patient of a re-referral: one this key sees ("No such patient" otherwise)."""
    try:
        patient = uow.patients.get_visible(command.patient_id, command.caller)
    except RecordNotFound:
        raise InvalidFields({"patient_id": ["No such patient."]}) from None
    contact = uow.patients.contact_of(patient.id)
    rules.check_returning_patient(patient.site_id, command.site_id, command.consents,
                                  contact.email, contact.phone)
    return patient


def _new_patient(command: ReferPatient, uow) -> Patient:
    person = command.patient
    patient = Patient(id=str(uuid.uuid4()), site_id=command.site_id,
                      given_name=person["given_name"].strip(),
                      family_name=person["family_name"].strip(), birth_date=person["birth_date"],
                      preferred_language=person["preferred_language"],
                      interpreter_needed=person["interpreter_needed"], sex=person["sex"])
    return uow.patients.add_with_contact(
        patient, Contact(patient_id=patient.id, email=person["email"], phone=person["phone"]))


def _referrer_columns(referrer) -> dict:
    if referrer is None:
        return {}
    return {"referrer_name": referrer["name"], "referrer_organization": referrer["organization"],
            "referrer_direct_address": referrer["direct_address"], "referrer_npi": referrer["npi"],
            "share_with_referrer": referrer["consent_to_share"],
            "share_consent_recorded_at": utcnow()}


def change_referrer_consent(command: ChangeReferrerConsent, uow) -> ReferralRecord:
    """The patient gives or withdraws consent to share with the referring provider. Audited."""
    referral = uow.referrals.get_visible(command.referral_id, command.caller)
    if referral.referrer_name is None:
        raise InvalidFields({"consent_to_share": ["This referral names no referring provider."]})
    referral.share_with_referrer = command.consent_to_share
    referral.share_consent_recorded_at = utcnow()
    enrollment_id = uow.enrollments.id_for_referral(referral.id)
    # A summary held back for want of consent goes once consent is given (notifications).
    uow.raise_event("ReferrerConsentChanged", {
        "referral_id": referral.id, "patient_id": referral.patient_id,
        "enrollment_id": enrollment_id, "consent_to_share": command.consent_to_share},
        site_id=referral.site_id, subject=referral.id)
    uow.audit(command.caller, "update", "referrer_consent", referral.id,
              patient_id=referral.patient_id, site_id=referral.site_id)
    return ReferralRecord(referral, rules.severities(command.instruments, referral), enrollment_id)

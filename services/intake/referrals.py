"""Referrals: a new or returning patient, the screening and the consents, triaged at once."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from shared.instruments import severity, triage
from shared.problems import validation_problem

from services.intake.models import Consent, Contact, Patient, Referral
from services.intake.schemas import consent_errors


def check_referral(body: dict, sites, today: date) -> date:
    """What the schema cannot know: the site exists and the dates are not in the future.

    Returns the referral date (today at the site when the body leaves it out).
    """
    errors = {}
    if body["site_id"] not in sites:
        errors["site_id"] = [f"Unknown site; expected one of: {', '.join(sorted(sites))}."]
    referred_on = body["referred_on"] or today
    if referred_on > today:
        errors["referred_on"] = ["Must not be in the future."]
    if body["patient"] and body["patient"]["birth_date"] >= referred_on:
        errors["patient.birth_date"] = ["Must be before the referral date."]
    if errors:
        raise validation_problem(errors)
    return referred_on


def returning_patient(session: Session, body: dict, caller) -> Patient:
    """The patient of a re-referral: one this key sees, at the referral's site."""
    patient = session.get(Patient, body["patient_id"])
    if patient is None or not caller.sees(patient.site_id):
        raise validation_problem({"patient_id": ["No such patient."]})
    if patient.site_id != body["site_id"]:
        raise validation_problem({"patient_id": [f"The patient is at site '{patient.site_id}'."]})
    contact = session.get(Contact, patient.id)
    if body["consents"] is not None:
        errors = consent_errors(body["consents"], contact.email, contact.phone)
        if errors:
            raise validation_problem(errors)
    return patient


def new_patient(session: Session, body: dict) -> Patient:
    person = body["patient"]
    patient = Patient(id=str(uuid.uuid4()), site_id=body["site_id"],
                      given_name=person["given_name"].strip(),
                      family_name=person["family_name"].strip(), birth_date=person["birth_date"],
                      preferred_language=person["preferred_language"],
                      interpreter_needed=person["interpreter_needed"])
    session.add(patient)
    session.flush()  # the patient row first: contacts and consents point at it
    session.add(Contact(patient_id=patient.id, email=person["email"], phone=person["phone"]))
    return patient


def refer_patient(session: Session, patient: Patient, body: dict, referred_on: date) -> Referral:
    screening = body["screening"]
    result = triage(screening["phq9"], screening["gad7"], screening["pcl5"])
    if body["consents"] is not None:
        record_consents(session, patient.id, body["consents"])
    referral = Referral(
        id=str(uuid.uuid4()), patient_id=patient.id, site_id=patient.site_id,
        source=body["source"], referred_on=referred_on,
        phq9_answers=screening["phq9"], gad7_answers=screening["gad7"],
        pcl5_answers=screening["pcl5"], phq9_total=result.scores["phq9"],
        gad7_total=result.scores["gad7"], pcl5_total=result.scores["pcl5"],
        recommendation=result.recommendation, recommended_track=result.recommended_track)
    session.add(referral)
    session.flush()
    return referral


def record_consents(session: Session, patient_id: str, consents: dict) -> None:
    consent = session.get(Consent, patient_id) or Consent(patient_id=patient_id)
    consent.treatment, consent.email, consent.sms = (
        consents["treatment"], consents["email"], consents["sms"])
    session.add(consent)


def patient_referred(referral: Referral) -> dict:
    """PatientReferred data: ids, date, source code and triage; no identity or answers."""
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "referred_on": referral.referred_on, "source": referral.source,
            "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track}


def severities(referral: Referral) -> dict[str, str | None]:
    totals = {"phq9": referral.phq9_total, "gad7": referral.gad7_total, "pcl5": referral.pcl5_total}
    return {name: None if total is None else severity(name, total) for name, total in totals.items()}

"""Referrals: store the patient, the screening and the consents, triaged at once."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from shared.instruments import severity, triage
from shared.problems import validation_problem

from services.intake.models import Consent, Contact, Patient, Referral


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
    if body["patient"]["birth_date"] >= referred_on:
        errors["patient.birth_date"] = ["Must be before the referral date."]
    if errors:
        raise validation_problem(errors)
    return referred_on


def refer_patient(session: Session, body: dict, referred_on: date) -> Referral:
    screening = body["screening"]
    result = triage(screening["phq9"], screening["gad7"], screening["pcl5"])
    person = body["patient"]
    patient = Patient(id=str(uuid.uuid4()), site_id=body["site_id"],
                      given_name=person["given_name"].strip(),
                      family_name=person["family_name"].strip(), birth_date=person["birth_date"],
                      preferred_language=person["preferred_language"],
                      interpreter_needed=person["interpreter_needed"])
    referral = Referral(
        id=str(uuid.uuid4()), patient_id=patient.id, site_id=patient.site_id,
        source=body["source"], referred_on=referred_on,
        phq9_answers=screening["phq9"], gad7_answers=screening["gad7"],
        pcl5_answers=screening["pcl5"], phq9_total=result.scores["phq9"],
        gad7_total=result.scores["gad7"], pcl5_total=result.scores["pcl5"],
        recommendation=result.recommendation, recommended_track=result.recommended_track)
    consents = body["consents"]
    session.add(patient)
    session.flush()  # the patient row first: contacts, consents and the referral point at it
    session.add_all([
        Contact(patient_id=patient.id, email=person["email"], phone=person["phone"]),
        Consent(patient_id=patient.id, treatment=consents["treatment"], email=consents["email"],
                sms=consents["sms"]),
        referral])
    session.flush()
    return referral


def patient_referred(referral: Referral) -> dict:
    """PatientReferred data: ids, date, source code and triage; no identity or answers."""
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "referred_on": referral.referred_on, "source": referral.source,
            "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track}


def severities(referral: Referral) -> dict[str, str | None]:
    totals = {"phq9": referral.phq9_total, "gad7": referral.gad7_total, "pcl5": referral.pcl5_total}
    return {name: None if total is None else severity(name, total) for name, total in totals.items()}

"""Referrals: what the schema cannot know (the site, the dates, the screening's instruments),
the triage, and the PatientReferred data."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from shared.errors import InvalidFields
from shared.scoring import Instruments, InvalidResponses, Triage


PHQ9_ITEM9 = "phq9_item9"  # shared.enums.RISK_REASONS


def triage_screening(instruments: Instruments, screening: Mapping) -> Triage:
    """The recommendation, or InvalidFields naming each bad item (`screening.phq9.3`)."""
    try:
        return instruments.triage(screening["phq9"], screening["gad7"], screening["pcl5"])
    except InvalidResponses as invalid:
        raise InvalidFields(invalid.errors) from None


def referral_date(site_id: str, referred_on: date | None, birth_date: date | None,
                  sites: Collection[str], today: date) -> date:
    """The referral date (today at the site when left out), once the site exists and the dates
    are in order."""
    errors = {}
    if site_id not in sites:
        errors["site_id"] = [f"Unknown site; expected one of: {', '.join(sorted(sites))}."]
    referred_on = referred_on or today
    if referred_on > today:
        errors["referred_on"] = ["Must not be in the future."]
    if birth_date is not None and birth_date >= referred_on:
        errors["patient.birth_date"] = ["Must be before the referral date."]
    if errors:
        raise InvalidFields(errors)
    return referred_on


def consent_errors(consents: Mapping, email: str | None, phone: str | None) -> dict:
    """A channel consented to needs its address."""
    errors = {}
    if consents["email"] and not email:
        errors["consents.email"] = ["Consent to email needs patient.email."]
    if consents["sms"] and not phone:
        errors["consents.sms"] = ["Consent to SMS needs patient.phone."]
    return errors


def check_returning_patient(patient_site_id: str, site_id: str, consents: Mapping | None,
                            email: str | None, phone: str | None) -> None:
    """A re-referral stays at the patient's site; new consents need the recorded addresses."""
    if patient_site_id != site_id:
        raise InvalidFields({"patient_id": [f"The patient is at site '{patient_site_id}'."]})
    if consents is not None:
        errors = consent_errors(consents, email, phone)
        if errors:
            raise InvalidFields(errors)


def screening_risk(instruments: Instruments, screening: Mapping) -> str | None:
    """The risk level of the screening's PHQ-9 item 9 by the rule for assessments (clinical.yaml
    `risk.item9`: 1 → moderate, ≥ 2 → high), whatever the triage; None for 0. Called once the
    triage has accepted the answers."""
    return instruments.item9_risk_level(screening["phq9"])


def risk_flag(referral) -> dict | None:
    """The flag the referral's answer shows; the outcomes service raises it (RiskFlagRaised)."""
    if referral.risk_level is None:
        return None
    return {"level": referral.risk_level, "reason": PHQ9_ITEM9}


def severities(instruments: Instruments, referral) -> dict[str, str | None]:
    totals = {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
              "pcl5": referral.pcl5_total}
    return {name: None if total is None else instruments.severity(name, total)
            for name, total in totals.items()}


def patient_referred(referral) -> dict:
    """PatientReferred data: ids, date, source code and triage; no identity or answers."""
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "referred_on": referral.referred_on, "source": referral.source,
            "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track, "risk_level": referral.risk_level}

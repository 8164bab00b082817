"""Referrals: what the schema cannot know (the site, the dates, the screening's instruments),
the triage, and the PatientReferred data."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from shared.errors import InvalidFields
from shared.scoring import Instruments, InvalidResponses, Triage


PHQ9_ITEM9 = "phq9_item9"  # shared.enums.RISK_REASONS


# Optional substance-use screens at referral (handbook CLINICAL.md, Added instruments).
SUBSTANCE_SCREENS = ("audit_c", "dast10")


def triage_screening(instruments: Instruments, screening: Mapping) -> Triage:
    """The recommendation, or InvalidFields naming each bad item (`screening.phq9.3`,
    `screening.audit_c.1`) of every instrument at once."""
    errors = {}
    for name in SUBSTANCE_SCREENS:
        if screening.get(name) is not None:
            try:
                instruments.validate_responses(name, screening[name], field=f"screening.{name}")
            except InvalidResponses as invalid:
                errors.update(invalid.errors)
    try:
        result = instruments.triage(screening["phq9"], screening["gad7"], screening["pcl5"])
    except InvalidResponses as invalid:
        raise InvalidFields({**invalid.errors, **errors}) from None
    if errors:
        raise InvalidFields(errors)
    return result


def substance_scores(instruments: Instruments, screening: Mapping, sex: str | None) -> dict:
    """AUDIT-C total and its screen at the sex-specific cut point (the lower one when sex is not
    recorded), DAST-10 total (question 3 reversed); None for a screen not administered. Called
    once triage_screening has accepted the answers."""
    audit_c = dast10 = positive = None
    if screening.get("audit_c") is not None:
        score = instruments.score("audit_c", screening["audit_c"], sex=sex)
        audit_c, positive = score.total, score.positive
    if screening.get("dast10") is not None:
        dast10 = instruments.score("dast10", screening["dast10"]).total
    return {"audit_c": audit_c, "audit_c_positive": positive, "dast10": dast10}


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
    """Each screen's band; AUDIT-C's is its screen result (`positive`, `negative`) as stored."""
    totals = {"phq9": referral.phq9_total, "gad7": referral.gad7_total,
              "pcl5": referral.pcl5_total, "dast10": referral.dast10_total}
    bands = {name: None if total is None else instruments.severity(name, total)
             for name, total in totals.items()}
    bands["audit_c"] = (None if referral.audit_c_positive is None
                        else "positive" if referral.audit_c_positive else "negative")
    return bands


def patient_referred(referral) -> dict:
    """PatientReferred data: ids, date, source code and triage; no identity or answers."""
    return {"referral_id": referral.id, "patient_id": referral.patient_id,
            "referred_on": referral.referred_on, "source": referral.source,
            "recommendation": referral.recommendation,
            "recommended_track": referral.recommended_track, "risk_level": referral.risk_level}


def npi_is_valid(npi: str) -> bool:
    """A US National Provider Identifier: 10 digits whose last is the Luhn check digit of the
    first nine prefixed with 80840 (CMS, "Requirements for NPI check digit", 45 CFR 162.406)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:  # every second digit from the right, starting with the rightmost
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def referrer_of(referral) -> dict | None:
    """The referring provider as recorded, with the patient's consent to share with them."""
    if referral.referrer_name is None:
        return None
    return {"name": referral.referrer_name, "organization": referral.referrer_organization,
            "direct_address": referral.referrer_direct_address, "npi": referral.referrer_npi,
            "consent_to_share": bool(referral.share_with_referrer),
            "consent_recorded_at": referral.share_consent_recorded_at}

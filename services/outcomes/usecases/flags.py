"""Risk flags: recorded and published at once (RiskFlagRaised v2 with its flag_id), the C-SSRS they
put due, a referral's screening risk (PatientReferred), the safety net of a refused PHQ-9, and the
flags route."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from shared.access import open_listing
from shared.clock import utcnow
from shared.db import UnitOfWork

from services.outcomes.commands import KeepRiskAnswer, ListFlags, ReadRecord, RecordReferral
from services.outcomes.domain import schedule
from services.outcomes.domain.scoring import PHQ9_ITEM9, RiskFlag, refused_item9
from services.outcomes.models import Referral, RiskFlagRecord

FLAGS_LIMIT = 500  # newest first; a page is enough for a care team's review


def raise_flag(uow: UnitOfWork, flag: RiskFlag, *, patient_id: str, site_id: str,
               enrollment_id: str | None = None, referral_id: str | None = None,
               assessment_id: str | None = None) -> RiskFlagRecord:
    """Record the flag and publish RiskFlagRaised in the same transaction."""
    record = uow.flags.add(RiskFlagRecord(
        flag_id=str(uuid.uuid4()), patient_id=patient_id, site_id=site_id,
        enrollment_id=enrollment_id, referral_id=referral_id, assessment_id=assessment_id,
        reason=flag.reason, level=flag.level, raised_at=utcnow()))
    data = {"flag_id": record.flag_id, "assessment_id": assessment_id, "patient_id": patient_id,
            "enrollment_id": enrollment_id, "level": flag.level, "reason": flag.reason}
    if referral_id is not None:
        data["referral_id"] = referral_id
    uow.raise_event("RiskFlagRaised", data, site_id=site_id, subject=enrollment_id or referral_id)
    return record


def put_safety_screen_due(uow: UnitOfWork, instruments, zones, item9: int | None, *, patient_id: str,
                          site_id: str, enrollment_id: str | None = None,
                          referral_id: str | None = None) -> dict | None:
    """A positive item 9 puts the C-SSRS screener due at once for the care team (AssessmentDue v2,
    due today in the site's time); None when the answer is not positive."""
    rule = instruments.safety_follow_up(item9)
    if rule is None:
        return None
    due_on = schedule.local_day(utcnow(), zones[site_id]) + timedelta(days=rule["due_after_days"])
    data = {"patient_id": patient_id, "enrollment_id": enrollment_id, "instrument": rule["instrument"],
            "due_on": due_on, "respondent": rule["respondent"]}
    if referral_id is not None:
        data["referral_id"] = referral_id
    return uow.raise_event("AssessmentDue", data, site_id=site_id, subject=enrollment_id or referral_id)


def record_referral(command: RecordReferral, uow: UnitOfWork) -> RiskFlagRecord | None:
    """PatientReferred with a risk level: the referral, its flag (no enrollment yet) and the C-SSRS
    due, at once. None without a risk level, or when this referral was recorded before."""
    data = command.data
    level = data.get("risk_level")
    if level is None or uow.referrals.get(data["referral_id"]) is not None:
        return None
    site_id = data["site_id"]
    uow.referrals.add(Referral(referral_id=data["referral_id"], patient_id=data["patient_id"],
                               site_id=site_id, referred_on=data["referred_on"], risk_level=level,
                               recorded_at=utcnow()))
    ids = {"patient_id": data["patient_id"], "site_id": site_id, "referral_id": data["referral_id"]}
    flag = raise_flag(uow, RiskFlag(PHQ9_ITEM9, level), **ids)
    # The event carries the level, not the answer: the least answer of that level puts the screen due.
    item9 = min(rule["min"] for rule in command.instruments.item9_levels() if rule["level"] == level)
    put_safety_screen_due(uow, command.instruments, command.zones, item9, **ids)
    return flag


def _uuid_or_none(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def keep_risk_answer(command: KeepRiskAnswer, uow: UnitOfWork) -> RiskFlagRecord | None:
    """Safety net: a refused PHQ-9 whose item 9 is a valid positive answer, for a patient whose
    episode is known and visible to the caller, still raises its flag (no assessment) and puts the
    C-SSRS due. None when there is no such answer or episode."""
    item9 = refused_item9(command.body, command.instruments)
    patient_id = _uuid_or_none(command.body.get("patient_id")) if item9 is not None else None
    if patient_id is None:
        return None
    enrollment_id = command.body.get("enrollment_id")
    if enrollment_id is not None:
        enrollment_id = _uuid_or_none(enrollment_id)
        if enrollment_id is None:
            return None
    episode = uow.episodes.latest_of_patient(patient_id, enrollment_id)
    if episode is None or not command.caller.sees(episode.site_id):
        return None
    ids = {"patient_id": episode.patient_id, "site_id": episode.site_id,
           "enrollment_id": episode.enrollment_id}
    flag = raise_flag(uow, RiskFlag(PHQ9_ITEM9, command.instruments.item9_risk_level(item9)), **ids)
    put_safety_screen_due(uow, command.instruments, command.zones, item9, **ids)
    uow.audit(command.caller, "create", "risk_flag", flag.flag_id, patient_id=episode.patient_id,
              site_id=episode.site_id)
    return flag


def list_flags(command: ListFlags, uow: UnitOfWork) -> list[RiskFlagRecord]:
    """The flags of the caller's sites, newest first, narrowed by patient, enrollment or referral
    (another site's flags are not there, but for a patient under a break-the-glass grant).
    Audited per patient."""
    caller, sites = command.caller, command.sites
    if command.patient_id:
        every = uow.episodes.of_patient(command.patient_id)  # or only referred, with a risk
        site = every[-1].site_id if every else uow.referrals.site_of_patient(command.patient_id)
        caller, sites = open_listing(uow, caller, command.patient_id, site, command.access, sites)
    found = uow.flags.matching(sites, command.patient_id, command.enrollment_id,
                               command.referral_id, FLAGS_LIMIT)
    for patient_id, site_id in sorted({(flag.patient_id, flag.site_id) for flag in found}):
        uow.audit(caller, "read", "risk_flags", patient_id, patient_id=patient_id,
                  site_id=site_id)
    return found


def show_flag(command: ReadRecord, uow: UnitOfWork) -> RiskFlagRecord:
    """One risk flag; another site's is not found. Audited."""
    flag = uow.flags.get_visible(command.record_id, command.caller, "Risk flag")
    uow.audit(command.caller, "read", "risk_flag", flag.flag_id, patient_id=flag.patient_id,
              site_id=flag.site_id)
    return flag

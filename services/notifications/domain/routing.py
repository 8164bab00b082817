"""Who hears about what, and by which channel: alert rules, staff routing and patient consent.

Contacts are the dicts intake's ``get_contact`` and scheduling's ``get_care_team`` answer with;
nothing here keeps them.
"""
from __future__ import annotations

from dataclasses import dataclass

EMAIL, SMS = "email", "sms"
# A patient gets one copy of a message: by email when consented to, else by SMS.
PATIENT_CHANNEL_ORDER = (EMAIL, SMS)
_ADDRESS_FIELD = {EMAIL: "email", SMS: "phone"}

# RiskFlagRaised reason → CareTeamAlerted reason.
ALERT_REASON_OF_RISK = {"phq9_item9": "risk", "reliable_deterioration": "deterioration"}
MISSED_SESSIONS = "missed_sessions"


@dataclass(frozen=True)
class AlertPlan:
    reason: str
    level: str


@dataclass(frozen=True)
class StaffDelivery:
    staff_id: str
    channel: str
    languages: tuple[str, ...] = ()


def alert_for_risk_flag(level: str, risk_reason: str) -> AlertPlan:
    return AlertPlan(ALERT_REASON_OF_RISK.get(risk_reason, "risk"), level)


def alert_for_missed_sessions(excused: bool, consecutive_missed: int, rules: dict) -> AlertPlan | None:
    """Consecutive unexcused absences from the configured count on alert the care team."""
    if excused or consecutive_missed < rules["missed_session_alert_consecutive"]:
        return None
    return AlertPlan(MISSED_SESSIONS, "moderate")


def checks_in_after_missed_session(excused: bool) -> bool:
    return not excused


def staff_channels(staff: dict, enabled=(EMAIL, SMS)) -> list[str]:
    return [channel for channel in (EMAIL, SMS)
            if channel in enabled and staff.get(_ADDRESS_FIELD[channel])]


def alert_recipients(plan: AlertPlan, care_team: dict | None, enabled=(EMAIL, SMS)) -> list[StaffDelivery]:
    """High: every on-call staff member by every channel they have, at once.
    Otherwise: the patient's primary clinician, or the on-call staff when there is none,
    by one channel each (email first)."""
    care_team = care_team or {}
    on_call = care_team.get("on_call") or []
    if plan.level == "high":
        return [StaffDelivery(s["staff_id"], channel, tuple(s.get("languages") or ()))
                for s in on_call for channel in staff_channels(s, enabled)]
    primary = care_team.get("primary_clinician")
    deliveries = []
    for staff in [primary] if primary else on_call:
        channels = staff_channels(staff, enabled)
        if channels:
            deliveries.append(StaffDelivery(staff["staff_id"], channels[0],
                                            tuple(staff.get("languages") or ())))
    return deliveries


def find_staff(care_team: dict | None, staff_id: str) -> dict | None:
    care_team = care_team or {}
    candidates = list(care_team.get("on_call") or []) + [care_team.get("primary_clinician")]
    return next((s for s in candidates if s and s.get("staff_id") == staff_id), None)


def patient_channel(contact: dict | None, enabled=PATIENT_CHANNEL_ORDER) -> str | None:
    """The channel a patient message goes by: consented to, with an address, and enabled here.
    None means the patient gets no message."""
    if not contact:
        return None
    consented = set(contact.get("channels") or [])
    for channel in PATIENT_CHANNEL_ORDER:
        if channel in enabled and channel in consented and contact.get(_ADDRESS_FIELD[channel]):
            return channel
    return None


def address_for(contact: dict, channel: str) -> str | None:
    return contact.get(_ADDRESS_FIELD[channel])

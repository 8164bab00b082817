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


CARE_TEAM_ALERT, CSSRS_DUE = "care_team_alert", "cssrs_due"  # the alert's kind: its staff message
# Why a routing step reached nobody (the alert's unrouted_reason, the metrics' reason label).
NO_STAFF, NO_CHANNEL = "no_staff", "no_channel"


@dataclass(frozen=True)
class AlertPlan:
    reason: str
    level: str
    kind: str = CARE_TEAM_ALERT


@dataclass(frozen=True)
class StaffDelivery:
    staff_id: str
    channel: str
    languages: tuple[str, ...] = ()


def alert_for_risk_flag(level: str, risk_reason: str) -> AlertPlan:
    return AlertPlan(ALERT_REASON_OF_RISK.get(risk_reason, "risk"), level)


def alert_for_care_team_assessment(instrument: str) -> AlertPlan:
    """An instrument the care team asks (the C-SSRS screener after a positive item 9): the care
    team is told at once, as for a high risk, and the patient is not messaged."""
    return AlertPlan("risk", "high", CSSRS_DUE if instrument == "cssrs" else CARE_TEAM_ALERT)


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
    """High: every on-call staff member and the patient's primary clinician, by every channel
    they have, at once. Otherwise: the primary clinician when they have a usable channel, else the
    on-call staff, by one channel each (email first)."""
    care_team = care_team or {}
    on_call = [s for s in care_team.get("on_call") or [] if s]
    primary = care_team.get("primary_clinician")
    if plan.level == "high":
        return [delivery for staff in _unique(on_call + [primary])
                for delivery in contact_deliveries(staff, enabled)]
    if primary and staff_channels(primary, enabled):
        chosen = [primary]
    else:
        chosen = on_call
    deliveries = []
    for staff in _unique(chosen):
        channels = staff_channels(staff, enabled)
        if channels:
            deliveries.append(StaffDelivery(staff["staff_id"], channels[0],
                                            tuple(staff.get("languages") or ())))
    return deliveries


def contact_deliveries(contact: dict | None, enabled=(EMAIL, SMS)) -> list[StaffDelivery]:
    """One staff member or configured contact, by every channel they have."""
    if not contact:
        return []
    return [StaffDelivery(contact["staff_id"], channel, tuple(contact.get("languages") or ()))
            for channel in staff_channels(contact, enabled)]


def unreachable_reason(care_team: dict | None) -> str:
    """Why alert_recipients found nobody: no staff at all, or staff without a usable channel."""
    care_team = care_team or {}
    if not (care_team.get("on_call") or care_team.get("primary_clinician")):
        return NO_STAFF
    return NO_CHANNEL


def _unique(staff_list) -> list[dict]:
    seen, unique = set(), []
    for staff in staff_list:
        if staff and staff["staff_id"] not in seen:
            seen.add(staff["staff_id"])
            unique.append(staff)
    return unique


def find_staff(care_team: dict | None, staff_id: str, extra=()) -> dict | None:
    """A care-team member, or one of ``extra`` (the site's configured escalation contacts)."""
    care_team = care_team or {}
    candidates = list(extra) + list(care_team.get("on_call") or []) + [care_team.get("primary_clinician")]
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

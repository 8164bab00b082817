"""Care-team alerts once stored: routing marks them reached, staff acknowledge them once."""
from __future__ import annotations

from datetime import datetime

OPEN, ACKNOWLEDGED = "open", "acknowledged"


def acknowledge(alert, by: str, now: datetime, note: str | None = None) -> bool:
    """Acknowledge an open alert, with what was done if said; an acknowledged one keeps who
    acknowledged it first, and their note."""
    if alert.status != OPEN:
        return False
    alert.status, alert.acknowledged_at, alert.acknowledged_by = ACKNOWLEDGED, now, by
    alert.acknowledgement_note = note.strip() if note else None
    return True


def mark_reached(alert, recipients: int, now: datetime, unreached_reason: str | None,
                 reached_before: bool, care_team_step: bool) -> None:
    """One routing step's outcome. Its recipients are added up and the alert counts as routed; a
    step that reached nobody leaves the alert unrouted, with the reason, unless a message of an
    earlier step is sent or still under way (``reached_before``). ``routed_at`` is the care
    team's routing (tier 0) only: until it is set, the timer asks scheduling again."""
    if care_team_step:
        alert.routed_at = now
    if recipients:
        alert.recipients = (alert.recipients or 0) + recipients
        alert.unrouted_reason = None
    elif not reached_before:
        alert.unrouted_reason = unreached_reason


def is_unrouted(alert) -> bool:
    return alert.status == OPEN and alert.unrouted_reason is not None


def alert_event_data(alert) -> dict:
    """CareTeamAlerted data: ids, reason, level and escalation level only."""
    return {"alert_id": alert.id, "patient_id": alert.patient_id, "reason": alert.reason,
            "level": alert.level, "cause_event_id": alert.cause_event_id,
            "escalation_level": alert.escalation_level or 0}

"""Care-team alerts once stored: routing marks them reached, staff acknowledge them once."""
from __future__ import annotations

from datetime import datetime

OPEN, ACKNOWLEDGED = "open", "acknowledged"


def acknowledge(alert, by: str, now: datetime) -> bool:
    """Acknowledge an open alert; an acknowledged one keeps who acknowledged it first."""
    if alert.status != OPEN:
        return False
    alert.status, alert.acknowledged_at, alert.acknowledged_by = ACKNOWLEDGED, now, by
    return True


def mark_routed(alert, recipients: int, now: datetime) -> None:
    """An alert that reached nobody stays unrouted, so the timer tries again."""
    if recipients:
        alert.routed_at, alert.recipients = now, recipients


def alert_event_data(alert) -> dict:
    """CareTeamAlerted data: ids, reason and level only."""
    return {"alert_id": alert.id, "patient_id": alert.patient_id, "reason": alert.reason,
            "level": alert.level, "cause_event_id": alert.cause_event_id}

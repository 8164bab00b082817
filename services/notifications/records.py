"""Reads and the one write staff make: a patient's messages, a site's alerts, acknowledgement."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications.models import Alert, Message


def patient_messages(session: Session, patient_id: str, sites: list[str]) -> list[Message]:
    return list(session.scalars(select(Message).where(
        Message.patient_id == patient_id, Message.site_id.in_(sites))
        .order_by(Message.send_at, Message.created_at)))


def site_alerts(session: Session, sites: list[str], status: str | None, limit: int) -> list[Alert]:
    statement = select(Alert).where(Alert.site_id.in_(sites))
    if status:
        statement = statement.where(Alert.status == status)
    return list(session.scalars(statement.order_by(Alert.created_at.desc()).limit(limit)))


def acknowledge(alert: Alert, by: str, now: datetime) -> bool:
    """Acknowledge an open alert; an acknowledged one keeps who acknowledged it first."""
    if alert.status != "open":
        return False
    alert.status, alert.acknowledged_at, alert.acknowledged_by = "acknowledged", now, by
    return True

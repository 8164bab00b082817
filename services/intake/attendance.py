"""The attendance projection, fed by scheduling's SessionAttended and SessionMissed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shared.db import utcnow

from services.intake.completion import ATTENDED, EXCUSED, MISSED
from services.intake.models import SessionOutcome


def record_session_outcome(session: Session, data: dict, status: str) -> SessionOutcome:
    """One row per booking: a later correction (missed → attended) replaces the earlier word."""
    outcome = session.get(SessionOutcome, data["booking_id"]) or SessionOutcome(
        booking_id=data["booking_id"])
    outcome.enrollment_id = data["enrollment_id"]
    outcome.patient_id = data["patient_id"]
    outcome.session_id = data["session_id"]
    outcome.kind = data["kind"]
    outcome.starts_at = _instant(data["starts_at"])
    outcome.status = status
    outcome.attended_minutes = data.get("attended_minutes")
    outcome.recorded_at = utcnow()
    session.add(outcome)
    session.flush()
    return outcome


def attended(session: Session, data: dict) -> SessionOutcome:
    return record_session_outcome(session, data, ATTENDED)


def missed(session: Session, data: dict) -> SessionOutcome:
    # Excused absences leave the denominator of the attendance rate.
    return record_session_outcome(session, data, EXCUSED if data["excused"] else MISSED)


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)

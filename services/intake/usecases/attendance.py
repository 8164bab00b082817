"""The attendance projection, fed by scheduling's SessionAttended and SessionMissed."""
from __future__ import annotations

from datetime import datetime

from shared.auth import Caller
from shared.clock import utcnow
from shared.events import Event

from services.intake.domain.attendance import ABSENT, ATTENDED, EXCUSED, absence_status
from services.intake.models import SessionOutcome

# The audit's action names predate the shared vocabulary (an absence was "missed"); kept so the
# log reads the same before and after the stored status became "absent".
AUDIT_ACTIONS = {ATTENDED: "record_attended", ABSENT: "record_missed", EXCUSED: "record_excused"}


def record_attended_session(event: Event, uow) -> SessionOutcome:
    return _record_outcome(event, uow, ATTENDED)


def record_missed_session(event: Event, uow) -> SessionOutcome:
    return _record_outcome(event, uow, absence_status(event.data["excused"]))


def _record_outcome(event: Event, uow, status: str) -> SessionOutcome:
    """One row per booking: a later correction (absent → attended) replaces the earlier word."""
    data = event.data
    outcome = uow.attendance.get(data["booking_id"]) or SessionOutcome(
        booking_id=data["booking_id"])
    outcome.enrollment_id = data["enrollment_id"]
    outcome.patient_id = data["patient_id"]
    outcome.session_id = data["session_id"]
    outcome.kind = data["kind"]
    outcome.starts_at = _instant(data["starts_at"])
    outcome.status = status
    outcome.attended_minutes = data.get("attended_minutes")
    outcome.recorded_at = utcnow()
    uow.attendance.add(outcome)
    uow.attendance.flush()
    uow.audit(Caller.service(event.source.rsplit(":", 1)[-1]), AUDIT_ACTIONS[status], "booking",
              outcome.booking_id, patient_id=outcome.patient_id, site_id=event.site_id)
    return outcome


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)

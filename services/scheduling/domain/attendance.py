"""Attendance rules: when it can be recorded, what a recording changes, unexcused misses in a row."""
from __future__ import annotations

from dataclasses import dataclass

from shared.enums import ATTENDANCE_STATUSES
from shared.errors import InvalidFields
from services.scheduling.domain.errors import SessionNotOpen

ATTENDED, MISSED, EXCUSED = ATTENDANCE_STATUSES  # the HTTP contract's words


@dataclass(frozen=True)
class Mark:
    status: str
    attended_minutes: int = 0


def recording_outcome(previous: Mark | None, new: Mark) -> str:
    """``recorded`` (first time), ``unchanged`` (same again: no event) or ``corrected``."""
    if previous is None:
        return "recorded"
    return "unchanged" if previous == new else "corrected"


def consecutive_missed(history: list[str | None]) -> int:
    """Unexcused misses in a row, ending with the latest of ``history`` (oldest first).

    An attended session ends the run; an excused absence or a session without a record neither
    ends nor extends it (the patient was not expected, or we do not know yet).
    """
    run = 0
    for status in history:
        if status == ATTENDED:
            run = 0
        elif status == MISSED:
            run += 1
    return run


def check_recordable(session, now) -> None:
    """Attendance is recorded for a held session: started, not cancelled."""
    if session.status == "cancelled":
        raise SessionNotOpen("The session was cancelled; there is no attendance to record.")
    if session.starts_at > now:
        raise SessionNotOpen(
            f"The session has not started yet (it starts at {session.starts_at.isoformat()}).")


def check_entries(entries, booked_patients, minutes_held: int) -> None:
    """Every entry at once, so a refused request records nothing (errors named ``<index>.field``)."""
    errors, seen = {}, set()
    for index, entry in enumerate(entries):
        if entry["patient_id"] not in booked_patients:
            errors[f"{index}.patient_id"] = ["This patient is not booked on this session."]
        elif entry["patient_id"] in seen:
            errors[f"{index}.patient_id"] = ["Listed more than once."]
        seen.add(entry["patient_id"])
        if (entry.get("attended_minutes") or 0) > minutes_held:
            errors[f"{index}.attended_minutes"] = [f"The session lasts {minutes_held} minutes."]
    if errors:
        raise InvalidFields(errors)

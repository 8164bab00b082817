"""Clinic changes to a session before it is held: cancelling it, moving an appointment."""
from __future__ import annotations

from datetime import datetime

from shared.errors import InvalidFields
from services.scheduling.domain.errors import SeriesKeepsItsTime, SessionNotOpen, TimeClash
from services.scheduling.domain.occurrences import Occurrence, clashes


def check_cancellable(session, now: datetime) -> None:
    if session.status == "cancelled":
        raise SessionNotOpen("The session is already cancelled.")
    if session.starts_at <= now:
        raise SessionNotOpen("The session has already started; record attendance instead.")


def check_movable(booking, session, starts_at: datetime, now: datetime) -> None:
    """Only a booked individual or family appointment that has not started moves, to the future."""
    if booking.status != "booked" or session.status != "scheduled":
        raise SessionNotOpen("The booking is cancelled.")
    if session.series_id is not None:
        raise SeriesKeepsItsTime(
            "A group session keeps its series' time; cancel this booking or the session instead.")
    if session.starts_at <= now:
        raise SessionNotOpen("The session has already started.")
    if starts_at <= now:
        raise InvalidFields({"starts_at": ["Must be in the future."]})


def moved_occurrence(session, starts_at: datetime, patient_busy, staff_busy) -> Occurrence:
    """The session at its new time, as long, clashing with neither the patient nor the therapist."""
    moved = Occurrence(starts_at, starts_at + (session.ends_at - session.starts_at))
    current = Occurrence(session.starts_at, session.ends_at)
    if clashes([moved], [o for o in patient_busy if o != current]):
        raise TimeClash("The patient has another session at that time.")
    if clashes([moved], staff_busy):
        raise TimeClash("The therapist has another session at that time.")
    return moved

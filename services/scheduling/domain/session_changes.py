"""Clinic changes to a session before it is held: cancelling it, moving an appointment."""
from __future__ import annotations

from datetime import datetime

from shared.errors import InvalidFields
from services.scheduling.domain.errors import (NotOnThisRoster, SeriesKeepsItsTime, SessionNotOpen,
                                              TimeClash)
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


def check_roster_addition(session, enrollment, patient_id: str, booked: int, capacity: int,
                          already_booked: bool, period: tuple[datetime, datetime]) -> None:
    """A make-up or walk-in: an active enrollment of this patient and site, on a group or
    education session that is held, has a free place and falls in the enrollment's program."""
    if enrollment is None:
        raise InvalidFields({"enrollment_id": ["Unknown enrollment."]})
    if enrollment.patient_id != patient_id:
        raise InvalidFields({"enrollment_id": ["Not this patient's enrollment."]})
    if enrollment.site_id != session.site_id:
        raise InvalidFields({"enrollment_id": ["An enrollment at another site."]})
    if enrollment.status != "active":
        raise InvalidFields({"enrollment_id": ["The enrollment has ended."]})
    if session.status == "cancelled":
        raise SessionNotOpen("The session was cancelled.")
    if session.series_id is None:
        raise NotOnThisRoster("An individual or family appointment belongs to its one patient.")
    if already_booked:
        raise NotOnThisRoster("The patient is already booked on this session.")
    if booked >= capacity:
        raise NotOnThisRoster(f"The session is full ({capacity} places).")
    if not period[0] <= session.starts_at < period[1]:
        raise NotOnThisRoster("The session falls outside the enrollment's program.")

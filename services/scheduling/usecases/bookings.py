"""A patient's booking on a session: made, cancelled, moved; each change publishes its event."""
from __future__ import annotations

from datetime import datetime

from zoneinfo import ZoneInfo

from services.scheduling.commands import AddToRoster, RescheduleBooking
from services.scheduling.domain.occurrences import start_of_local_day
from services.scheduling.domain.program import program_end
from services.scheduling.domain.session_changes import (check_movable, check_roster_addition,
                                                        moved_occurrence)
from services.scheduling.models import Booking, Session
from services.scheduling.usecases import new_id


def scheduled_event(booking: Booking, session: Session) -> dict:
    return {"booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
            "enrollment_id": booking.enrollment_id, "kind": session.kind,
            "modality": session.modality, "starts_at": session.starts_at,
            "ends_at": session.ends_at, "timezone": session.timezone, "staff_id": session.staff_id}


def book(uow, enrollment, session: Session, now: datetime) -> Booking | None:
    """Book the patient on the session (SessionScheduled); None if already booked."""
    booking = uow.bookings.of_patient_on(enrollment.patient_id, session.id)
    if booking is not None and booking.status == "booked":
        return None
    if booking is None:
        booking = uow.bookings.add(Booking(id=new_id(), session_id=session.id,
                                           patient_id=enrollment.patient_id,
                                           enrollment_id=enrollment.id, site_id=enrollment.site_id,
                                           created_at=now))
    # A cancelled booking comes back (the constraint allows one row per patient and session),
    # now for this enrollment: a patient may be re-enrolled after a discharge.
    booking.status, booking.cancel_reason = "booked", None
    booking.enrollment_id, booking.site_id = enrollment.id, enrollment.site_id
    uow.bookings.flush()  # the unique (patient, session) constraint speaks here, not at commit
    uow.raise_event("SessionScheduled", scheduled_event(booking, session),
                    site_id=enrollment.site_id, subject=booking.id)
    return booking


def cancel(uow, booking: Booking, session: Session, reason: str) -> None:
    booking.status, booking.cancel_reason = "cancelled", reason
    if session.series_id is None:  # an appointment exists only for its one patient
        session.status, session.cancel_reason = "cancelled", reason
    uow.raise_event("SessionCancelled", {"booking_id": booking.id, "session_id": session.id,
                                         "patient_id": booking.patient_id, "reason": reason},
                    site_id=booking.site_id, subject=booking.id)


def cancel_future(uow, enrollment_id: str, after: datetime, reason: str, **session_columns) -> None:
    for booking, session in uow.bookings.future(enrollment_id, after, **session_columns):
        cancel(uow, booking, session, reason)


def reschedule_booking(cmd: RescheduleBooking, uow) -> tuple[Booking, Session, datetime]:
    """Move an individual or family appointment; a group's times belong to its series."""
    booking = uow.bookings.get_visible(cmd.booking_id, cmd.caller)
    cmd.caller.require_site(booking.site_id)
    session = uow.sessions.get(booking.session_id)
    check_movable(booking, session, cmd.starts_at, cmd.now)
    moved = moved_occurrence(session, cmd.starts_at, uow.sessions.patient_busy(booking.patient_id, cmd.now),
                             uow.sessions.staff_busy(session.staff_id, besides=session.id))
    previous = session.starts_at
    session.starts_at, session.ends_at = moved.starts_at, moved.ends_at
    uow.raise_event("SessionRescheduled", {
        "booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
        "starts_at": moved.starts_at, "ends_at": moved.ends_at, "previous_starts_at": previous},
        site_id=booking.site_id, subject=booking.id)
    uow.audit(cmd.caller, "reschedule", "booking", booking.id, patient_id=booking.patient_id,
              site_id=booking.site_id)
    return booking, session, previous


def add_to_roster(cmd: AddToRoster, uow) -> tuple[Booking, Session]:
    """A make-up or walk-in on one group or education session (SessionScheduled), past or future:
    marked like any booking, it counts in the enrollment's attendance."""
    session = uow.sessions.get_visible(cmd.session_id, cmd.caller, "Session")
    cmd.caller.require_site(session.site_id)
    uow.sessions.lock(session.id)  # the place count below holds until commit
    enrollment = uow.enrollments.get(cmd.enrollment_id)
    series = uow.series.get(session.series_id) if session.series_id else None
    existing = uow.bookings.of_patient_on(cmd.patient_id, session.id)
    period = (None, None)
    if enrollment is not None:
        zone = ZoneInfo(session.timezone)
        period = (start_of_local_day(enrollment.start_date, zone), program_end(enrollment, zone))
    check_roster_addition(session, enrollment, cmd.patient_id,
                          booked=len(uow.bookings.booked_on(session.id)),
                          capacity=series.capacity if series else 1,
                          already_booked=existing is not None and existing.status == "booked",
                          period=period)
    booking = book(uow, enrollment, session, cmd.now)
    uow.audit(cmd.caller, "book", "booking", booking.id, patient_id=booking.patient_id,
              site_id=booking.site_id)
    return booking, session

"""What happens to a held or cancelled session: attendance, clinic cancellation, rescheduling."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shared.problems import Conflict, NotFound, validation_problem
from services.scheduling.attendance import Mark, consecutive_missed, recording_outcome
from services.scheduling.booking import clashes
from services.scheduling.reservations import Context, cancel, patient_busy
from services.scheduling.models import Attendance, Booking, Session
from services.scheduling.occurrences import Occurrence


def visible_session(uow, session_id: str, ctx: Context) -> Session:
    session = uow.session.get(Session, session_id)
    if session is None:
        raise NotFound("Session not found.")
    ctx.caller.visible(session.site_id, "Session")
    return session


def record_attendance(uow, session_id: str, entries: list[dict], ctx: Context) -> list[dict]:
    """Check every entry first, so a refused request records nothing."""
    session = visible_session(uow, session_id, ctx)
    ctx.caller.require_site(session.site_id)
    if session.status == "cancelled":
        raise Conflict("The session was cancelled; there is no attendance to record.")
    if session.starts_at > ctx.now:
        raise Conflict(f"The session has not started yet (it starts at {session.starts_at.isoformat()}).")
    booked = {b.patient_id: b for b in uow.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status == "booked"))}
    minutes_held = int((session.ends_at - session.starts_at).total_seconds() // 60)
    errors, seen = {}, set()
    for index, entry in enumerate(entries):
        if entry["patient_id"] not in booked:
            errors[f"{index}.patient_id"] = ["This patient is not booked on this session."]
        elif entry["patient_id"] in seen:
            errors[f"{index}.patient_id"] = ["Listed more than once."]
        seen.add(entry["patient_id"])
        if (entry.get("attended_minutes") or 0) > minutes_held:
            errors[f"{index}.attended_minutes"] = [f"The session lasts {minutes_held} minutes."]
    if errors:
        raise validation_problem(errors)
    return [mark_attendance(uow, session, booked[e["patient_id"]], e, ctx) for e in entries]


def mark_attendance(uow, session: Session, booking: Booking, entry: dict, ctx: Context) -> dict:
    mark = Mark(entry["status"], entry.get("attended_minutes") or 0)
    record = uow.session.get(Attendance, booking.id)
    outcome = recording_outcome(Mark(record.status, record.attended_minutes) if record else None, mark)
    if outcome != "unchanged":
        if record is None:
            record = Attendance(booking_id=booking.id)
            uow.session.add(record)
        record.status, record.attended_minutes = mark.status, mark.attended_minutes
        record.recorded_at, record.recorded_by = ctx.now, ctx.caller.name
        uow.session.flush()
        publish_attendance(uow, session, booking, mark)
        uow.audit(ctx.caller, f"attendance_{outcome}", "booking", booking.id,
                  patient_id=booking.patient_id, site_id=booking.site_id)
    return {"patient_id": booking.patient_id, "booking_id": booking.id, "status": mark.status,
            "attended_minutes": mark.attended_minutes, "outcome": outcome}


def publish_attendance(uow, session: Session, booking: Booking, mark: Mark) -> None:
    common = {"booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
              "enrollment_id": booking.enrollment_id, "kind": session.kind,
              "modality": session.modality, "starts_at": session.starts_at}
    if mark.status == "attended":
        uow.raise_event("SessionAttended", {**common, "attended_minutes": mark.attended_minutes},
                        site_id=booking.site_id, subject=booking.id)
        return
    uow.raise_event("SessionMissed", {**common, "excused": mark.status == "excused",
                                      "consecutive_missed": missed_in_a_row(uow, booking, session)},
                    site_id=booking.site_id, subject=booking.id)


def missed_in_a_row(uow, booking: Booking, session: Session) -> int:
    """The enrollment's attendance, oldest first, up to this session (clinic-cancelled ones left out)."""
    history = uow.session.scalars(
        select(Attendance.status).select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Booking.enrollment_id == booking.enrollment_id, Booking.status == "booked",
               Session.status == "scheduled", Session.starts_at <= session.starts_at)
        .order_by(Session.starts_at))
    return consecutive_missed(list(history))


def cancel_session(uow, session_id: str, reason: str, ctx: Context) -> dict:
    """A clinic cancellation: every booked patient gets SessionCancelled."""
    session = visible_session(uow, session_id, ctx)
    ctx.caller.require_site(session.site_id)
    if session.status == "cancelled":
        raise Conflict("The session is already cancelled.")
    if session.starts_at <= ctx.now:
        raise Conflict("The session has already started; record attendance instead.")
    session.status, session.cancel_reason = "cancelled", reason
    bookings = list(uow.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status == "booked")))
    for booking in bookings:
        cancel(uow, booking, session, reason)
        uow.audit(ctx.caller, "cancel", "booking", booking.id, patient_id=booking.patient_id,
                  site_id=booking.site_id)
    return {"session_id": session.id, "status": session.status, "reason": reason,
            "cancelled_bookings": [b.id for b in bookings]}


def reschedule_booking(uow, booking_id: str, starts_at: datetime, ctx: Context) -> dict:
    """Move an individual or family appointment; a group's times belong to its series."""
    booking = uow.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("Booking not found.")
    ctx.caller.visible(booking.site_id, "Booking")
    ctx.caller.require_site(booking.site_id)
    session = uow.session.get(Session, booking.session_id)
    if booking.status != "booked" or session.status != "scheduled":
        raise Conflict("The booking is cancelled.")
    if session.series_id is not None:
        raise Conflict("A group session keeps its series' time; cancel this booking or the session instead.")
    if session.starts_at <= ctx.now:
        raise Conflict("The session has already started.")
    if starts_at <= ctx.now:
        raise validation_problem({"starts_at": ["Must be in the future."]})
    moved = Occurrence(starts_at, starts_at + (session.ends_at - session.starts_at))
    others = [o for o in patient_busy(uow, booking.patient_id, ctx.now)
              if o != Occurrence(session.starts_at, session.ends_at)]
    if clashes([moved], others):
        raise Conflict("The patient has another session at that time.")
    if clashes([moved], staff_busy(uow, session)):
        raise Conflict("The therapist has another session at that time.")
    previous = session.starts_at
    session.starts_at, session.ends_at = moved.starts_at, moved.ends_at
    uow.raise_event("SessionRescheduled", {
        "booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
        "starts_at": moved.starts_at, "ends_at": moved.ends_at, "previous_starts_at": previous},
        site_id=booking.site_id, subject=booking.id)
    uow.audit(ctx.caller, "reschedule", "booking", booking.id, patient_id=booking.patient_id,
              site_id=booking.site_id)
    return {"booking_id": booking.id, "session_id": session.id, "starts_at": moved.starts_at,
            "ends_at": moved.ends_at, "previous_starts_at": previous, "timezone": session.timezone}


def staff_busy(uow, session: Session) -> list[Occurrence]:
    rows = uow.session.execute(select(Session.starts_at, Session.ends_at).where(
        Session.staff_id == session.staff_id, Session.status == "scheduled", Session.id != session.id))
    return [Occurrence(s, e) for s, e in rows]

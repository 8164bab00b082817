"""Booking rows and their events: book, cancel, seats and the waitlist, inside one unit of work."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from shared.auth import Caller
from services.scheduling.models import (Booking, Enrollment, GroupSeries, SeriesMember, Session,
                                        WaitlistEntry)
from services.scheduling.occurrences import Occurrence, start_of_local_day
from services.scheduling.waitlist import Waiting, position, to_promote


@dataclass(frozen=True)
class Context:
    """What a scheduling decision needs besides the unit of work."""

    now: datetime
    zones: dict[str, ZoneInfo]
    program: dict  # clinical.yaml `program`
    caller: Caller


def new_id() -> str:
    return str(uuid.uuid4())


def scheduled_event(booking: Booking, session: Session) -> dict:
    return {"booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
            "enrollment_id": booking.enrollment_id, "kind": session.kind,
            "modality": session.modality, "starts_at": session.starts_at,
            "ends_at": session.ends_at, "timezone": session.timezone, "staff_id": session.staff_id}


def book(uow, enrollment: Enrollment, session: Session, ctx: Context) -> Booking | None:
    """Book the patient on the session (SessionScheduled); None if already booked."""
    booking = uow.session.scalar(select(Booking).where(
        Booking.patient_id == enrollment.patient_id, Booking.session_id == session.id))
    if booking is not None and booking.status == "booked":
        return None
    if booking is None:
        booking = Booking(id=new_id(), session_id=session.id, patient_id=enrollment.patient_id,
                          enrollment_id=enrollment.id, site_id=enrollment.site_id, created_at=ctx.now)
        uow.session.add(booking)
    # A cancelled booking comes back (the constraint allows one row per patient and session),
    # now for this enrollment: a patient may be re-enrolled after a discharge.
    booking.status, booking.cancel_reason = "booked", None
    booking.enrollment_id, booking.site_id = enrollment.id, enrollment.site_id
    uow.session.flush()  # the unique (patient, session) constraint speaks here, not at commit
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


def future_bookings(uow, enrollment_id: str, after: datetime, **where):
    query = (select(Booking, Session).join(Session, Session.id == Booking.session_id)
             .where(Booking.enrollment_id == enrollment_id, Booking.status == "booked",
                    Session.starts_at >= after).order_by(Session.starts_at))
    for column, value in where.items():
        query = query.where(getattr(Session, column) == value)
    return uow.session.execute(query).all()


def patient_busy(uow, patient_id: str, after: datetime) -> list[Occurrence]:
    rows = uow.session.execute(select(Session.starts_at, Session.ends_at)
                               .join(Booking, Booking.session_id == Session.id)
                               .where(Booking.patient_id == patient_id, Booking.status == "booked",
                                      Session.status == "scheduled", Session.starts_at >= after))
    return [Occurrence(s, e) for s, e in rows]


# -- seats and the waitlist ----------------------------------------------------------------


def take_seat(uow, series_id: str) -> bool:
    """Atomic on every backend: a seat is taken only while one is free."""
    result = uow.session.execute(
        update(GroupSeries).where(GroupSeries.id == series_id,
                                  GroupSeries.seats_taken < GroupSeries.capacity)
        .values(seats_taken=GroupSeries.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def join_series(uow, enrollment: Enrollment, series: GroupSeries, until: datetime, ctx: Context) -> None:
    """Hold a seat on the roster and book the series' occurrences from now until ``until``."""
    member = uow.session.scalar(select(SeriesMember).where(
        SeriesMember.series_id == series.id, SeriesMember.enrollment_id == enrollment.id))
    if member is None:
        uow.session.add(SeriesMember(id=new_id(), series_id=series.id, enrollment_id=enrollment.id,
                                     patient_id=enrollment.patient_id, joined_at=ctx.now))
    else:
        member.joined_at, member.left_at = ctx.now, None
    book_series_until(uow, enrollment, series, until, ctx)


def book_series_until(uow, enrollment, series, until: datetime, ctx: Context) -> None:
    occurrences = uow.session.scalars(select(Session).where(
        Session.series_id == series.id, Session.status == "scheduled",
        Session.starts_at >= bookable_from(enrollment, ctx), Session.starts_at < until)
        .order_by(Session.starts_at))
    for session in occurrences:
        book(uow, enrollment, session, ctx)


def waiting_line(uow, series_id: str) -> list[WaitlistEntry]:
    return list(uow.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.series_id == series_id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)))


def put_on_waitlist(uow, enrollment: Enrollment, series: GroupSeries, ctx: Context) -> int:
    entry = uow.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.series_id == series.id, WaitlistEntry.enrollment_id == enrollment.id))
    if entry is None:
        uow.session.add(WaitlistEntry(series_id=series.id, enrollment_id=enrollment.id,
                                      patient_id=enrollment.patient_id, site_id=enrollment.site_id,
                                      joined_at=ctx.now))
    else:
        entry.status = "waiting"
    uow.session.flush()
    line = [Waiting(e.id, e.enrollment_id) for e in waiting_line(uow, series.id)]
    place = position(line, enrollment.id)
    uow.raise_event("PatientWaitlisted", {"patient_id": enrollment.patient_id,
                                          "enrollment_id": enrollment.id, "track": enrollment.track,
                                          "modality": series.modality, "position": place},
                    site_id=enrollment.site_id, subject=enrollment.id)
    return place


def leave_series(uow, enrollment: Enrollment, series: GroupSeries, reason: str, ctx: Context) -> None:
    """Cancel the patient's future occurrences, free the seat and give it to the first in line."""
    for booking, session in future_bookings(uow, enrollment.id, ctx.now, series_id=series.id):
        cancel(uow, booking, session, reason)
    member = uow.session.scalar(select(SeriesMember).where(
        SeriesMember.series_id == series.id, SeriesMember.enrollment_id == enrollment.id,
        SeriesMember.left_at.is_(None)))
    if member is not None:
        member.left_at = ctx.now
        uow.session.execute(update(GroupSeries).where(GroupSeries.id == series.id)
                            .values(seats_taken=GroupSeries.seats_taken - 1)
                            .execution_options(synchronize_session=False))
        promote_waitlisted(uow, series, ctx)


def promote_waitlisted(uow, series: GroupSeries, ctx: Context) -> None:
    """Give the free seats to the first in line; an enrollment that has ended loses its place."""
    line = []
    for entry in waiting_line(uow, series.id):
        enrollment = uow.session.get(Enrollment, entry.enrollment_id)
        if enrollment is None or enrollment.status != "active" or program_end(enrollment, ctx) <= ctx.now:
            entry.status = "removed"
        else:
            line.append(entry)
    free = uow.session.scalar(select(GroupSeries.capacity - GroupSeries.seats_taken)
                              .where(GroupSeries.id == series.id))
    by_id = {entry.id: entry for entry in line}
    for waiting in to_promote([Waiting(e.id, e.enrollment_id) for e in line], free):
        if not take_seat(uow, series.id):
            return  # another worker filled it meanwhile: the rest keep their place
        entry = by_id[waiting.entry_id]
        entry.status = "promoted"
        enrollment = uow.session.get(Enrollment, entry.enrollment_id)
        join_series(uow, enrollment, series, program_end(enrollment, ctx), ctx)


def program_end(enrollment: Enrollment, ctx: Context) -> datetime:
    """The first instant after the planned period, at the site's local midnight."""
    last_day = enrollment.start_date + timedelta(days=7 * enrollment.planned_weeks)
    return start_of_local_day(last_day, ctx.zones[enrollment.site_id])


def bookable_from(enrollment: Enrollment, ctx: Context) -> datetime:
    """Sessions are booked from the program's first day, or from now once it is running."""
    return max(ctx.now, start_of_local_day(enrollment.start_date, ctx.zones[enrollment.site_id]))

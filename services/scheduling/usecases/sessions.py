"""Sessions: a site's calendar, one session, attendance, and clinic cancellation."""
from __future__ import annotations

from datetime import timedelta

from services.scheduling.commands import CancelSession, ReadRecord, ReadSite, RecordAttendance
from services.scheduling.domain.attendance import (Mark, check_entries, check_recordable,
                                                   consecutive_missed, recording_outcome)
from services.scheduling.domain.occurrences import start_of_local_day
from services.scheduling.domain.session_changes import check_cancellable
from services.scheduling.domain.sites import require_visible_site
from services.scheduling.models import Attendance, Booking, Session
from services.scheduling.usecases.bookings import cancel


def site_calendar(cmd: ReadSite, uow):
    """The site's sessions on the local days ``first`` to ``last``, with booked counts, and for a
    series' session how many wait for a seat in that series: (session, booked, capacity, waiting)."""
    require_visible_site(cmd.site_id, cmd.zones, cmd.caller)
    zone = cmd.zones[cmd.site_id]
    rows = uow.sessions.calendar(cmd.site_id, start_of_local_day(cmd.first, zone),
                                 start_of_local_day(cmd.last + timedelta(days=1), zone))
    waiting = uow.waitlist.waiting_counts({s.series_id for s, _, _ in rows if s.series_id})
    return [(s, booked, capacity, waiting.get(s.series_id, 0) if s.series_id else None)
            for s, booked, capacity in rows]


def session_with_bookings(cmd: ReadRecord, uow) -> tuple[Session, list, list[str]]:
    """The session, its bookings with attendance, and (a family session) its related persons."""
    session = uow.sessions.get_visible(cmd.record_id, cmd.caller)
    uow.audit(cmd.caller, "read", "session", session.id, site_id=session.site_id)
    return (session, uow.bookings.on_session_with_attendance(session.id),
            uow.family.participants([session.id]).get(session.id, []))


def record_attendance(cmd: RecordAttendance, uow) -> list[tuple[Booking, Mark, str]]:
    """Check every entry first, so a refused request records nothing; each change is published."""
    session = uow.sessions.get_visible(cmd.session_id, cmd.caller)
    check_recordable(session, cmd.now)
    booked = {b.patient_id: b for b in uow.bookings.booked_on(session.id)}
    check_entries(cmd.entries, booked, int((session.ends_at - session.starts_at).total_seconds() // 60))
    return [mark_attendance(uow, cmd, session, booked[entry["patient_id"]],
                            Mark(entry["status"], entry.get("attended_minutes") or 0))
            for entry in cmd.entries]


def mark_attendance(uow, cmd: RecordAttendance, session: Session, booking: Booking,
                    mark: Mark) -> tuple[Booking, Mark, str]:
    record = uow.attendance.get(booking.id)
    outcome = recording_outcome(Mark(record.status, record.attended_minutes) if record else None, mark)
    if outcome != "unchanged":
        if record is None:
            record = uow.attendance.add(Attendance(booking_id=booking.id))
        record.status, record.attended_minutes = mark.status, mark.attended_minutes
        record.recorded_at, record.recorded_by = cmd.now, cmd.caller.name
        uow.attendance.flush()
        publish_attendance(uow, session, booking, mark)
        uow.audit(cmd.caller, f"attendance_{outcome}", "booking", booking.id,
                  patient_id=booking.patient_id, site_id=booking.site_id)
    return booking, mark, outcome


def publish_attendance(uow, session: Session, booking: Booking, mark: Mark) -> None:
    common = {"booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
              "enrollment_id": booking.enrollment_id, "kind": session.kind,
              "modality": session.modality, "starts_at": session.starts_at}
    if mark.status == "attended":
        uow.raise_event("SessionAttended", {**common, "attended_minutes": mark.attended_minutes},
                        site_id=booking.site_id, subject=booking.id)
        return
    missed = consecutive_missed(uow.attendance.history(booking.enrollment_id, session.starts_at))
    uow.raise_event("SessionMissed", {**common, "excused": mark.status == "excused",
                                      "consecutive_missed": missed},
                    site_id=booking.site_id, subject=booking.id)


def cancel_session(cmd: CancelSession, uow) -> tuple[Session, list[Booking]]:
    """A clinic cancellation: every booked patient gets SessionCancelled."""
    session = uow.sessions.get_visible(cmd.session_id, cmd.caller)
    cmd.caller.require_site(session.site_id)
    check_cancellable(session, cmd.now)
    session.status, session.cancel_reason = "cancelled", cmd.reason
    bookings = uow.bookings.booked_on(session.id)
    for booking in bookings:
        cancel(uow, booking, session, cmd.reason)
        uow.audit(cmd.caller, "cancel", "booking", booking.id, patient_id=booking.patient_id,
                  site_id=booking.site_id)
    return session, bookings

"""Session reminders follow the booking: planned when scheduled, replaced when moved, skipped
when cancelled. Events of one booking come in any order; the latest fact wins."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from services.notifications.commands import ChangeBooking
from services.notifications.domain import bookings, reminders, templates
from services.notifications.domain.messages import FAMILY
from services.notifications.models import SessionBooking


def plan_session_reminders(command: ChangeBooking, uow) -> None:
    event, data = command.event, command.event.data
    booking = uow.bookings.get(data["booking_id"])
    if booking is None:
        booking = uow.bookings.add(_booking(event, timezone=data["timezone"], starts_at=data["starts_at"]))
        booking.kind = data["kind"]
    else:
        learned_family = booking.kind is None and data["kind"] == "family"
        booking.kind = data["kind"]
        booking.timezone = data["timezone"]  # with the kind, the fields later events do not carry
        if bookings.is_superseded(booking, event.time):
            # A reschedule that overtook this event planned the patient's reminders not knowing
            # the session is a family one: the related persons' steps, for the time it holds now.
            if learned_family and booking.status == bookings.SCHEDULED and booking.starts_at:
                _plan_reminders(uow, command, booking, family_only=True)
            return
        booking.starts_at, booking.last_event_time = data["starts_at"], event.time
    _plan_reminders(uow, command, booking)


def move_session_reminders(command: ChangeBooking, uow) -> None:
    event, data = command.event, command.event.data
    booking = uow.bookings.get(data["booking_id"])
    if booking is None:  # the reschedule overtook its SessionScheduled
        booking = uow.bookings.add(_booking(event, timezone=command.site_zone.key))
    elif bookings.is_superseded(booking, event.time):
        return
    booking.starts_at, booking.last_event_time = data["starts_at"], event.time
    uow.messages.skip_pending_of_booking(booking.booking_id, bookings.RESCHEDULED)
    _plan_reminders(uow, command, booking)


def drop_session_reminders(command: ChangeBooking, uow) -> None:
    event = command.event
    booking = uow.bookings.get(event.data["booking_id"])
    if booking is None:
        booking = uow.bookings.add(_booking(event, timezone="UTC", status=bookings.CANCELLED))
    booking.status = bookings.CANCELLED
    booking.last_event_time = max(booking.last_event_time, event.time)
    uow.messages.skip_pending_of_booking(booking.booking_id, bookings.CANCELLED)


def _booking(event, *, timezone: str, starts_at=None, status: str = bookings.SCHEDULED) -> SessionBooking:
    data = event.data
    return SessionBooking(booking_id=data["booking_id"], session_id=data["session_id"],
                          patient_id=data["patient_id"], site_id=event.site_id, timezone=timezone,
                          starts_at=starts_at, status=status, last_event_time=event.time)


def _plan_reminders(uow, command: ChangeBooking, booking: SessionBooking,
                    family_only: bool = False) -> None:
    zone = ZoneInfo(booking.timezone)
    details = {"starts_at": booking.starts_at.isoformat(), "timezone": booking.timezone}
    for planned in reminders.plan_reminders(booking.starts_at, zone, command.now, command.rules):
        if not family_only:
            uow.messages.plan(command.event, templates.reminder_template(planned.hours_before),
                              # a skipped reminder lists the time it was due
                              patient_id=booking.patient_id,
                              send_at=planned.send_at or planned.due_at, now=command.now,
                              skipped=planned.skipped, booking_id=booking.booking_id,
                              expires_at=booking.starts_at, details=details)
        if booking.kind == "family":
            # Who takes part is asked of scheduling when the reminder is due, so a related person
            # added or withdrawn since the booking is reached, or not, as they are then.
            uow.messages.plan(command.event,
                              templates.family_reminder_templates(planned.hours_before)[0],
                              patient_id=booking.patient_id, recipient_type=FAMILY,
                              send_at=planned.send_at or planned.due_at, now=command.now,
                              skipped=planned.skipped, booking_id=booking.booking_id,
                              expires_at=booking.starts_at,
                              details={**details, "session_id": booking.session_id})

"""From events to planned messages and alerts, inside the handler's unit of work.

The rules (when, who, which template) come from reminders.py, routing.py and templates.py; this
module stores their answers. Every message is keyed by cause event, template and recipient.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.notifications import reminders, routing, templates as t
from services.notifications.models import Alert, Message, SessionBooking


def idempotency_key(cause_event_id: str, template: str, recipient_type: str, recipient_id: str,
                    channel: str | None = None) -> str:
    recipient = f"{recipient_type}:{recipient_id}" + (f":{channel}" if channel else "")
    return f"{cause_event_id}/{template}/{recipient}"


def plan_message(session: Session, event, template: str, *, patient_id: str, send_at: datetime | None,
                 now: datetime, recipient_type: str = "patient", recipient_id: str | None = None,
                 channel: str | None = None, skipped: str | None = None, **fields) -> Message | None:
    """Store one message unless its key exists (the same cause seen again)."""
    recipient_id = recipient_id or patient_id
    key = idempotency_key(event.id, template, recipient_type, recipient_id, channel)
    if session.scalar(select(Message.id).where(Message.idempotency_key == key)):
        return None
    message = Message(
        id=str(uuid.uuid4()), idempotency_key=key, cause_event_id=event.id, cause_type=event.type,
        template=template, recipient_type=recipient_type, recipient_id=recipient_id, channel=channel,
        patient_id=patient_id, site_id=event.site_id, send_at=send_at, next_attempt_at=send_at,
        status="skipped" if skipped else "scheduled", skip_reason=skipped, attempts=0,
        created_at=now, details=json.dumps(fields.pop("details", {})), **fields)
    session.add(message)
    return message


# -- session reminders -------------------------------------------------------------------


def schedule_reminders(session: Session, event, now: datetime, rules: dict) -> None:
    data = event.data
    starts_at = data["starts_at"]
    booking = session.get(SessionBooking, data["booking_id"])
    if booking is None:
        booking = SessionBooking(booking_id=data["booking_id"], session_id=data["session_id"],
                                 patient_id=data["patient_id"], site_id=event.site_id,
                                 timezone=data["timezone"], starts_at=starts_at, status="scheduled",
                                 last_event_time=event.time)
        session.add(booking)
    else:
        booking.timezone = data["timezone"]  # the only field later events do not carry
        if booking.status == "cancelled" or booking.last_event_time > event.time:
            return  # a later reschedule or cancellation was handled first
        booking.starts_at, booking.last_event_time = starts_at, event.time
    _plan_booking_reminders(session, event, booking, now, rules)


def move_reminders(session: Session, event, now: datetime, rules: dict, site_zone: ZoneInfo) -> None:
    data = event.data
    booking = session.get(SessionBooking, data["booking_id"])
    if booking is None:  # the reschedule overtook its SessionScheduled
        booking = SessionBooking(booking_id=data["booking_id"], session_id=data["session_id"],
                                 patient_id=data["patient_id"], site_id=event.site_id,
                                 timezone=site_zone.key, status="scheduled", last_event_time=event.time)
        session.add(booking)
    elif booking.status == "cancelled" or booking.last_event_time > event.time:
        return
    booking.starts_at, booking.last_event_time = data["starts_at"], event.time
    _skip_pending_reminders(session, booking.booking_id, "rescheduled")
    _plan_booking_reminders(session, event, booking, now, rules)


def drop_reminders(session: Session, event) -> None:
    data = event.data
    booking = session.get(SessionBooking, data["booking_id"])
    if booking is None:
        booking = SessionBooking(booking_id=data["booking_id"], session_id=data["session_id"],
                                 patient_id=data["patient_id"], site_id=event.site_id, timezone="UTC",
                                 status="cancelled", last_event_time=event.time)
        session.add(booking)
    booking.status, booking.last_event_time = "cancelled", max(booking.last_event_time, event.time)
    _skip_pending_reminders(session, booking.booking_id, "cancelled")


def _plan_booking_reminders(session, event, booking: SessionBooking, now, rules) -> None:
    zone = ZoneInfo(booking.timezone)
    for planned in reminders.plan_reminders(booking.starts_at, zone, now, rules):
        plan_message(session, event, t.reminder_template(planned.hours_before),
                     # a skipped reminder lists the time it was due
                     patient_id=booking.patient_id, send_at=planned.send_at or planned.due_at, now=now,
                     skipped=planned.skipped, booking_id=booking.booking_id,
                     expires_at=booking.starts_at,
                     details={"starts_at": booking.starts_at.isoformat(), "timezone": booking.timezone})


def _skip_pending_reminders(session: Session, booking_id: str, reason: str) -> None:
    session.execute(update(Message).where(Message.booking_id == booking_id,
                                          Message.status == "scheduled")
                    .values(status="skipped", skip_reason=reason))


# -- outreach and alerts -----------------------------------------------------------------


@dataclass
class Planned:
    """What a handler stored that may be due at once: messages to send, alerts to route."""
    message_ids: list[str] = field(default_factory=list)
    alert_ids: list[str] = field(default_factory=list)

    def add(self, message: Message | None = None, alert: Alert | None = None) -> "Planned":
        if message is not None:
            self.message_ids.append(message.id)
        if alert is not None:
            self.alert_ids.append(alert.id)
        return self


def reach_out_after_missed_session(uow, event, now: datetime, zone: ZoneInfo, rules: dict) -> Planned:
    """An unexcused absence: a check-in to the patient; enough in a row: an alert too."""
    data, planned = event.data, Planned()
    if routing.checks_in_after_missed_session(data["excused"]):
        planned.add(plan_patient_message(uow.session, event, t.MISSED_SESSION_CHECKIN, now, zone, rules))
    plan = routing.alert_for_missed_sessions(data["excused"], data["consecutive_missed"], rules)
    if plan is not None:
        planned.add(alert=raise_alert(uow, event, plan, now))
    return planned


def alert_on_risk_flag(uow, event, now: datetime) -> Planned:
    plan = routing.alert_for_risk_flag(event.data["level"], event.data["reason"])
    return Planned().add(alert=raise_alert(uow, event, plan, now))


def ask_to_complete_assessment(session, event, now: datetime, zone: ZoneInfo, rules: dict) -> Planned:
    return Planned().add(plan_patient_message(session, event, t.ASSESSMENT_DUE, now, zone, rules))


def congratulate_and_plan_aftercare(session, event, now: datetime, zone: ZoneInfo, rules: dict) -> Planned:
    planned = Planned().add(plan_patient_message(session, event, t.PROGRAM_COMPLETED, now, zone, rules))
    checkin_at = reminders.aftercare_checkin_time(event.data["completed_on"], event.time, zone, rules)
    plan_message(session, event, t.AFTERCARE_CHECKIN, patient_id=event.data["patient_id"],
                 send_at=checkin_at, now=now)
    return planned


def plan_patient_message(session, event, template: str, now: datetime, zone: ZoneInfo, rules: dict,
                         at: datetime | None = None) -> Message | None:
    send_at = reminders.patient_message_time(at or now, zone, rules)
    return plan_message(session, event, template, patient_id=event.data["patient_id"],
                        send_at=send_at, now=now)


def raise_alert(uow, event, plan: routing.AlertPlan, now: datetime) -> Alert | None:
    """Store the alert and publish CareTeamAlerted; staff are routed after commit."""
    if uow.session.scalar(select(Alert.id).where(Alert.cause_event_id == event.id)):
        return None
    alert = Alert(id=str(uuid.uuid4()), cause_event_id=event.id, site_id=event.site_id,
                  patient_id=event.data["patient_id"], reason=plan.reason, level=plan.level,
                  status="open", created_at=now, recipients=0)
    uow.session.add(alert)
    uow.raise_event("CareTeamAlerted", {
        "alert_id": alert.id, "patient_id": alert.patient_id, "reason": alert.reason,
        "level": alert.level, "cause_event_id": event.id}, site_id=alert.site_id, subject=alert.id)
    return alert


def route_alert(session: Session, alert: Alert, care_team: dict | None, now: datetime,
                enabled_channels) -> list[str]:
    """One message per staff member and channel the routing rules choose; their ids."""
    cause = _Cause(alert.cause_event_id, "CareTeamAlerted", alert.site_id)
    ids = []
    for delivery in routing.alert_recipients(routing.AlertPlan(alert.reason, alert.level), care_team,
                                              enabled_channels):
        message = plan_message(session, cause, t.CARE_TEAM_ALERT, patient_id=alert.patient_id,
                               send_at=now, now=now, recipient_type="staff",
                               recipient_id=delivery.staff_id, channel=delivery.channel,
                               alert_id=alert.id, details={"level": alert.level})
        if message is not None:
            ids.append(message.id)
    if ids:  # an alert that reached nobody stays unrouted, so the timer tries again
        alert.routed_at, alert.recipients = now, len(ids)
    return ids


class _Cause:
    def __init__(self, event_id: str, event_type: str, site_id: str):
        self.id, self.type, self.site_id = event_id, event_type, site_id

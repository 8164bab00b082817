"""Every query of the notifications service, one repository per aggregate (``uow.<name>``)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import func, select, update

from shared.repository import Repository

from services.notifications.domain.messages import PATIENT, SCHEDULED, SENDING, SENT, SKIPPED, idempotency_key
from services.notifications.models import Alert, AlertStep, DeliveryAttempt, Message, SessionBooking


class Bookings(Repository):
    model = SessionBooking


class Messages(Repository):
    model = Message

    def plan(self, cause, template: str, *, patient_id: str, send_at: datetime | None, now: datetime,
             recipient_type: str = PATIENT, recipient_id: str | None = None, channel: str | None = None,
             skipped: str | None = None, details: dict | None = None, **fields) -> Message | None:
        """Store one message for a cause (an event: id, type, site_id) unless its key exists:
        the same cause seen again adds nothing."""
        recipient_id = recipient_id or patient_id
        key = idempotency_key(cause.id, template, recipient_type, recipient_id, channel)
        if self.session.scalar(select(Message.id).where(Message.idempotency_key == key)):
            return None
        return self.add(Message(
            id=str(uuid.uuid4()), idempotency_key=key, cause_event_id=cause.id, cause_type=cause.type,
            template=template, recipient_type=recipient_type, recipient_id=recipient_id, channel=channel,
            patient_id=patient_id, site_id=cause.site_id, send_at=send_at, next_attempt_at=send_at,
            status=SKIPPED if skipped else SCHEDULED, skip_reason=skipped, attempts=0,
            created_at=now, details=json.dumps(details or {}), **fields))

    def of_patient(self, patient_id: str, sites: list[str]) -> list[Message]:
        return list(self.session.scalars(select(Message).where(
            Message.patient_id == patient_id, Message.site_id.in_(sites))
            .order_by(Message.send_at, Message.created_at)))

    def site_of_patient(self, patient_id: str) -> str | None:
        """The site of the patient's latest message (None: no message here)."""
        return self.session.scalar(select(Message.site_id).where(Message.patient_id == patient_id)
                                   .order_by(Message.created_at.desc()).limit(1))

    def due_ids(self, now: datetime, limit: int) -> list[str]:
        """Scheduled messages whose (next) attempt time has come, oldest first."""
        return list(self.session.scalars(
            select(Message.id).where(Message.status == SCHEDULED, Message.next_attempt_at <= now)
            .order_by(Message.next_attempt_at).limit(limit)))

    def skipped(self, recipient_type: str, recipient_id: str, template: str,
                reason: str) -> list[Message]:
        return list(self.session.scalars(select(Message).where(
            Message.recipient_type == recipient_type, Message.recipient_id == recipient_id,
            Message.template == template, Message.status == SKIPPED, Message.skip_reason == reason)))

    def skip_pending_of_booking(self, booking_id: str, reason: str) -> None:
        self.session.execute(update(Message).where(Message.booking_id == booking_id,
                                                   Message.status == SCHEDULED)
                             .values(status="skipped", skip_reason=reason))

    def claim(self, message_id: str, claimed_at: datetime) -> bool:
        """``scheduled`` → ``sending`` in one statement: of two racing claims one wins."""
        claimed = self.session.execute(
            update(Message).where(Message.id == message_id, Message.status == SCHEDULED)
            .values(status=SENDING, claimed_at=claimed_at, attempts=Message.attempts + 1))
        return claimed.rowcount == 1

    def set(self, message_id: str, **values) -> None:
        self.session.execute(update(Message).where(Message.id == message_id).values(**values))

    def interrupted_ids(self, claimed_before: datetime) -> list[str]:
        return list(self.session.scalars(select(Message.id).where(
            Message.status == SENDING, Message.claimed_at < claimed_before)))

    def fail_if_interrupted(self, message_id: str, claimed_before: datetime, error: str) -> bool:
        done = self.session.execute(update(Message).where(
            Message.id == message_id, Message.status == SENDING, Message.claimed_at < claimed_before)
            .values(status="failed", last_error=error))
        return done.rowcount == 1

    def alert_reached(self, alert_id: str) -> bool:
        """Whether a message of the alert was sent or may still be (scheduled or being sent)."""
        return self.session.scalar(select(Message.id).where(
            Message.alert_id == alert_id, Message.status.in_((SCHEDULED, SENDING, SENT))).limit(1)) is not None

    def refresh(self, message: Message) -> Message:
        self.session.refresh(message)
        return message


class DeliveryAttempts(Repository):
    model = DeliveryAttempt


UNROUTED = "unrouted"  # a listing status, not a stored one


class Alerts(Repository):
    model = Alert

    def cause_seen(self, cause_event_id: str) -> bool:
        return self.session.scalar(select(Alert.id).where(
            Alert.cause_event_id == cause_event_id)) is not None

    def locked(self, alert_id: str) -> Alert:
        """Locked: the handler and the timer may route the same new alert at once."""
        return self.session.get(Alert, alert_id, with_for_update=True)

    def of_sites(self, sites: list[str], status: str | None, limit: int) -> list[Alert]:
        """``status`` open / acknowledged, or unrouted: open alerts that reached nobody."""
        statement = select(Alert).where(Alert.site_id.in_(sites))
        if status == UNROUTED:
            statement = statement.where(Alert.status == "open", Alert.unrouted_reason.is_not(None))
        elif status:
            statement = statement.where(Alert.status == status)
        return list(self.session.scalars(statement.order_by(Alert.created_at.desc()).limit(limit)))

    def unrouted_ids(self, limit: int) -> list[str]:
        return list(self.session.scalars(select(Alert.id).where(
            Alert.routed_at.is_(None), Alert.status == "open").order_by(Alert.created_at).limit(limit)))


    def escalation_due_ids(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.scalars(select(Alert.id).where(
            Alert.status == "open", Alert.escalate_at <= now).order_by(Alert.escalate_at).limit(limit)))

    def unrouted_open_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Alert).where(
            Alert.status == "open", Alert.unrouted_reason.is_not(None)))


class AlertSteps(Repository):
    model = AlertStep

    def unreached_counts(self) -> dict[str, int]:
        """Routing steps that reached nobody, by reason (only ever grows: steps are kept)."""
        rows = self.session.execute(select(AlertStep.unreached_reason, func.count()).where(
            AlertStep.unreached_reason.is_not(None)).group_by(AlertStep.unreached_reason))
        return {reason: count for reason, count in rows}

    def of_alerts(self, alert_ids: list[str]) -> dict[str, list[AlertStep]]:
        steps: dict[str, list[AlertStep]] = {alert_id: [] for alert_id in alert_ids}
        for step in self.session.scalars(select(AlertStep).where(AlertStep.alert_id.in_(alert_ids))
                                         .order_by(AlertStep.id)):
            steps[step.alert_id].append(step)
        return steps


REPOSITORIES = {"bookings": Bookings, "messages": Messages, "delivery_attempts": DeliveryAttempts,
                "alerts": Alerts,
                "alert_steps": AlertSteps}

"""The notifications service's tables (its own database; the kit's outbox, inbox and audit tables included).

No contact details are stored: addresses come from intake and scheduling by RPC at send time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import SerialId, UtcDateTime, kit_metadata

MESSAGE_STATUSES = ("scheduled", "sending", "sent", "skipped", "failed")
ALERT_STATUSES = ("open", "acknowledged")


class Base(DeclarativeBase):
    metadata = kit_metadata()


class SessionBooking(Base):
    """Projection of scheduling's bookings: what reminders need when a session moves or is cancelled."""

    __tablename__ = "session_bookings"
    booking_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36))
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | cancelled
    # The session's kind (SessionScheduled): a family session's reminders reach its related
    # persons too, after a reschedule as well. None: only a later event was seen.
    kind: Mapped[str | None] = mapped_column(String(16))
    # Events of one booking arrive on separate queues: the latest fact wins by its time.
    last_event_time: Mapped[datetime] = mapped_column(UtcDateTime)


class Message(Base):
    """One message to one recipient, claimed by its status before it is sent."""

    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # cause event id / template / recipient: a redelivered event cannot add a second copy.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    cause_event_id: Mapped[str] = mapped_column(String(36))
    cause_type: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    recipient_type: Mapped[str] = mapped_column(String(16))  # patient | staff
    recipient_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str | None] = mapped_column(String(16))  # staff: fixed; patient: chosen at send time
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[str | None] = mapped_column(String(36), index=True)
    alert_id: Mapped[str | None] = mapped_column(String(36))
    # When and where only (ISO times, zone, alert level): never contacts or clinical content.
    details: Mapped[str] = mapped_column(Text, default="{}")
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a reminder is moot after its session starts
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_messages_due", "status", "next_attempt_at"),)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | error | skipped | interrupted
    error: Mapped[str | None] = mapped_column(String(500))  # exception type and code, no addresses


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cause_event_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Recipients are resolved from scheduling after the alert is stored, so an alert survives
    # scheduling being down; the timer routes what is still unrouted.
    routed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    # What the person who acknowledged it wrote (what was done): health data, so never in an
    # event or a log; shown with the alert to its site's staff.
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)
    # The referral whose screening raised it (no enrollment yet), when raised at referral.
    referral_id: Mapped[str | None] = mapped_column(String(36))
    # What the staff message says: care_team_alert, or cssrs_due (the screener is due).
    kind: Mapped[str] = mapped_column(String(32), default="care_team_alert")
    # 0 the care team, 1 the site's escalation contact, 2 the site lead (domain/escalation.py).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # When it goes up a tier unless acknowledged; null at the last tier.
    escalate_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Set while the alert has reached nobody (no_staff, no_channel, no_contact_configured,
    # care_team_unavailable, delivery_failed): GET /alerts?status=unrouted and /metrics show it.
    unrouted_reason: Mapped[str | None] = mapped_column(String(32))


class AlertStep(Base):
    """Each routing step of an alert: the first routing, then each escalation, with whom it reached."""

    __tablename__ = "alert_steps"
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    escalation_level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))  # raised | nobody_reached | not_acknowledged | delivery_failed
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipients: Mapped[int] = mapped_column(Integer)
    unreached_reason: Mapped[str | None] = mapped_column(String(32))  # when recipients is 0

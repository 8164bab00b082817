"""Stored messages: one per cause event, template and recipient, whatever redelivers the cause.

Messages are taken duck-typed (``status``, ``next_attempt_at``, ``expires_at``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SCHEDULED, SENDING, SENT, SKIPPED, FAILED = "scheduled", "sending", "sent", "skipped", "failed"
# A referrer message's recipient_id is the enrollment whose referring provider it goes to.
PATIENT, STAFF, REFERRER = "patient", "staff", "referrer"
# A family session's reminder: one message per related person taking part (RELATED_PERSON),
# planned when the reminder is due from a FAMILY message, which is never sent itself.
RELATED_PERSON, FAMILY = "related_person", "family"


def idempotency_key(cause_event_id: str, template: str, recipient_type: str, recipient_id: str,
                    channel: str | None = None) -> str:
    recipient = f"{recipient_type}:{recipient_id}" + (f":{channel}" if channel else "")
    return f"{cause_event_id}/{template}/{recipient}"


def is_due(message, now: datetime) -> bool:
    return message.status == SCHEDULED and message.next_attempt_at <= now


def has_expired(message, now: datetime) -> bool:
    return message.expires_at is not None and message.expires_at <= now


@dataclass
class Planned:
    """What a handler stored that may be due at once: messages to send, alerts to route."""
    message_ids: list[str] = field(default_factory=list)
    alert_ids: list[str] = field(default_factory=list)

    def add(self, message=None, alert=None) -> "Planned":
        if message is not None:
            self.message_ids.append(message.id)
        if alert is not None:
            self.alert_ids.append(alert.id)
        return self

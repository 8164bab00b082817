"""One message's delivery, step by step, each step its own transaction: claim it, then record
what the channel did (sent, skipped, failed or to retry), with its delivery attempt and event.

The claim (``scheduled`` → ``sending``) commits before any channel is used, so a second
dispatcher finds nothing to send; a claim left by a process that died mid-send is failed, not
resent: whether the channel delivered it is unknown, and a copy is worse than a visible failure.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

from shared.clock import utcnow

from services.notifications.commands import (ClaimMessage, FailInterrupted, PlanFamilyReminders,
                                             RecordFailure, RecordSent, RecordSkip)
from services.notifications.domain import delivery, messages, templates
from services.notifications.models import DeliveryAttempt, Message


def claim_message(command: ClaimMessage, uow) -> Message | str | None:
    """The claimed message; ``"skipped"`` for a reminder whose session has begun; None when
    it is not due or another dispatcher claimed it."""
    message = uow.messages.get(command.message_id)
    if message is None or not messages.is_due(message, command.now):
        return None
    if messages.has_expired(message, command.now):
        message.status, message.skip_reason = messages.SKIPPED, delivery.EXPIRED
        return messages.SKIPPED
    if not uow.messages.claim(message.id, utcnow()):
        return None
    return uow.messages.refresh(message)


def record_sent(command: RecordSent, uow) -> str:
    message = command.message
    uow.messages.set(message.id, status=messages.SENT, channel=command.channel,
                     language=command.language, sent_at=utcnow(), last_error=None)
    _attempt(uow, message, command.channel, "sent")
    uow.raise_event("NotificationSent", delivery.notification_event_data(message, command.channel),
                    site_id=message.site_id, subject=message.id)
    return messages.SENT


def record_skip(command: RecordSkip, uow) -> str:
    message = command.message
    uow.messages.set(message.id, status=messages.SKIPPED, skip_reason=command.reason)
    _attempt(uow, message, None, "skipped", command.reason)
    return messages.SKIPPED


def record_failure(command: RecordFailure, uow) -> str:
    """A failed attempt: retried at ``retry_at``, or, when ``final``, failed for good."""
    message = command.message
    values = {"last_error": command.error, "channel": command.channel or message.channel}
    if command.final:
        values["status"] = messages.FAILED
    else:
        values.update(status=messages.SCHEDULED, next_attempt_at=command.retry_at)
    uow.messages.set(message.id, **values)
    _attempt(uow, message, command.channel, "error", command.error)
    if command.final:
        uow.raise_event("NotificationFailed", {
            **delivery.notification_event_data(message, command.channel), "error": command.error,
            "attempts": message.attempts}, site_id=message.site_id, subject=message.id)
    return messages.FAILED if command.final else "retrying"


def fail_interrupted_send(command: FailInterrupted, uow) -> bool:
    if not uow.messages.fail_if_interrupted(command.message_id, command.claimed_before,
                                            delivery.INTERRUPTED):
        return False
    message = uow.messages.get(command.message_id)
    _attempt(uow, message, message.channel, "interrupted", delivery.INTERRUPTED)
    uow.raise_event("NotificationFailed", {
        **delivery.notification_event_data(message, message.channel), "error": delivery.INTERRUPTED,
        "attempts": max(message.attempts, 1)}, site_id=message.site_id, subject=message.id)
    return True


def _attempt(uow, message, channel, outcome: str, error: str | None = None) -> None:
    uow.delivery_attempts.add(DeliveryAttempt(message_id=message.id, attempt=max(message.attempts, 1),
                                              channel=channel, at=utcnow(), outcome=outcome, error=error))


def plan_family_reminders(command: PlanFamilyReminders, uow) -> list[str]:
    """The related persons' messages of a due family reminder, stored with the step marked done
    in one transaction: a step seen twice (two dispatchers, a retry) adds no second copy, keyed
    by the same cause, template and person. Their consent is checked when each is sent."""
    step = uow.messages.get(command.message.id)
    if step is None or not messages.is_due(step, command.now):
        return []
    if messages.has_expired(step, command.now):
        step.status, step.skip_reason = messages.SKIPPED, delivery.EXPIRED
        return []
    cause = SimpleNamespace(id=step.cause_event_id, type=step.cause_type, site_id=step.site_id)
    planned = [uow.messages.plan(cause, templates.related_person_template(step.template),
                                 patient_id=step.patient_id, recipient_type=messages.RELATED_PERSON,
                                 recipient_id=person_id, send_at=step.send_at, now=command.now,
                                 booking_id=step.booking_id, expires_at=step.expires_at,
                                 details=json.loads(step.details or "{}"))
               for person_id in command.related_person_ids]
    step.status, step.sent_at, step.attempts = messages.SENT, utcnow(), step.attempts + 1
    _attempt(uow, step, None, "planned")
    return [message.id for message in planned if message is not None]

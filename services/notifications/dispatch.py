"""Sending what is due: claim a message, look up its recipient, send it, record the outcome.

A message is claimed (``scheduled`` → ``sending``) in its own committed transaction before any
channel is touched, so a second dispatcher — another instance, the timer racing a handler, a
redelivered event — finds nothing to send. A claim left behind by a process that died mid-send is
failed, not resent: whether the channel delivered it is unknown, and a copy is worse than a
visible NotificationFailed.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from shared.db import utcnow
from services.notifications import outreach, routing, templates
from services.notifications.channels import DeliveryError
from services.notifications.models import Alert, DeliveryAttempt, Message

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted during delivery; not resent to avoid a duplicate"


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int = 5
    backoff_s: tuple[float, ...] = (30, 120, 600, 1800)
    claim_timeout_s: float = 300
    batch_size: int = 200
    rpc_timeout_s: float = 10

    @classmethod
    def from_config(cls, config: dict) -> "DeliverySettings":
        given = config.get("NOTIFICATION_DELIVERY") or {}
        return cls(max_attempts=int(given.get("max_attempts", cls.max_attempts)),
                   backoff_s=tuple(float(s) for s in given.get("backoff_s", cls.backoff_s)),
                   claim_timeout_s=float(given.get("claim_timeout_s", cls.claim_timeout_s)),
                   batch_size=int(given.get("batch_size", cls.batch_size)),
                   rpc_timeout_s=float(given.get("rpc_timeout_s", cls.rpc_timeout_s)))

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.backoff_s[min(attempts, len(self.backoff_s)) - 1])


@dataclass(frozen=True)
class Skip:
    reason: str


def due_message_ids(session, now: datetime, limit: int) -> list[str]:
    """Scheduled messages whose (next) attempt time has come, oldest first."""
    return list(session.scalars(
        select(Message.id).where(Message.status == "scheduled", Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at).limit(limit)))


class Dispatcher:
    def __init__(self, db, contacts, channels: dict, sites: dict, settings: DeliverySettings):
        self.db, self.contacts, self.channels = db, contacts, channels
        self.sites, self.settings = sites, settings

    def dispatch_due(self, now: datetime) -> dict:
        """Everything due at ``now``: unrouted alerts, interrupted sends, then due messages."""
        outcomes = self.route_alerts(self._unrouted_alert_ids(), now)
        outcomes["interrupted"] += self.fail_interrupted_sends()
        with self.db.unit_of_work() as uow:
            due = due_message_ids(uow.session, now, self.settings.batch_size)
        outcomes.update(self.dispatch(due, now))
        return dict(outcomes)

    def dispatch(self, message_ids, now: datetime) -> Counter:
        return Counter(outcome for outcome in (self._deliver(i, now) for i in message_ids) if outcome)

    # -- alerts -------------------------------------------------------------------------

    def route_alerts(self, alert_ids, now: datetime) -> Counter:
        outcomes = Counter()
        for alert_id in alert_ids:
            with self.db.unit_of_work() as uow:
                alert = uow.session.get(Alert, alert_id)
                site_id, patient_id = alert.site_id, alert.patient_id
            try:
                care_team = self.contacts.care_team(site_id, patient_id)
            except Exception as exc:  # scheduling unreachable: the timer routes it later
                log.warning("alert %s not routed yet (%s)", alert_id, type(exc).__name__)
                continue
            with self.db.unit_of_work() as uow:
                # Locked: the handler and the timer may route the same new alert at once.
                alert = uow.session.get(Alert, alert_id, with_for_update=True)
                if alert.routed_at is not None:
                    continue
                ids = outreach.route_alert(uow.session, alert, care_team, now, tuple(self.channels))
            if not ids:  # left unrouted: tried again each tick until someone can be reached
                log.warning("alert %s has no reachable care-team member yet", alert_id)
            outcomes.update(self.dispatch(ids, now))
        return outcomes

    def _unrouted_alert_ids(self) -> list[str]:
        with self.db.unit_of_work() as uow:
            return list(uow.session.scalars(select(Alert.id).where(Alert.routed_at.is_(None), Alert.status == "open")
                                            .order_by(Alert.created_at).limit(self.settings.batch_size)))

    # -- one message --------------------------------------------------------------------

    def _deliver(self, message_id: str, now: datetime) -> str | None:
        message = self._claim(message_id, now)
        if message is None or isinstance(message, str):
            return message
        try:
            target = self._resolve(message)
        except Exception as exc:  # an RPC error or timeout: retried like a channel failure
            return self._record_failure(message, None, f"contact lookup {type(exc).__name__}", now)
        if isinstance(target, Skip):
            return self._record_skip(message, target.reason)
        channel, address, rendered = target
        sender = self.channels[channel]
        try:
            sender.send(address, rendered.subject, rendered.body, message.id)
        except DeliveryError as exc:
            return self._record_failure(message, sender.name, str(exc), now)
        return self._record_sent(message, sender.name, rendered.language)

    def _claim(self, message_id: str, now: datetime):
        with self.db.unit_of_work() as uow:
            message = uow.session.get(Message, message_id)
            if message is None or message.status != "scheduled" or message.next_attempt_at > now:
                return None
            if message.expires_at is not None and message.expires_at <= now:
                message.status, message.skip_reason = "skipped", "expired"
                return "skipped"
            claimed = uow.session.execute(
                update(Message).where(Message.id == message_id, Message.status == "scheduled")
                .values(status="sending", claimed_at=utcnow(), attempts=Message.attempts + 1))
            if claimed.rowcount != 1:
                return None
            uow.session.refresh(message)
            return message

    def _resolve(self, message: Message):
        """(channel, address, rendered text), or Skip: contacts come from RPC, now."""
        site = self.sites.get(message.site_id) or {}
        details = json.loads(message.details or "{}")
        zone = ZoneInfo(details.get("timezone") or site.get("timezone") or "UTC")
        starts_at = datetime.fromisoformat(details["starts_at"]) if "starts_at" in details else None
        if message.recipient_type == "staff":
            staff = routing.find_staff(self.contacts.care_team(message.site_id, message.patient_id),
                                       message.recipient_id)
            address = routing.address_for(staff, message.channel) if staff else None
            if not address or message.channel not in self.channels:
                return Skip("recipient_unavailable")
            language = templates.choose_language(*(staff.get("languages") or []))
            return message.channel, address, templates.render(
                message.template, language, site=site.get("name", message.site_id),
                alert_id=message.alert_id or "", level=details.get("level", ""))
        contact = self.contacts.patient(message.patient_id)
        if not contact:
            return Skip("no_contact")
        channel = routing.patient_channel(contact, tuple(self.channels))
        if channel is None:
            return Skip("no_consent")
        language = templates.choose_language(contact.get("preferred_language"))
        return channel, routing.address_for(contact, channel), templates.render(
            message.template, language, name=contact.get("given_name") or "",
            site=site.get("name", message.site_id), starts_at=starts_at, zone=zone)

    # -- outcomes -----------------------------------------------------------------------

    def _record_sent(self, message: Message, channel: str, language: str) -> str:
        with self.db.unit_of_work() as uow:
            uow.session.execute(update(Message).where(Message.id == message.id).values(
                status="sent", channel=channel, language=language, sent_at=utcnow(), last_error=None))
            self._attempt(uow, message, channel, "sent")
            uow.raise_event("NotificationSent", self._event_data(message, channel),
                            site_id=message.site_id, subject=message.id)
        log.info("notification %s sent by %s", message.id, channel)
        return "sent"

    def _record_skip(self, message: Message, reason: str) -> str:
        with self.db.unit_of_work() as uow:
            uow.session.execute(update(Message).where(Message.id == message.id).values(
                status="skipped", skip_reason=reason))
            self._attempt(uow, message, None, "skipped", reason)
        log.info("notification %s skipped (%s)", message.id, reason)
        return "skipped"

    def _record_failure(self, message: Message, channel: str | None, error: str, now: datetime) -> str:
        final = message.attempts >= self.settings.max_attempts
        with self.db.unit_of_work() as uow:
            values = {"last_error": error, "channel": channel or message.channel}
            if final:
                values["status"] = "failed"
            else:
                values.update(status="scheduled", next_attempt_at=now + self.settings.backoff(message.attempts))
            uow.session.execute(update(Message).where(Message.id == message.id).values(**values))
            self._attempt(uow, message, channel, "error", error)
            if final:
                uow.raise_event("NotificationFailed", {
                    **self._event_data(message, channel), "error": error, "attempts": message.attempts},
                    site_id=message.site_id, subject=message.id)
        log.warning("notification %s attempt %d failed (%s)%s", message.id, message.attempts, error,
                    "; giving up" if final else "; will retry")
        return "failed" if final else "retrying"

    def fail_interrupted_sends(self) -> int:
        stale = utcnow() - timedelta(seconds=self.settings.claim_timeout_s)
        failed = 0
        with self.db.unit_of_work() as uow:
            ids = list(uow.session.scalars(select(Message.id).where(
                Message.status == "sending", Message.claimed_at < stale)))
        for message_id in ids:
            with self.db.unit_of_work() as uow:
                done = uow.session.execute(update(Message).where(
                    Message.id == message_id, Message.status == "sending", Message.claimed_at < stale)
                    .values(status="failed", last_error=INTERRUPTED))
                if done.rowcount != 1:
                    continue
                message = uow.session.get(Message, message_id)
                self._attempt(uow, message, message.channel, "interrupted", INTERRUPTED)
                uow.raise_event("NotificationFailed", {
                    **self._event_data(message, message.channel), "error": INTERRUPTED,
                    "attempts": max(message.attempts, 1)}, site_id=message.site_id, subject=message.id)
            failed += 1
            log.warning("notification %s was interrupted mid-send; failed", message_id)
        return failed

    @staticmethod
    def _attempt(uow, message: Message, channel, outcome: str, error: str | None = None) -> None:
        uow.session.add(DeliveryAttempt(message_id=message.id, attempt=max(message.attempts, 1),
                                        channel=channel, at=utcnow(), outcome=outcome, error=error))

    @staticmethod
    def _event_data(message: Message, channel: str | None) -> dict:
        return {"notification_id": message.id, "recipient_type": message.recipient_type,
                "recipient_id": message.recipient_id, "channel": channel or "unresolved",
                "template": message.template, "cause_event_id": message.cause_event_id}

"""A delivery round: route alerts, fail interrupted sends, then send what is due.

Not a single use case: each step below is its own unit of work, and contact look-ups (RPC) and
channels are used between them, outside any transaction (usecases/deliveries.py says why).
"""
from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from shared.clock import utcnow

from services.notifications.channels import DeliveryError
from services.notifications.commands import (ClaimMessage, DispatchDue, EscalateAlert, FailInterrupted,
                                             MarkCareTeamUnavailable, PlanFamilyReminders, RecordFailure,
                                             RecordSent, RecordSkip, RouteAlert)
from services.notifications.domain import delivery, escalation
from services.notifications.domain.messages import FAILED, FAMILY, REFERRER, RELATED_PERSON, SKIPPED, STAFF
from services.notifications.usecases import alerts, deliveries

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # alerts and messages taken per round; the next round takes the rest


class Dispatcher:
    def __init__(self, db, contacts, channels: dict, sites: dict, settings: delivery.DeliverySettings,
                 escalation_settings: escalation.EscalationSettings):
        self.db, self.contacts, self.channels = db, contacts, channels
        self.sites, self.settings, self.escalation = sites, settings, escalation_settings

    def dispatch_due(self, command: DispatchDue) -> dict:
        """Everything due at ``now``: alerts not yet routed to their care team, alerts whose
        window ended unacknowledged, interrupted sends, then due messages."""
        delivery.check_dispatch_clock(command.now, command.real_now, command.production,
                                      command.within_days)
        now = command.now
        with self.db.unit_of_work() as uow:
            unrouted = uow.alerts.unrouted_ids(BATCH_SIZE)
        outcomes = self.route_alerts(unrouted, now)
        outcomes.update(self.escalate_due(now))
        outcomes["interrupted"] += self.fail_interrupted_sends(now)
        with self.db.unit_of_work() as uow:
            due = uow.messages.due_ids(now, BATCH_SIZE)
        outcomes.update(self.dispatch(due, now))
        return dict(outcomes)

    def dispatch(self, message_ids, now: datetime) -> Counter:
        outcomes = Counter()
        for message_id in message_ids:
            outcome = self._deliver(message_id, now)
            if isinstance(outcome, Counter):  # a family reminder step: its messages' outcomes
                outcomes.update(outcome)
                continue
            if outcome:
                outcomes[outcome] += 1
            if outcome in (FAILED, SKIPPED):
                self._after_undelivered(message_id, now)
        return outcomes

    def route_alerts(self, alert_ids, now: datetime) -> Counter:
        outcomes = Counter()
        for alert_id in alert_ids:
            with self.db.unit_of_work() as uow:
                alert = uow.alerts.get(alert_id)
                site_id, patient_id = alert.site_id, alert.patient_id
            try:
                care_team = self.contacts.care_team(site_id, patient_id)
            except Exception as exc:  # scheduling unreachable: the timer routes it later
                log.warning("alert %s not routed yet (%s)", alert_id, type(exc).__name__)
                with self.db.unit_of_work() as uow:
                    alerts.mark_care_team_unavailable(MarkCareTeamUnavailable(alert_id), uow)
                continue
            with self.db.unit_of_work() as uow:
                ids = alerts.route_alert(RouteAlert(alert_id, care_team, now, tuple(self.channels),
                                                    self.escalation), uow)
            if not ids:  # nobody at any tier: GET /alerts?status=unrouted and /metrics show it
                log.warning("alert %s reached nobody", alert_id)
            outcomes.update(self.dispatch(ids, now))
        return outcomes

    def escalate_due(self, now: datetime) -> Counter:
        """Open alerts whose window ended at ``now``: up a tier each."""
        with self.db.unit_of_work() as uow:
            due = uow.alerts.escalation_due_ids(now, BATCH_SIZE)
        outcomes = Counter()
        for alert_id in due:
            outcomes.update(self._escalate(alert_id, escalation.NOT_ACKNOWLEDGED, now))
        return outcomes

    def _escalate(self, alert_id: str, reason: str, now: datetime) -> Counter:
        with self.db.unit_of_work() as uow:
            ids = alerts.escalate_alert(EscalateAlert(alert_id, now, tuple(self.channels), self.escalation,
                                                      reason), uow)
        if ids:
            log.info("alert %s escalated (%s)", alert_id, reason)
        return self.dispatch(ids, now)

    def fail_interrupted_sends(self, now: datetime | None = None) -> int:
        claimed_before = utcnow() - timedelta(seconds=self.settings.claim_timeout_s)
        with self.db.unit_of_work() as uow:
            ids = uow.messages.interrupted_ids(claimed_before)
        failed = 0
        for message_id in ids:
            with self.db.unit_of_work() as uow:
                if not deliveries.fail_interrupted_send(FailInterrupted(message_id, claimed_before), uow):
                    continue
            failed += 1
            log.warning("notification %s was interrupted mid-send; failed", message_id)
            self._after_undelivered(message_id, now or utcnow())
        return failed

    def _after_undelivered(self, message_id: str, now: datetime) -> None:
        """A staff message failed for good or was skipped: when nobody else got (or may still
        get) its alert, the alert goes up a tier now instead of waiting out its window."""
        with self.db.unit_of_work() as uow:
            message = uow.messages.get(message_id)
            alert_id = message.alert_id if message is not None and message.recipient_type == STAFF else None
        if alert_id:
            self._escalate(alert_id, escalation.DELIVERY_FAILED, now)

    # -- one message --------------------------------------------------------------------

    def _deliver(self, message_id: str, now: datetime) -> str | Counter | None:
        with self.db.unit_of_work() as uow:
            step = uow.messages.get(message_id)
            is_family_step = step is not None and step.recipient_type == FAMILY
        if is_family_step:
            return self._plan_family_reminders(step, now)
        with self.db.unit_of_work() as uow:
            message = deliveries.claim_message(ClaimMessage(message_id, now), uow)
        if message is None or isinstance(message, str):
            return message
        try:
            target = self._resolve(message)
        except Exception as exc:  # an RPC error or timeout: retried like a channel failure
            return self._record_failure(message, None, f"contact lookup {type(exc).__name__}", now)
        if isinstance(target, delivery.Skip):
            with self.db.unit_of_work() as uow:
                outcome = deliveries.record_skip(RecordSkip(message, target.reason), uow)
            log.info("notification %s skipped (%s)", message.id, target.reason)
            return outcome
        sender = self.channels[target.channel]
        try:
            sender.send(target.address, target.rendered.subject, target.rendered.body, message.id,
                        attachments=target.attachments)
        except DeliveryError as exc:
            return self._record_failure(message, sender.name, str(exc), now)
        with self.db.unit_of_work() as uow:
            outcome = deliveries.record_sent(RecordSent(message, sender.name, target.rendered.language), uow)
        log.info("notification %s sent by %s", message.id, sender.name)
        return outcome

    def _plan_family_reminders(self, step, now: datetime) -> Counter | None:
        """A family session's reminder step: its participants from scheduling (RPC, outside
        any transaction), one message each stored, then sent like any other."""
        if step.status != "scheduled" or step.next_attempt_at > now:
            return None
        session_id = json.loads(step.details or "{}").get("session_id")
        try:
            participants = self.contacts.family_participants(session_id) if session_id else []
        except Exception as exc:  # scheduling unreachable: the step stays due, the timer retries
            log.warning("family reminder %s not planned yet (%s)", step.id, type(exc).__name__)
            return None
        with self.db.unit_of_work() as uow:
            ids = deliveries.plan_family_reminders(PlanFamilyReminders(step, participants, now), uow)
        return self.dispatch(ids, now)

    def _resolve(self, message) -> delivery.Delivery | delivery.Skip:
        """Contacts come from RPC, now: none is stored."""
        site = self.sites.get(message.site_id) or {}
        if message.recipient_type == REFERRER:
            return self._referrer_target(message, site)
        if message.recipient_type == STAFF:
            configured = self.escalation.contacts_of(message.site_id)
            if any(c["staff_id"] == message.recipient_id for c in configured):  # no RPC needed
                return delivery.staff_delivery(message, None, tuple(self.channels), site, configured)
            care_team = self.contacts.care_team(message.site_id, message.patient_id)
            return delivery.staff_delivery(message, care_team, tuple(self.channels), site)
        if message.recipient_type == RELATED_PERSON:  # by their own consent and language
            return delivery.patient_delivery(message, self.contacts.related_person(message.recipient_id),
                                             tuple(self.channels), site)
        return delivery.patient_delivery(message, self.contacts.patient(message.patient_id),
                                         tuple(self.channels), site)

    def _referrer_target(self, message, site: dict) -> delivery.Delivery | delivery.Skip:
        """Consent first (intake, now); the PDF (outcomes) only for a summary that may go."""
        target = delivery.referrer_delivery(message, self.contacts.discharge_details(message.recipient_id),
                                            tuple(self.channels), site)
        if isinstance(target, delivery.Skip):
            return target
        document = self.contacts.discharge_summary(message.recipient_id)
        if document is None:  # outcomes has no summary (yet): retried like a failed send
            raise LookupError("discharge summary not available")
        return replace(target, attachments=(delivery.Attachment(
            document["filename"], document["content_type"], base64.b64decode(document["data"])),))

    def _record_failure(self, message, channel: str | None, error: str, now: datetime) -> str:
        final = self.settings.gives_up_after(message.attempts)
        retry_at = None if final else now + self.settings.backoff(message.attempts)
        with self.db.unit_of_work() as uow:
            outcome = deliveries.record_failure(
                RecordFailure(message, channel, error, final, retry_at), uow)
        log.warning("notification %s attempt %d failed (%s)%s", message.id, message.attempts, error,
                    "; giving up" if final else "; will retry")
        return outcome

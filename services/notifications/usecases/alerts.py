"""Care-team alerts: stored and announced (CareTeamAlerted) at once, routed to staff after commit,
listed and acknowledged by the care team."""
from __future__ import annotations

import uuid

from services.notifications.commands import (AcknowledgeAlert, AlertOnEmergencyAccess, AlertOnRisk,
                                             EscalateAlert, ListAlerts, MarkCareTeamUnavailable,
                                             RouteAlert)
from services.notifications.domain import alerts, escalation, routing, templates
from services.notifications.domain.messages import STAFF, Planned
from services.notifications.models import Alert, AlertStep


def alert_on_risk_flag(command: AlertOnRisk, uow) -> Planned:
    """One alert per flag, whatever it names: a deterioration of several instruments is one."""
    data = command.event.data
    plan = routing.alert_for_risk_flag(data["level"], data["reason"])
    return Planned().add(alert=raise_alert(uow, command.event, plan, command.now,
                                           command.escalation, data.get("referral_id")))


def alert_on_emergency_access(command: AlertOnEmergencyAccess, uow) -> Alert | None:
    """Break-the-glass at intake: an alert for the privacy officer of the patient's site, who reads
    it in GET /alerts (and the grant's reason in GET /audit); the care team gets no message, and it
    does not escalate along the clinical tiers."""
    alert = raise_alert(uow, command.event, routing.AlertPlan("break_glass", "moderate"), command.now)
    if alert is not None:
        alert.routed_at = command.now  # nothing for the timer to route to the care team
    return alert


def raise_alert(uow, event, plan: routing.AlertPlan, now,
                settings: escalation.EscalationSettings | None = None,
                referral_id: str | None = None) -> Alert | None:
    """Store the alert and publish CareTeamAlerted (escalation level 0); staff are routed after
    commit. With escalation settings it escalates at the end of its level's window unless
    acknowledged."""
    if uow.alerts.cause_seen(event.id):
        return None
    alert = uow.alerts.add(Alert(
        id=str(uuid.uuid4()), cause_event_id=event.id, site_id=event.site_id,
        patient_id=event.data["patient_id"], reason=plan.reason, level=plan.level, kind=plan.kind,
        referral_id=referral_id, status=alerts.OPEN, created_at=now, recipients=0,
        escalation_level=escalation.CARE_TEAM,
        escalate_at=(settings.next_at(plan.level, escalation.CARE_TEAM, event.site_id, now)
                     if settings is not None else None)))
    uow.raise_event("CareTeamAlerted", alerts.alert_event_data(alert), site_id=alert.site_id,
                    subject=alert.id)
    return alert


def route_alert(command: RouteAlert, uow) -> list[str]:
    """The care team's step: one message per staff member and channel the routing rules choose;
    their ids. Nobody reachable (no staff, or none with a usable channel): the alert goes up a
    tier at once, to the site's escalation contact. Nothing when another dispatcher routed it."""
    alert = uow.alerts.locked(command.alert_id)
    if alert.routed_at is not None:
        return []
    deliveries = routing.alert_recipients(routing.AlertPlan(alert.reason, alert.level, alert.kind),
                                          command.care_team, command.enabled_channels)
    ids = _plan_messages(uow, alert, deliveries, command.now)
    unreached = None if ids else routing.unreachable_reason(command.care_team)
    _record_step(uow, alert, escalation.RAISED, ids, unreached, command.now, care_team_step=True)
    if not ids and alert.escalation_level == escalation.CARE_TEAM and alert.status == alerts.OPEN:
        ids += _escalate(uow, alert, escalation.NOBODY_REACHED, command.now, command.escalation,
                         command.enabled_channels)
    return ids


def escalate_alert(command: EscalateAlert, uow) -> list[str]:
    """Up one tier (then further while a tier reaches nobody): ``not_acknowledged`` when the
    alert is still open at the end of its window; ``delivery_failed`` when no message of it was
    sent or can still be (each failed for good or was skipped). At the last tier a delivery
    failure leaves the alert unrouted (``delivery_failed``), visible rather than retried."""
    alert = uow.alerts.locked(command.alert_id)
    if alert is None or alert.status != alerts.OPEN:
        return []
    if command.reason == escalation.DELIVERY_FAILED:
        if uow.messages.alert_reached(alert.id):
            return []
        if alert.escalation_level >= escalation.LAST_LEVEL:
            if alert.unrouted_reason is None:
                _record_step(uow, alert, escalation.DELIVERY_FAILED, [], escalation.DELIVERY_FAILED,
                             command.now, care_team_step=False)
            return []
    elif alert.escalation_level >= escalation.LAST_LEVEL or not escalation.is_due(alert.escalate_at, command.now):
        return []
    return _escalate(uow, alert, command.reason, command.now, command.escalation, command.enabled_channels)


def mark_care_team_unavailable(command: MarkCareTeamUnavailable, uow) -> None:
    """Scheduling did not answer: the alert shows as unrouted until a step reaches someone."""
    alert = uow.alerts.get(command.alert_id)
    if alert is not None and alert.status == alerts.OPEN and not alert.recipients:
        alert.unrouted_reason = alert.unrouted_reason or escalation.CARE_TEAM_UNAVAILABLE


def _escalate(uow, alert, reason: str, now, settings: escalation.EscalationSettings, enabled) -> list[str]:
    """Each tier up is a step, recorded and published (CareTeamAlerted with its escalation level);
    a tier that reaches nobody is passed at once, up to the site lead."""
    ids: list[str] = []
    while alert.escalation_level < escalation.LAST_LEVEL:
        alert.escalation_level += 1
        contact = settings.contact(alert.site_id, alert.escalation_level)
        ids = _plan_messages(uow, alert, routing.contact_deliveries(contact, enabled), now)
        unreached = None if ids else (escalation.NO_CONTACT_CONFIGURED if contact is None
                                      else routing.NO_CHANNEL)
        _record_step(uow, alert, reason, ids, unreached, now, care_team_step=False)
        uow.raise_event("CareTeamAlerted", alerts.alert_event_data(alert), site_id=alert.site_id,
                        subject=alert.id)
        if ids:
            break
        reason = escalation.NOBODY_REACHED
    alert.escalate_at = settings.next_at(alert.level, alert.escalation_level, alert.site_id, now)
    return ids


def _plan_messages(uow, alert, deliveries, now) -> list[str]:
    cause = _Cause(alert.cause_event_id, "CareTeamAlerted", alert.site_id)
    template = templates.CSSRS_DUE if alert.kind == routing.CSSRS_DUE else templates.CARE_TEAM_ALERT
    ids = []
    for delivery in deliveries:
        message = uow.messages.plan(cause, template, patient_id=alert.patient_id,
                                    send_at=now, now=now, recipient_type=STAFF,
                                    recipient_id=delivery.staff_id, channel=delivery.channel,
                                    alert_id=alert.id, details={"level": alert.level,
                                                                "escalation_level": alert.escalation_level})
        if message is not None:
            ids.append(message.id)
    return ids


def _record_step(uow, alert, reason, ids, unreached, now, care_team_step: bool) -> None:
    reached_before = bool(ids) or uow.messages.alert_reached(alert.id)
    alerts.mark_reached(alert, len(ids), now, unreached, reached_before, care_team_step)
    uow.alert_steps.add(AlertStep(alert_id=alert.id, escalation_level=alert.escalation_level,
                                  reason=reason, at=now, recipients=len(ids), unreached_reason=unreached))


def list_alerts(command: ListAlerts, uow) -> tuple[list[Alert], dict]:
    """The alerts (``status`` unrouted: open ones that reached nobody) and their steps."""
    found = uow.alerts.of_sites(command.sites, command.status, command.limit)
    for alert in found:
        uow.audit(command.caller, "read", "alert", alert.id, patient_id=alert.patient_id,
                  site_id=alert.site_id)
    return found, uow.alert_steps.of_alerts([a.id for a in found])


def acknowledge_alert(command: AcknowledgeAlert, uow) -> tuple[Alert, list]:
    """Acknowledged: it escalates no further."""
    alert = uow.alerts.get_visible(command.alert_id, command.caller, "Alert")
    if alerts.acknowledge(alert, command.caller.name, command.now, command.note):
        alert.escalate_at = None
        uow.audit(command.caller, "acknowledge", "alert", alert.id, patient_id=alert.patient_id,
                  site_id=alert.site_id)
    return alert, uow.alert_steps.of_alerts([alert.id])[alert.id]


class _Cause:
    """Staff messages are keyed by the alert's cause event, as CareTeamAlerted."""

    def __init__(self, event_id: str, event_type: str, site_id: str):
        self.id, self.type, self.site_id = event_id, event_type, site_id

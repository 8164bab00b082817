"""Care-team alerts: stored and announced (CareTeamAlerted) at once, routed to staff after commit,
listed and acknowledged by the care team."""
from __future__ import annotations

import uuid

from services.notifications.commands import (AcknowledgeAlert, AlertOnEmergencyAccess, AlertOnRisk,
                                             ListAlerts, RouteAlert)
from services.notifications.domain import alerts, routing, templates
from services.notifications.domain.messages import STAFF, Planned
from services.notifications.models import Alert


def alert_on_risk_flag(command: AlertOnRisk, uow) -> Planned:
    data = command.event.data
    plan = routing.alert_for_risk_flag(data["level"], data["reason"])
    return Planned().add(alert=raise_alert(uow, command.event, plan, command.now))


def alert_on_emergency_access(command: AlertOnEmergencyAccess, uow) -> Alert | None:
    """Break-the-glass at intake: an alert for the privacy officer of the patient's site, who reads
    it in GET /alerts (and the grant's reason in GET /audit); the care team gets no message."""
    alert = raise_alert(uow, command.event, routing.AlertPlan("break_glass", "moderate"), command.now)
    if alert is not None:
        alert.routed_at = command.now  # nothing for the timer to route to the care team
    return alert


def raise_alert(uow, event, plan: routing.AlertPlan, now) -> Alert | None:
    """Store the alert and publish CareTeamAlerted; staff are routed after commit."""
    if uow.alerts.cause_seen(event.id):
        return None
    alert = uow.alerts.add(Alert(
        id=str(uuid.uuid4()), cause_event_id=event.id, site_id=event.site_id,
        patient_id=event.data["patient_id"], reason=plan.reason, level=plan.level,
        status=alerts.OPEN, created_at=now, recipients=0))
    uow.raise_event("CareTeamAlerted", alerts.alert_event_data(alert), site_id=alert.site_id,
                    subject=alert.id)
    return alert


def route_alert(command: RouteAlert, uow) -> list[str]:
    """One message per staff member and channel the routing rules choose; their ids. None when
    another dispatcher routed the alert first."""
    alert = uow.alerts.locked(command.alert_id)
    if alert.routed_at is not None:
        return []
    cause = _Cause(alert.cause_event_id, "CareTeamAlerted", alert.site_id)
    ids = []
    for delivery in routing.alert_recipients(routing.AlertPlan(alert.reason, alert.level),
                                              command.care_team, command.enabled_channels):
        message = uow.messages.plan(cause, templates.CARE_TEAM_ALERT, patient_id=alert.patient_id,
                                    send_at=command.now, now=command.now, recipient_type=STAFF,
                                    recipient_id=delivery.staff_id, channel=delivery.channel,
                                    alert_id=alert.id, details={"level": alert.level})
        if message is not None:
            ids.append(message.id)
    alerts.mark_routed(alert, len(ids), command.now)
    return ids


def list_alerts(command: ListAlerts, uow) -> list[Alert]:
    found = uow.alerts.of_sites(command.sites, command.status, command.limit)
    for alert in found:
        uow.audit(command.caller, "read", "alert", alert.id, patient_id=alert.patient_id,
                  site_id=alert.site_id)
    return found


def acknowledge_alert(command: AcknowledgeAlert, uow) -> Alert:
    alert = uow.alerts.get_visible(command.alert_id, command.caller, "Alert")
    if alerts.acknowledge(alert, command.caller.name, command.now):
        uow.audit(command.caller, "acknowledge", "alert", alert.id, patient_id=alert.patient_id,
                  site_id=alert.site_id)
    return alert


class _Cause:
    """Staff messages are keyed by the alert's cause event, as CareTeamAlerted."""

    def __init__(self, event_id: str, event_type: str, site_id: str):
        self.id, self.type, self.site_id = event_id, event_type, site_id

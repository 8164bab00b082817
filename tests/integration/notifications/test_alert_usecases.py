"""Alert use cases against the service's real, migrated database (no broker needed)."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from datetime import timedelta
from zoneinfo import ZoneInfo

from services.notifications.commands import AcknowledgeAlert, AlertOnRisk, EscalateAlert, RouteAlert
from services.notifications.domain.escalation import EscalationSettings
from services.notifications.models import Base
from services.notifications.repositories import REPOSITORIES
from services.notifications.usecases import alerts
from shared.auth import Caller
from shared.clinical import load_clinical_rules
from shared.db import UnitOfWork
from shared.errors import RecordNotFound
from shared.events import build_envelope, parse_envelope

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
RIVERSIDE = Caller("riverside-clinician", frozenset({"clinician"}), frozenset({"riverside"}))
LAKESIDE = Caller("lakeside-clinician", frozenset({"clinician"}), frozenset({"lakeside"}))
DUTY = {"staff_id": str(uuid.uuid4()), "name": "Duty", "email": "duty@clinic.test", "phone": None}
LEAD = {"staff_id": str(uuid.uuid4()), "name": "Lead", "email": None, "phone": "+15550009"}
SETTINGS = EscalationSettings({"riverside": {"contact": DUTY, "lead": LEAD}},
                              load_clinical_rules()["notifications"],
                              {"riverside": ZoneInfo("America/New_York")})
CHANNELS = ("email", "sms")


@pytest.fixture
def session(database_factory):
    engine = create_engine(database_factory.create("notifications"))
    with Session(engine, info={"metadata": Base.metadata}) as session:
        yield session
    engine.dispose()


def unit_of_work(session):
    return UnitOfWork(session, "notifications", None, REPOSITORIES)


def risk_flag(level="high"):
    return parse_envelope(build_envelope("RiskFlagRaised", {
        "assessment_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
        "enrollment_id": str(uuid.uuid4()), "level": level, "reason": "phq9_item9"},
        source_service="outcomes", site_id="riverside", time=NOW))


def test_a_risk_flag_seen_twice_stores_and_announces_one_alert(session):
    event, uow = risk_flag(), unit_of_work(session)

    first = alerts.alert_on_risk_flag(AlertOnRisk(event, NOW, SETTINGS), uow)
    again = alerts.alert_on_risk_flag(AlertOnRisk(event, NOW, SETTINGS), uow)

    assert len(first.alert_ids) == 1 and again.alert_ids == []
    assert [e["type"] for e in uow.events] == ["CareTeamAlerted"]
    assert uow.events[0]["data"]["alert_id"] == first.alert_ids[0]


def test_high_risk_alert_is_routed_once_to_every_on_call_channel(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]
    team = {"on_call": [{"staff_id": "a", "email": "a@clinic.test", "phone": "+15550001"}]}

    ids = alerts.route_alert(RouteAlert(alert_id, team, NOW, CHANNELS, SETTINGS), uow)

    assert len(ids) == 2 and uow.alerts.get(alert_id).recipients == 2
    assert alerts.route_alert(RouteAlert(alert_id, team, NOW, CHANNELS, SETTINGS), uow) == []


def test_another_sites_alert_cannot_be_acknowledged_and_looks_missing(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]

    with pytest.raises(RecordNotFound, match="Alert not found."):
        alerts.acknowledge_alert(AcknowledgeAlert(LAKESIDE, alert_id, NOW), uow)
    alert, _ = alerts.acknowledge_alert(AcknowledgeAlert(RIVERSIDE, alert_id, NOW), uow)

    assert (alert.status, alert.acknowledged_by) == ("acknowledged", "riverside-clinician")
    assert alert.escalate_at is None  # acknowledged: it goes no further


def staff_messages(uow, alert_id):
    from services.notifications.models import Message
    return sorted((m.recipient_id, m.channel) for m in uow.session.query(Message).filter_by(alert_id=alert_id))


def escalate(uow, alert_id, at, reason="not_acknowledged"):
    return alerts.escalate_alert(EscalateAlert(alert_id, at, CHANNELS, SETTINGS, reason), uow)


def test_a_high_alert_with_nobody_on_call_and_no_primary_reaches_the_escalation_contact_at_once(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]

    ids = alerts.route_alert(RouteAlert(alert_id, {"on_call": [], "primary_clinician": None}, NOW,
                                        CHANNELS, SETTINGS), uow)

    alert = uow.alerts.get(alert_id)
    assert len(ids) == 1 and staff_messages(uow, alert_id) == [(DUTY["staff_id"], "email")]
    assert (alert.escalation_level, alert.unrouted_reason, alert.recipients) == (1, None, 1)
    assert alert.escalate_at == NOW + timedelta(minutes=15)
    assert [(e["data"]["escalation_level"]) for e in uow.events] == [0, 1]
    steps = uow.alert_steps.of_alerts([alert_id])[alert_id]
    assert [(s.escalation_level, s.reason, s.recipients, s.unreached_reason) for s in steps] == [
        (0, "raised", 0, "no_staff"), (1, "nobody_reached", 1, None)]


def test_an_unacknowledged_high_alert_escalates_at_the_window_end_then_to_the_lead_and_stops(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]
    team = {"on_call": [{"staff_id": "a", "email": "a@clinic.test", "phone": None}]}
    alerts.route_alert(RouteAlert(alert_id, team, NOW, CHANNELS, SETTINGS), uow)

    assert escalate(uow, alert_id, NOW + timedelta(minutes=14, seconds=59)) == []
    assert uow.alerts.get(alert_id).escalation_level == 0
    assert len(escalate(uow, alert_id, NOW + timedelta(minutes=15))) == 1
    assert uow.alerts.get(alert_id).escalation_level == 1
    assert escalate(uow, alert_id, NOW + timedelta(minutes=29, seconds=59)) == []
    assert len(escalate(uow, alert_id, NOW + timedelta(minutes=30))) == 1
    alert = uow.alerts.get(alert_id)
    assert (alert.escalation_level, alert.escalate_at) == (2, None)
    assert escalate(uow, alert_id, NOW + timedelta(days=1)) == []
    assert staff_messages(uow, alert_id) == sorted([("a", "email"), (DUTY["staff_id"], "email"),
                                                    (LEAD["staff_id"], "sms")])
    assert [e["data"]["escalation_level"] for e in uow.events] == [0, 1, 2]


def test_an_acknowledged_alert_never_escalates(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]
    alerts.acknowledge_alert(AcknowledgeAlert(RIVERSIDE, alert_id, NOW), uow)

    assert escalate(uow, alert_id, NOW + timedelta(hours=1)) == []
    assert uow.alerts.get(alert_id).escalation_level == 0


def test_a_site_without_escalation_contacts_leaves_an_unreachable_alert_unrouted(session):
    uow = unit_of_work(session)
    flag = parse_envelope(build_envelope("RiskFlagRaised", {
        "assessment_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
        "enrollment_id": str(uuid.uuid4()), "level": "moderate", "reason": "phq9_item9"},
        source_service="outcomes", site_id="riverside", time=NOW))
    bare = EscalationSettings({}, load_clinical_rules()["notifications"],
                              {"riverside": ZoneInfo("America/New_York")})
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(flag, NOW, bare), uow).alert_ids[0]
    silent = {"staff_id": "s", "email": None, "phone": None}

    assert alerts.route_alert(RouteAlert(alert_id, {"on_call": [silent]}, NOW, CHANNELS, bare), uow) == []

    alert = uow.alerts.get(alert_id)
    assert (alert.escalation_level, alert.unrouted_reason, alert.escalate_at) == (2, "no_contact_configured", None)
    assert [a.id for a in uow.alerts.of_sites(["riverside"], "unrouted", 10)] == [alert_id]
    assert uow.alert_steps.unreached_counts() == {"no_channel": 1, "no_contact_configured": 2}
    assert uow.alerts.unrouted_open_count() == 1


def test_deliveries_failing_at_every_tier_leave_the_alert_unrouted_not_retried(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]
    [to_duty] = alerts.route_alert(RouteAlert(alert_id, None, NOW, CHANNELS, SETTINGS), uow)

    assert escalate(uow, alert_id, NOW, "delivery_failed") == []  # the duty email may still arrive
    uow.messages.set(to_duty, status="failed")
    [to_lead] = escalate(uow, alert_id, NOW, "delivery_failed")
    assert uow.alerts.get(alert_id).escalation_level == 2 and not uow.alerts.get(alert_id).unrouted_reason
    uow.messages.set(to_lead, status="failed")
    assert escalate(uow, alert_id, NOW, "delivery_failed") == []

    alert = uow.alerts.get(alert_id)
    assert (alert.escalation_level, alert.unrouted_reason) == (2, "delivery_failed")
    assert [a.id for a in uow.alerts.of_sites(["riverside"], "unrouted", 10)] == [alert_id]
    steps = uow.alert_steps.of_alerts([alert_id])[alert_id]
    assert [(s.escalation_level, s.reason) for s in steps] == [
        (0, "raised"), (1, "nobody_reached"), (2, "delivery_failed"), (2, "delivery_failed")]
    assert escalate(uow, alert_id, NOW, "delivery_failed") == []  # recorded once
    assert len(uow.alert_steps.of_alerts([alert_id])[alert_id]) == 4


def test_an_alert_whose_care_team_cannot_be_looked_up_is_unrouted_and_still_escalates(session):
    from services.notifications.commands import MarkCareTeamUnavailable

    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW, SETTINGS), uow).alert_ids[0]

    alerts.mark_care_team_unavailable(MarkCareTeamUnavailable(alert_id), uow)

    assert uow.alerts.get(alert_id).unrouted_reason == "care_team_unavailable"
    assert uow.alerts.unrouted_open_count() == 1
    assert uow.alerts.escalation_due_ids(NOW + timedelta(minutes=15), 10) == [alert_id]
    assert len(escalate(uow, alert_id, NOW + timedelta(minutes=15))) == 1
    alert = uow.alerts.get(alert_id)
    assert (alert.escalation_level, alert.unrouted_reason, alert.routed_at) == (1, None, None)

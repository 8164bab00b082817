"""Alert use cases against the service's real, migrated database (no broker needed)."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.notifications.commands import AcknowledgeAlert, AlertOnRisk, RouteAlert
from services.notifications.models import Base
from services.notifications.repositories import REPOSITORIES
from services.notifications.usecases import alerts
from shared.auth import Caller
from shared.db import UnitOfWork
from shared.errors import RecordNotFound
from shared.events import build_envelope, parse_envelope

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
RIVERSIDE = Caller("riverside-clinician", frozenset({"clinician"}), frozenset({"riverside"}))
LAKESIDE = Caller("lakeside-clinician", frozenset({"clinician"}), frozenset({"lakeside"}))


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

    first = alerts.alert_on_risk_flag(AlertOnRisk(event, NOW), uow)
    again = alerts.alert_on_risk_flag(AlertOnRisk(event, NOW), uow)

    assert len(first.alert_ids) == 1 and again.alert_ids == []
    assert [e["type"] for e in uow.events] == ["CareTeamAlerted"]
    assert uow.events[0]["data"]["alert_id"] == first.alert_ids[0]


def test_high_risk_alert_is_routed_once_to_every_on_call_channel(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW), uow).alert_ids[0]
    team = {"on_call": [{"staff_id": "a", "email": "a@clinic.test", "phone": "+15550001"}]}

    ids = alerts.route_alert(RouteAlert(alert_id, team, NOW, ("email", "sms")), uow)

    assert len(ids) == 2 and uow.alerts.get(alert_id).recipients == 2
    assert alerts.route_alert(RouteAlert(alert_id, team, NOW, ("email", "sms")), uow) == []


def test_another_sites_alert_cannot_be_acknowledged_and_looks_missing(session):
    uow = unit_of_work(session)
    alert_id = alerts.alert_on_risk_flag(AlertOnRisk(risk_flag(), NOW), uow).alert_ids[0]

    with pytest.raises(RecordNotFound, match="Alert not found."):
        alerts.acknowledge_alert(AcknowledgeAlert(LAKESIDE, alert_id, NOW), uow)
    alert = alerts.acknowledge_alert(AcknowledgeAlert(RIVERSIDE, alert_id, NOW), uow)

    assert (alert.status, alert.acknowledged_by) == ("acknowledged", "riverside-clinician")

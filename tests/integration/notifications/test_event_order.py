"""Events of one booking arrive on separate queues, so in any order: the latest fact wins.

Runs the reminder use cases against the service's real, migrated database (no broker needed)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from services.notifications.commands import ChangeBooking
from services.notifications.models import Base, Message
from services.notifications.repositories import REPOSITORIES
from services.notifications.usecases import bookings
from shared.clinical import load_clinical_rules
from shared.config import load_config, site_zones
from shared.db import UnitOfWork
from shared.events import build_envelope, parse_envelope

RULES = load_clinical_rules()["notifications"]
ZONE = site_zones(load_config())["riverside"]
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
STARTS = datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc)
MOVED = STARTS + timedelta(days=2)


@pytest.fixture
def session(database_factory):
    engine = create_engine(database_factory.create("notifications"))
    with Session(engine, info={"metadata": Base.metadata}) as session:
        yield session
    engine.dispose()


def event(event_type, data, at):
    envelope = build_envelope(event_type, data, source_service="scheduling", site_id="riverside",
                              time=at)
    return parse_envelope(envelope)


def booking_events():
    ids = {"booking_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4())}
    scheduled = event("SessionScheduled", {
        **ids, "enrollment_id": str(uuid.uuid4()), "kind": "group", "modality": "cbt_group",
        "starts_at": STARTS, "ends_at": STARTS + timedelta(hours=3), "timezone": "America/New_York",
        "staff_id": None}, NOW)
    rescheduled = event("SessionRescheduled", {
        **ids, "starts_at": MOVED, "ends_at": MOVED + timedelta(hours=3), "previous_starts_at": STARTS},
        NOW + timedelta(minutes=1))
    cancelled = event("SessionCancelled", {**ids, "reason": "room_unavailable"}, NOW + timedelta(minutes=2))
    return {"scheduled": scheduled, "rescheduled": rescheduled, "cancelled": cancelled}, ids["patient_id"]


USE_CASES = {"scheduled": bookings.plan_session_reminders, "rescheduled": bookings.move_session_reminders,
             "cancelled": bookings.drop_session_reminders}


def apply(session, name, evt):
    USE_CASES[name](ChangeBooking(evt, NOW, RULES, ZONE), UnitOfWork(session, "notifications", None, REPOSITORIES))
    session.commit()


def pending(session, patient_id):
    return sorted(m.send_at for m in session.scalars(select(Message).where(
        Message.patient_id == patient_id, Message.status == "scheduled")))


@pytest.mark.parametrize("order", [("scheduled", "rescheduled"), ("rescheduled", "scheduled")])
def test_reminders_follow_the_reschedule_whichever_event_comes_first(session, order):
    events, patient_id = booking_events()
    for name in order:
        apply(session, name, events[name])

    assert pending(session, patient_id) == [MOVED - timedelta(days=1), MOVED - timedelta(hours=2)]


@pytest.mark.parametrize("order", [("scheduled", "cancelled"), ("cancelled", "scheduled"),
                                   ("rescheduled", "cancelled", "scheduled"),
                                   ("cancelled", "rescheduled", "scheduled")])
def test_cancelled_booking_keeps_no_reminders_whichever_event_comes_first(session, order):
    events, patient_id = booking_events()
    for name in order:
        apply(session, name, events[name])

    assert pending(session, patient_id) == []

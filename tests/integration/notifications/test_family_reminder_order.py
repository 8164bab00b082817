"""A family session's reminders plan a step for its related persons beside the patient's own,
and follow the booking's events in any order, as the patient's do.

Runs the reminder use cases against the service's real, migrated database (no broker needed)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.notifications.models import Message
from tests.integration.notifications.test_event_order import (MOVED, STARTS, apply, booking_events,
                                                              session)  # noqa: F401 (fixture)


def family_events():
    events, patient_id = booking_events()
    events["scheduled"].data.update(kind="family", modality="family_therapy",
                                    ends_at=STARTS + timedelta(minutes=50))
    return events, patient_id


def scheduled(session, patient_id):
    """(recipient type, template, send time) of every pending message of the patient."""
    return sorted((m.recipient_type, m.template, m.send_at) for m in session.scalars(select(Message).where(
        Message.patient_id == patient_id, Message.status == "scheduled")))


def reminders_at(starts):
    return sorted([("family", "family_reminders_24h", starts - timedelta(days=1)),
                   ("family", "family_reminders_2h", starts - timedelta(hours=2)),
                   ("patient", "session_reminder_24h", starts - timedelta(days=1)),
                   ("patient", "session_reminder_2h", starts - timedelta(hours=2))])


def test_a_family_session_plans_its_related_persons_step_with_each_reminder(session):
    events, patient_id = family_events()
    apply(session, "scheduled", events["scheduled"])

    assert scheduled(session, patient_id) == reminders_at(STARTS)
    step = session.scalars(select(Message).where(Message.patient_id == patient_id,
                                                 Message.recipient_type == "family")).first()
    assert step.recipient_id == patient_id and step.expires_at == STARTS


@pytest.mark.parametrize("order", [("scheduled", "rescheduled"), ("rescheduled", "scheduled")])
def test_the_related_persons_step_follows_a_reschedule_whichever_event_comes_first(session, order):
    events, patient_id = family_events()
    for name in order:
        apply(session, name, events[name])

    assert scheduled(session, patient_id) == reminders_at(MOVED)


@pytest.mark.parametrize("order", [("scheduled", "cancelled"), ("rescheduled", "cancelled", "scheduled")])
def test_a_cancelled_family_session_keeps_no_step(session, order):
    events, patient_id = family_events()
    for name in order:
        apply(session, name, events[name])

    assert scheduled(session, patient_id) == []


def test_a_group_session_plans_no_step(session):
    events, patient_id = booking_events()
    apply(session, "scheduled", events["scheduled"])

    assert {kind for kind, _, _ in scheduled(session, patient_id)} == {"patient"}

"""Bookings seen out of order, alert acknowledgement and message keys (records duck-typed)."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from services.notifications.domain import alerts, bookings, messages

NOW = datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc)


def test_an_older_event_or_any_event_after_a_cancellation_changes_no_booking():
    booking = SimpleNamespace(status="scheduled", last_event_time=NOW)

    assert bookings.is_superseded(booking, NOW - timedelta(seconds=1))
    assert not bookings.is_superseded(booking, NOW + timedelta(seconds=1))
    assert bookings.is_superseded(SimpleNamespace(status="cancelled", last_event_time=NOW),
                                  NOW + timedelta(days=1))


def test_acknowledging_twice_keeps_the_first_acknowledgement():
    alert = SimpleNamespace(status="open", acknowledged_at=None, acknowledged_by=None)

    assert alerts.acknowledge(alert, "first", NOW) is True
    assert alerts.acknowledge(alert, "second", NOW + timedelta(hours=1)) is False
    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at) == ("acknowledged", "first", NOW)


def test_a_step_that_reached_nobody_leaves_the_alert_unrouted_until_one_reaches_somebody():
    alert = SimpleNamespace(status="open", routed_at=None, recipients=0, unrouted_reason=None)

    alerts.mark_reached(alert, 0, NOW, "no_staff", reached_before=False, care_team_step=True)
    assert (alert.routed_at, alert.recipients, alert.unrouted_reason) == (NOW, 0, "no_staff")
    assert alerts.is_unrouted(alert)
    later = NOW + timedelta(minutes=1)
    alerts.mark_reached(alert, 2, later, None, reached_before=False, care_team_step=False)
    assert (alert.routed_at, alert.recipients, alert.unrouted_reason) == (NOW, 2, None)
    assert not alerts.is_unrouted(alert)


def test_a_step_that_reached_nobody_after_an_earlier_one_reached_somebody_is_not_unrouted():
    alert = SimpleNamespace(status="open", routed_at=NOW, recipients=2, unrouted_reason=None)

    alerts.mark_reached(alert, 0, NOW, "no_contact_configured", reached_before=True, care_team_step=False)

    assert alert.unrouted_reason is None and alert.recipients == 2


def test_an_acknowledged_alert_is_never_listed_as_unrouted():
    alert = SimpleNamespace(status="acknowledged", unrouted_reason="no_staff")

    assert not alerts.is_unrouted(alert)


def test_message_key_names_cause_template_and_recipient():
    assert messages.idempotency_key("e1", "care_team_alert", "staff", "s1", "sms") == "e1/care_team_alert/staff:s1:sms"
    assert messages.idempotency_key("e1", "assessment_due", "patient", "p1") == "e1/assessment_due/patient:p1"


def test_a_reminder_expires_when_its_session_starts():
    reminder = SimpleNamespace(status="scheduled", next_attempt_at=NOW, expires_at=NOW + timedelta(hours=2))

    assert messages.is_due(reminder, NOW) and not messages.has_expired(reminder, NOW)
    assert messages.has_expired(reminder, NOW + timedelta(hours=2))
    assert not messages.is_due(reminder, NOW - timedelta(seconds=1))

"""Delivery rules: retry timing from configuration, the clock, and what goes to whom."""
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services.notifications.domain import delivery
from shared.config import load_config

NOW = datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc)
SITE = {"name": "Riverside Clinic", "timezone": "America/New_York"}
SETTINGS = {"max_attempts": 3, "backoff_s": [30, 120], "claim_timeout_s": 300, "rpc_timeout_s": 10}


def message(**fields):
    defaults = {"id": "m1", "template": "assessment_due", "recipient_type": "patient",
                "recipient_id": "p", "channel": None, "site_id": "riverside", "alert_id": None,
                "details": "{}", "cause_event_id": "e1"}
    return SimpleNamespace(**{**defaults, **fields})


def test_delivery_backoff_follows_the_configured_steps_then_keeps_the_last():
    settings = delivery.DeliverySettings.from_section(SETTINGS)

    assert [settings.backoff(n) for n in (1, 2, 3, 9)] == [timedelta(seconds=s) for s in (30, 120, 120, 120)]


def test_delivery_gives_up_at_the_configured_attempt():
    settings = delivery.DeliverySettings.from_section(SETTINGS)

    assert [settings.gives_up_after(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_the_shipped_configuration_holds_every_delivery_setting():
    settings = delivery.DeliverySettings.from_section(load_config()["NOTIFICATION_DELIVERY"])

    assert settings.max_attempts >= 1 and settings.backoff(1) > timedelta(0)


@pytest.mark.parametrize("missing", sorted(SETTINGS))
def test_a_missing_delivery_setting_is_a_configuration_error(missing):
    section = {key: value for key, value in SETTINGS.items() if key != missing}

    with pytest.raises(delivery.DeliveryConfigurationError, match=missing):
        delivery.DeliverySettings.from_section(section)


def test_production_clock_cannot_be_driven_forward():
    with pytest.raises(delivery.ClockLocked) as refused:
        delivery.check_dispatch_clock(NOW + timedelta(seconds=1), NOW, production=True, within_days=400)

    assert refused.value.errors == {"now": ["Must not be in the future."]}
    delivery.check_dispatch_clock(NOW + timedelta(days=1), NOW, production=False, within_days=400)  # tests drive it


def test_patient_without_contact_or_consent_is_skipped_with_the_reason():
    no_consent = {"channels": [], "email": "p@example.test"}

    assert delivery.patient_delivery(message(), None, ("email",), SITE) == delivery.Skip("no_contact")
    assert delivery.patient_delivery(message(), no_consent, ("email",), SITE) == delivery.Skip("no_consent")


def test_patient_reminder_renders_in_their_language_on_the_sites_clock():
    reminder = message(template="session_reminder_24h", details=json.dumps(
        {"starts_at": "2026-12-09T14:00:00+00:00", "timezone": "America/New_York"}))
    contact = {"channels": ["sms"], "phone": "+15559999", "preferred_language": "es", "given_name": "Ana"}

    sent = delivery.patient_delivery(reminder, contact, ("email", "sms"), SITE)

    assert (sent.channel, sent.address, sent.rendered.language) == ("sms", "+15559999", "es")
    assert "a las 09:00" in sent.rendered.body


def test_staff_message_goes_by_its_routed_channel_or_is_skipped():
    alert_message = message(template="care_team_alert", recipient_type="staff", recipient_id="a",
                            channel="sms", alert_id="al1", details=json.dumps({"level": "high"}))
    team = {"on_call": [{"staff_id": "a", "phone": "+15550001", "languages": ["en"]}]}

    sent = delivery.staff_delivery(alert_message, team, ("email", "sms"), SITE)

    assert (sent.channel, sent.address) == ("sms", "+15550001") and "al1" in sent.rendered.body
    assert delivery.staff_delivery(alert_message, team, ("email",), SITE) == delivery.Skip("recipient_unavailable")
    assert delivery.staff_delivery(alert_message, None, ("sms",), SITE) == delivery.Skip("recipient_unavailable")


def test_a_dispatch_clock_beyond_the_window_is_refused_in_any_environment():
    with pytest.raises(delivery.ClockLocked) as refused:
        delivery.check_dispatch_clock(datetime(9999, 12, 31, tzinfo=timezone.utc), NOW,
                                      production=False, within_days=400)
    assert list(refused.value.errors) == ["now"]


def test_the_discharge_summary_goes_to_the_referrer_only_with_consent_and_only_by_email():
    from types import SimpleNamespace

    from services.notifications.domain.delivery import Skip, referrer_delivery

    message = SimpleNamespace(channel="email", template="discharge_summary", site_id="riverside")
    referrer = {"name": "Dr. Cole", "direct_address": "cole@direct.example", "consent_to_share": True}
    sent = referrer_delivery(message, {"referrer": referrer}, ("email", "sms"), {"name": "Riverside Clinic"})
    assert (sent.channel, sent.address) == ("email", "cole@direct.example")
    assert "Riverside Clinic" in sent.rendered.subject
    assert referrer_delivery(message, {"referrer": {**referrer, "consent_to_share": False}},
                             ("email",), {}) == Skip("no_consent")
    assert referrer_delivery(message, {"referrer": None}, ("email",), {}) == Skip("no_contact")
    assert referrer_delivery(message, None, ("email",), {}) == Skip("no_contact")
    assert referrer_delivery(message, {"referrer": referrer}, ("sms",), {}) == Skip("recipient_unavailable")

"""Retry timing of failed deliveries, from configuration."""
from datetime import timedelta

from services.notifications.dispatch import DeliverySettings


def test_delivery_backoff_follows_the_configured_steps_then_keeps_the_last():
    settings = DeliverySettings.from_config({"NOTIFICATION_DELIVERY": {"backoff_s": [30, 120]}})

    assert [settings.backoff(n) for n in (1, 2, 3, 9)] == [timedelta(seconds=s) for s in (30, 120, 120, 120)]


def test_delivery_settings_default_when_not_configured():
    settings = DeliverySettings.from_config({})

    assert settings.max_attempts == 5 and settings.backoff(1) == timedelta(seconds=30)

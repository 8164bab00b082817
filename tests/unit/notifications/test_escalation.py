"""Escalation rules at their boundaries: the 15-minute window, one business day on the site's
clock, the tiers and their configured contacts."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import escalation
from shared.clinical import load_clinical_rules

RULES = load_clinical_rules()["notifications"]
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
CONTACTS = {"riverside": {"contact": {"staff_id": "c", "email": "duty@x.test"},
                          "lead": {"staff_id": "l", "phone": "+15550000"}}}


def test_configured_windows_are_fifteen_minutes_for_high_and_one_business_day_for_moderate():
    assert RULES["escalation"]["windows"] == {"high": {"minutes": 15}, "moderate": {"business_days": 1}}
    assert RULES["escalation"]["business_days"] == ["mon", "tue", "wed", "thu", "fri"]


def test_a_high_alert_raised_at_14_45_escalates_at_15_00_not_at_14_59():
    raised = datetime(2026, 12, 9, 14, 45, tzinfo=UTC)

    due_at = escalation.window_end("high", raised, NEW_YORK, RULES)

    assert due_at == datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
    assert not escalation.is_due(due_at, datetime(2026, 12, 9, 14, 59, tzinfo=UTC))
    assert not escalation.is_due(due_at, datetime(2026, 12, 9, 14, 59, 59, 999999, tzinfo=UTC))
    assert escalation.is_due(due_at, datetime(2026, 12, 9, 15, 0, tzinfo=UTC))
    assert not escalation.is_due(None, datetime(2030, 1, 1, tzinfo=UTC))  # last tier: never


def test_a_moderate_alert_raised_friday_evening_escalates_monday_evening_on_the_site_clock():
    friday_evening = datetime(2026, 12, 4, 18, 30, tzinfo=NEW_YORK)  # Friday 18:30 in New York

    due_at = escalation.window_end("moderate", friday_evening, NEW_YORK, RULES)

    assert due_at == datetime(2026, 12, 7, 18, 30, tzinfo=NEW_YORK)  # Monday 18:30
    assert due_at == datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert not escalation.is_due(due_at, datetime(2026, 12, 7, 23, 29, 59, tzinfo=UTC))


def test_business_days_are_counted_on_the_sites_clock_not_utc():
    # Friday 21:00 in New York is already Saturday 02:00 UTC: still Friday for the site.
    friday_night = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)

    assert escalation.window_end("moderate", friday_night, NEW_YORK, RULES) == datetime(
        2026, 12, 7, 21, 0, tzinfo=NEW_YORK)


def test_a_moderate_alert_on_a_weekday_escalates_the_next_weekday_and_on_a_weekend_on_monday():
    tuesday = datetime(2026, 12, 8, 10, 0, tzinfo=NEW_YORK)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=NEW_YORK)
    sunday = datetime(2026, 12, 6, 23, 0, tzinfo=NEW_YORK)

    assert escalation.window_end("moderate", tuesday, NEW_YORK, RULES) == datetime(2026, 12, 9, 10, 0, tzinfo=NEW_YORK)
    assert escalation.window_end("moderate", saturday, NEW_YORK, RULES) == datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK)
    assert escalation.window_end("moderate", sunday, NEW_YORK, RULES) == datetime(2026, 12, 7, 23, 0, tzinfo=NEW_YORK)


def test_a_business_day_across_the_dst_change_keeps_the_wall_clock_time():
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=NEW_YORK)  # EST; Monday 9 March is EDT

    due_at = escalation.window_end("moderate", friday, NEW_YORK, RULES)

    assert due_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_tiers_go_care_team_then_escalation_contact_then_site_lead_and_stop():
    settings = escalation.EscalationSettings(CONTACTS, RULES, {"riverside": NEW_YORK})
    now = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)

    assert settings.contact("riverside", escalation.ESCALATION_CONTACT)["staff_id"] == "c"
    assert settings.contact("riverside", escalation.SITE_LEAD)["staff_id"] == "l"
    assert settings.contact("lakeside", escalation.ESCALATION_CONTACT) is None
    assert [c["staff_id"] for c in settings.contacts_of("riverside")] == ["c", "l"]
    assert settings.next_at("high", 0, "riverside", now) == datetime(2026, 12, 9, 15, 15, tzinfo=UTC)
    assert settings.next_at("high", 1, "riverside", now) == datetime(2026, 12, 9, 15, 15, tzinfo=UTC)
    assert settings.next_at("high", 2, "riverside", now) is None


def test_the_development_configuration_has_an_escalation_contact_and_lead_for_every_site():
    from shared.config import load_config

    config = load_config()
    for site_id in config["SITES"]:
        tiers = config["ESCALATION"][site_id]
        for tier in ("contact", "lead"):
            assert tiers[tier]["staff_id"] and (tiers[tier].get("email") or tiers[tier].get("phone"))


def test_missing_escalation_rules_are_a_configuration_error():
    with pytest.raises(escalation.EscalationConfigurationError):
        escalation.EscalationSettings(CONTACTS, {}, {})

"""Escalation of care-team alerts: who is next when nobody was reached or nobody acknowledged in
time, and when an unacknowledged alert is due to go up a tier.

Tiers (the alert's ``escalation_level``): 0 the care team (routing.alert_recipients), 1 the site's
escalation contact, 2 the site lead, the last. The contacts come from configuration
(``ESCALATION.<site>.contact`` / ``.lead``); the windows from the clinical rules
(``notifications.escalation``).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CARE_TEAM, ESCALATION_CONTACT, SITE_LEAD = 0, 1, 2
LAST_LEVEL = SITE_LEAD
_CONTACT_KEY = {ESCALATION_CONTACT: "contact", SITE_LEAD: "lead"}

# Why a step was taken (the alert's recorded steps).
RAISED, NOBODY_REACHED, NOT_ACKNOWLEDGED, DELIVERY_FAILED = (
    "raised", "nobody_reached", "not_acknowledged", "delivery_failed")
# Why a step reached nobody, beside routing's no_staff / no_channel.
NO_CONTACT_CONFIGURED, CARE_TEAM_UNAVAILABLE = "no_contact_configured", "care_team_unavailable"

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class EscalationConfigurationError(Exception):
    """The escalation rules or contacts are incomplete."""


def tier_contact(site_contacts: Mapping | None, level: int) -> dict | None:
    """The configured contact of tier ``level`` (1 or 2) of a site; None when there is none."""
    contact = (site_contacts or {}).get(_CONTACT_KEY.get(level, ""))
    return dict(contact) if contact else None


def site_contacts_list(site_contacts: Mapping | None) -> list[dict]:
    return [c for c in (tier_contact(site_contacts, level) for level in _CONTACT_KEY) if c]


def add_business_days(since: datetime, days: int, zone: ZoneInfo, business_days) -> datetime:
    """The same wall-clock time ``days`` business days later on the site's clock. Saturday and
    Sunday (days not in ``business_days``) are skipped, so Friday 18:00 → Monday 18:00 and a
    Saturday 10:00 → Monday 10:00. Public holidays are not known here and count as business days."""
    working = {_WEEKDAYS.index(d) for d in business_days}
    if not working:
        raise EscalationConfigurationError("notifications.escalation.business_days is empty")
    local = since.astimezone(zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() in working:
            counted += 1
    wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone)
    return wall.astimezone(since.tzinfo)


def window_end(level: str, since: datetime, zone: ZoneInfo, rules: Mapping) -> datetime:
    """When an alert of risk ``level`` not acknowledged since ``since`` goes up a tier."""
    escalation = rules["escalation"]
    try:
        window = escalation["windows"][level]
    except KeyError:
        raise EscalationConfigurationError(f"no escalation window for level {level!r}") from None
    if "minutes" in window:
        return since + timedelta(minutes=window["minutes"])
    return add_business_days(since, int(window["business_days"]), zone, escalation["business_days"])


def next_escalation(level: str, escalation_level: int, now: datetime, zone: ZoneInfo,
                    rules: Mapping) -> datetime | None:
    """The next time to escalate; None at the last tier."""
    if escalation_level >= LAST_LEVEL:
        return None
    return window_end(level, now, zone, rules)


def is_due(escalate_at: datetime | None, now: datetime) -> bool:
    """Due at the window's end exactly: 15 minutes after 14:45:00 is due at 15:00:00, not 14:59:59."""
    return escalate_at is not None and now >= escalate_at


class EscalationSettings:
    """What escalation needs from configuration: each site's contacts (``ESCALATION``), the
    windows (clinical rules ``notifications``) and each site's zone."""

    def __init__(self, contacts: Mapping | None, rules: Mapping, zones: Mapping):
        self.contacts, self.rules, self.zones = dict(contacts or {}), rules, zones
        if "escalation" not in rules:
            raise EscalationConfigurationError("clinical rules notifications.escalation is missing")

    def contact(self, site_id: str, level: int) -> dict | None:
        return tier_contact(self.contacts.get(site_id), level)

    def contacts_of(self, site_id: str) -> list[dict]:
        return site_contacts_list(self.contacts.get(site_id))

    def next_at(self, alert_level: str, escalation_level: int, site_id: str, now: datetime) -> datetime | None:
        return next_escalation(alert_level, escalation_level, now, self.zones[site_id], self.rules)

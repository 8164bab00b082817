"""Delivery rules: retry timing, what a message says to whom and by which channel, when to give up.

Contacts are the dicts intake's ``get_contact`` and scheduling's ``get_care_team`` answer with;
nothing here keeps them. Messages are taken duck-typed (any object with the message's fields).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.clock import check_driven_clock
from shared.errors import InvalidFields

from services.notifications.domain import routing, templates

INTERRUPTED = "interrupted during delivery; not resent to avoid a duplicate"
NO_CONTACT, NO_CONSENT, RECIPIENT_UNAVAILABLE = "no_contact", "no_consent", "recipient_unavailable"
EXPIRED = "expired"  # a reminder still unsent when its session starts


class DeliveryConfigurationError(Exception):
    """``NOTIFICATION_DELIVERY`` lacks a setting: config/config.yaml holds every one."""


class ClockLocked(InvalidFields):
    """In production, dispatch cannot be driven to a time that has not come yet."""


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int
    backoff_s: tuple[float, ...]
    claim_timeout_s: float
    rpc_timeout_s: float

    @classmethod
    def from_section(cls, section: Mapping | None) -> "DeliverySettings":
        """The ``NOTIFICATION_DELIVERY`` section of the configuration, every key required."""
        try:
            return cls(max_attempts=int(section["max_attempts"]),
                       backoff_s=tuple(float(s) for s in section["backoff_s"]),
                       claim_timeout_s=float(section["claim_timeout_s"]),
                       rpc_timeout_s=float(section["rpc_timeout_s"]))
        except (KeyError, TypeError) as exc:
            raise DeliveryConfigurationError(f"NOTIFICATION_DELIVERY is missing {exc}") from None

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the n-th failed attempt; past the configured steps, the last one."""
        return timedelta(seconds=self.backoff_s[min(attempts, len(self.backoff_s)) - 1])

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def check_dispatch_clock(now: datetime, real_now: datetime, production: bool,
                         within_days: int) -> None:
    try:
        check_driven_clock(now, real_now, production=production, within_days=within_days)
    except InvalidFields as refused:
        raise ClockLocked(refused.errors, refused.detail) from None


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes


@dataclass(frozen=True)
class Delivery:
    channel: str
    address: str
    rendered: templates.Rendered
    attachments: tuple[Attachment, ...] = ()


def staff_delivery(message, care_team: dict | None, enabled, site: dict, configured=()) -> Delivery | Skip:
    """A staff alert message: to the staff member (or configured escalation contact) and channel
    routing chose when it was stored."""
    staff = routing.find_staff(care_team, message.recipient_id, configured)
    address = routing.address_for(staff, message.channel) if staff else None
    if not address or message.channel not in enabled:
        return Skip(RECIPIENT_UNAVAILABLE)
    details = json.loads(message.details or "{}")
    language = templates.choose_language(*(staff.get("languages") or []))
    return Delivery(message.channel, address, templates.render(
        message.template, language, site=site.get("name", message.site_id),
        alert_id=message.alert_id or "", level=details.get("level", "")))


def patient_delivery(message, contact: dict | None, enabled, site: dict) -> Delivery | Skip:
    """A patient message: by the one channel consent and addresses allow, in their language."""
    if not contact:
        return Skip(NO_CONTACT)
    channel = routing.patient_channel(contact, tuple(enabled))
    if channel is None:
        return Skip(NO_CONSENT)
    details = json.loads(message.details or "{}")
    zone = ZoneInfo(details.get("timezone") or site.get("timezone") or "UTC")
    starts_at = datetime.fromisoformat(details["starts_at"]) if "starts_at" in details else None
    language = templates.choose_language(contact.get("preferred_language"))
    return Delivery(channel, routing.address_for(contact, channel), templates.render(
        message.template, language, name=contact.get("given_name") or "",
        site=site.get("name", message.site_id), starts_at=starts_at, zone=zone))


def referrer_delivery(message, details: dict | None, enabled, site: dict) -> Delivery | Skip:
    """The discharge summary to the referring provider: only with the patient's consent to share
    with them, as intake holds it at send time (so a consent changed since counts), and only by
    email (a secure or Direct address). The PDF is attached by the caller once this says go."""
    referrer = (details or {}).get("referrer")
    if not referrer or not referrer.get("direct_address"):
        return Skip(NO_CONTACT)
    if not referrer.get("consent_to_share"):
        return Skip(NO_CONSENT)
    if message.channel not in enabled:
        return Skip(RECIPIENT_UNAVAILABLE)
    return Delivery(message.channel, referrer["direct_address"], templates.render(
        message.template, templates.FALLBACK_LANGUAGE, site=site.get("name", message.site_id)))


def notification_event_data(message, channel: str | None) -> dict:
    """NotificationSent / NotificationFailed data: ids and codes only."""
    return {"notification_id": message.id, "recipient_type": message.recipient_type,
            "recipient_id": message.recipient_id, "channel": channel or "unresolved",
            "template": message.template, "cause_event_id": message.cause_event_id}

"""Response shapes: plain dicts from the service's records."""
from __future__ import annotations

MESSAGE_FIELDS = ("id", "template", "recipient_type", "recipient_id", "channel", "status",
                  "skip_reason", "send_at", "sent_at", "attempts", "last_error", "site_id",
                  "cause_event_id", "cause_type", "alert_id", "created_at")
ALERT_FIELDS = ("id", "site_id", "patient_id", "reason", "level", "status", "created_at", "routed_at",
                "recipients", "acknowledged_at", "acknowledged_by", "acknowledgement_note",
                "cause_event_id", "referral_id", "kind", "escalation_level", "escalate_at", "unrouted_reason")
STEP_FIELDS = ("escalation_level", "reason", "at", "recipients", "unreached_reason")


def message_view(message) -> dict:
    return {name: getattr(message, name) for name in MESSAGE_FIELDS}


def alert_view(alert, steps=()) -> dict:
    return {**{name: getattr(alert, name) for name in ALERT_FIELDS},
            "steps": [{name: getattr(step, name) for name in STEP_FIELDS} for step in steps]}


def patient_messages_view(patient_id: str, messages) -> dict:
    return {"patient_id": patient_id, "notifications": [message_view(m) for m in messages]}


def alerts_view(alerts, steps: dict | None = None) -> dict:
    steps = steps or {}
    return {"alerts": [alert_view(a, steps.get(a.id, ())) for a in alerts]}


def dispatch_view(now, outcomes: dict) -> dict:
    return {"now": now, "outcomes": outcomes}

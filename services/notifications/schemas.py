"""HTTP bodies, queries and answers of the notifications service."""
from marshmallow import Schema, fields
from marshmallow.validate import OneOf, Range

from shared.fields import text, uuid_string

from services.notifications.models import ALERT_STATUSES


class NotificationsQuery(Schema):
    patient_id = uuid_string(required=True)


class AlertsQuery(Schema):
    site_id = fields.String()
    # unrouted: open alerts that reached nobody (no staff, no channel, no contact configured,
    # scheduling unreachable, or every delivery failed).
    status = fields.String(validate=OneOf(ALERT_STATUSES + ("unrouted",)))
    # Not shared.fields.whole: a query string carries "100", which a strict integer refuses.
    limit = fields.Integer(load_default=100, validate=Range(min=1, max=500))


class AcknowledgeIn(Schema):
    note = text(2000, load_default=None, allow_none=True, metadata={
        "description": "What was done (optional): kept with the alert, shown to its site's staff, "
                       "never in an event."})


class DispatchIn(Schema):
    now = fields.AwareDateTime(load_default=None, metadata={
        "description": "The clock to dispatch at (ops and tests); the real time when omitted."})


class MessageOut(Schema):
    id = fields.String()
    template = fields.String()
    recipient_type = fields.String()
    recipient_id = fields.String()
    channel = fields.String(allow_none=True)
    status = fields.String()
    skip_reason = fields.String(allow_none=True)
    send_at = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    site_id = fields.String()
    cause_event_id = fields.String()
    cause_type = fields.String()
    alert_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class NotificationsOut(Schema):
    patient_id = fields.String()
    notifications = fields.List(fields.Nested(MessageOut))


class AlertStepOut(Schema):
    escalation_level = fields.Integer()
    reason = fields.String(metadata={"description": "raised, nobody_reached, not_acknowledged, delivery_failed"})
    at = fields.AwareDateTime()
    recipients = fields.Integer()
    unreached_reason = fields.String(allow_none=True)


class AlertOut(Schema):
    id = fields.String()
    site_id = fields.String()
    patient_id = fields.String()
    reason = fields.String()
    level = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    routed_at = fields.AwareDateTime(allow_none=True)
    recipients = fields.Integer()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    acknowledgement_note = fields.String(allow_none=True)
    cause_event_id = fields.String()
    referral_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": "care_team_alert, or cssrs_due (the screener is due)"})
    escalation_level = fields.Integer(metadata={
        "description": "0 care team, 1 the site's escalation contact, 2 the site lead"})
    escalate_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When it goes up a tier unless acknowledged; null at the last tier"})
    unrouted_reason = fields.String(allow_none=True, metadata={
        "description": "Set while it reached nobody: no_staff, no_channel, no_contact_configured, "
                       "care_team_unavailable, delivery_failed"})
    steps = fields.List(fields.Nested(AlertStepOut))


class AlertsOut(Schema):
    alerts = fields.List(fields.Nested(AlertOut))

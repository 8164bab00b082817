"""HTTP bodies and query strings of the outcomes routes (marshmallow 4)."""
from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared import enums
from shared.clock import utcnow
from shared.fields import day, instant, uuid_string

# Clocks of the devices that record assessments drift; beyond this, a time is in the future.
CLOCK_SKEW = timedelta(minutes=5)


class Refused:
    """A POST /assessments body its schema refused: the body as sent and the validation error."""

    def __init__(self, raw, error: ValidationError):
        self.raw, self.error = raw, error


class AssessmentIn(Schema):
    patient_id = uuid_string(required=True)
    enrollment_id = uuid_string(load_default=None, metadata={
        "description": "Optional: the episode, when the patient has more than one."})
    referral_id = uuid_string(load_default=None, metadata={
        "description": "A cssrs only: the referral whose positive screening it follows, before any "
                       "enrollment."})
    instrument = fields.String(required=True, validate=validate.OneOf(enums.INSTRUMENTS))
    # Checked item by item against the instrument's clinical rules when scored, so each bad
    # item is named (`responses.4`).
    responses = fields.Raw(required=True, metadata={
        "description": "One integer per item, in order; null for an unanswered item (the assessment "
                       "is then incomplete: no total, its risk items still evaluated)."})
    q6_within_3_months = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "cssrs only: the screener's follow-up to a YES on question 6 (suicidal "
                       "behavior): was it within the past 3 months? Required when question 6 is 1."})
    administered_at = instant(required=True)

    @validates_schema(skip_on_field_errors=False)  # named along with any other bad field
    def not_in_the_future(self, data, **kwargs):
        administered_at = data.get("administered_at")
        if administered_at is not None and administered_at > utcnow() + CLOCK_SKEW:
            raise ValidationError({"administered_at": ["Must not be in the future."]})


class FlagsQuery(Schema):
    site_id = fields.String(load_default=None)
    patient_id = uuid_string(load_default=None)
    enrollment_id = uuid_string(load_default=None)
    referral_id = uuid_string(load_default=None)


class AssessmentRequest(AssessmentIn):
    """The POST /assessments body (AssessmentIn), but a refused body comes back as
    :class:`Refused` instead of raising: the route still raises the flag of its PHQ-9 item 9
    before answering 422 (a risk answer is never lost)."""

    def load(self, data, *args, **kwargs):
        try:
            return super().load(data, *args, **kwargs)
        except ValidationError as exc:
            return Refused(data, exc)


class AnnounceDueIn(Schema):
    as_of = instant(load_default=None, metadata={
        "description": "The clock to announce by (default: now); for catching up and for tests."})


class OutcomeReportQuery(Schema):
    site_id = fields.String(load_default=None)
    track = fields.String(load_default=None, validate=validate.OneOf(enums.TRACKS))
    from_ = day(data_key="from", load_default=None)
    to = day(load_default=None)

    @validates_schema
    def period_is_ordered(self, data, **kwargs):
        if data["from_"] and data["to"] and data["from_"] > data["to"]:
            raise ValidationError({"to": ["Must not be before 'from'."]})

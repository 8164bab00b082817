"""Request bodies and queries: every field checked, each error under its own field name."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Email, Length, OneOf, Range, Regexp

from shared import enums
from shared.config import load_config
from shared.fields import day, instant, language_tag, phone_number, text, uuid_string, whole

HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour.")
STAFF_ROLES = ("therapist", "facilitator", "on_call")
SERIES_KINDS = ("group", "education")
SERIES_MODALITIES = tuple(m for m in enums.MODALITIES if m not in ("individual_therapy", "family_therapy"))
MAX_CALENDAR_DAYS = 92


@lru_cache(maxsize=1)
def known_sites() -> frozenset[str]:
    """The configured sites (config.yaml ``SITES``, the file ``nameko run`` reads)."""
    return frozenset(load_config()["SITES"])


def validate_site(value: str) -> None:
    if value not in known_sites():
        raise ValidationError(f"Unknown site; one of: {', '.join(sorted(known_sites()))}.")


def weekday_list(**kwargs):
    return fields.List(fields.String(validate=OneOf(enums.WEEKDAYS)),
                       validate=Length(min=1, max=7), **kwargs)


class AvailabilityIn(Schema):
    weekday = fields.String(required=True, validate=OneOf(enums.WEEKDAYS))
    start_time = fields.String(required=True, validate=HHMM)
    end_time = fields.String(required=True, validate=HHMM)

    @validates_schema(skip_on_field_errors=True)
    def times_in_order(self, data, **kwargs):
        if data["end_time"] <= data["start_time"]:
            raise ValidationError("Must be after start_time.", "end_time")


class StaffIn(Schema):
    site_id = fields.String(required=True, validate=validate_site)
    name = text(200, required=True)
    roles = fields.List(fields.String(validate=OneOf(STAFF_ROLES)), required=True,
                        validate=Length(min=1))
    languages = fields.List(language_tag(), required=True, validate=Length(min=1))
    email = fields.String(required=True, validate=[Email(), Length(max=254)])
    phone = phone_number(required=True)
    max_caseload = whole(0, 200, required=True)
    availability = fields.List(fields.Nested(AvailabilityIn), load_default=list)


class SeriesIn(Schema):
    site_id = fields.String(required=True, validate=validate_site)
    track = fields.String(required=True, validate=OneOf(enums.TRACKS))
    modality = fields.String(required=True, validate=OneOf(SERIES_MODALITIES))
    kind = fields.String(required=True, validate=OneOf(SERIES_KINDS))
    weekdays = weekday_list(required=True)
    start_time = fields.String(required=True, validate=HHMM)
    duration_minutes = whole(15, 8 * 60, required=True)
    # The group psychotherapy maximum (clinical.yaml) is checked by the use case.
    capacity = whole(1, 100, required=True)
    facilitator_id = uuid_string(required=True, metadata={"format": "uuid"})
    starts_on = day(required=True)
    ends_on = day(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def consistent(self, data, **kwargs):
        errors = {}
        kind, modality = data.get("kind"), data.get("modality")
        if kind and modality and (kind == "education") != (modality == "psychoeducation"):
            errors["modality"] = ["Psychoeducation is the education kind; the other modalities are groups."]
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            errors["ends_on"] = ["Must not be before starts_on."]
        if len(set(data.get("weekdays") or [])) != len(data.get("weekdays") or []):
            errors["weekdays"] = ["Each weekday at most once."]
        if errors:
            raise ValidationError(errors)


class CalendarQuery(Schema):
    from_ = day(required=True, data_key="from")
    to = day(required=True)

    @validates_schema(skip_on_field_errors=True)
    def range_in_order(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ValidationError("Must not be before 'from'.", "to")
        if data["to"] - data["from_"] > timedelta(days=MAX_CALENDAR_DAYS):
            raise ValidationError(f"At most {MAX_CALENDAR_DAYS} days at a time.", "to")


class AttendanceIn(Schema):
    patient_id = uuid_string(required=True, metadata={"format": "uuid"})
    status = fields.String(required=True, validate=OneOf(enums.ATTENDANCE_STATUSES))
    attended_minutes = whole(0, 24 * 60, load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def minutes_match_status(self, data, **kwargs):
        minutes, status = data.get("attended_minutes"), data.get("status")
        if status == "attended" and not minutes:
            raise ValidationError("Required (more than 0) when the patient attended.", "attended_minutes")
        if status in ("absent", "excused") and minutes:
            raise ValidationError("Only for a patient who attended.", "attended_minutes")


class CancelIn(Schema):
    reason = text(200, required=True)


class RescheduleIn(Schema):
    starts_at = instant(required=True)


class NotePartIn(Schema):
    patient_id = uuid_string(required=True, metadata={"format": "uuid"})
    text = text(2000, required=True, metadata={"description": "This patient's individualized part."})


class NoteIn(Schema):
    shared_text = text(10000, required=True, metadata={"description": "The session's shared part."})
    parts = fields.List(fields.Nested(NotePartIn), required=True, validate=Length(max=100))


class AmendmentIn(NoteIn):
    reason = text(500, required=True)


class NoteQuery(Schema):
    # A query string is text: "2" is the number 2 here (bodies take strict integers).
    version = fields.Integer(validate=Range(1, 10000), load_default=None)


class RosterIn(Schema):
    patient_id = uuid_string(required=True, metadata={"format": "uuid"})
    enrollment_id = uuid_string(required=True, metadata={"format": "uuid"})

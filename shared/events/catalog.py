"""The event catalog: one marshmallow schema for the `data` of each event type, and the registry.

Field names, types and producers are the public contract of handbook CONTRACTS.md. Within a
version only additive changes are allowed; docs/events/*.json hold the published JSON Schemas
and tests/unit/test_event_schema_compat.py fails on anything else.

Unknown fields. The schemas' own policy is EXCLUDE, nested schemas included, because they are
what consumers load with: an event from a newer producer that carries an added field must still
load in an older consumer (the tolerant reader). Producers are held to exactly the catalog
instead: build_envelope refuses a key the schema does not know, since it is either a typo or
identity that must not travel (see ARCHITECTURE.md, "Minimum necessary").

Every field listed in the catalog is required, so a consumer can rely on each key being present;
"no value" is an explicit null where the catalog allows one. A field added later must be optional
(absent from events published before it existed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import Length, OneOf, Range, Regexp

from shared import enums
from shared.names import events_exchange

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SITE_ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


class Id(fields.String):
    """A UUID kept as its canonical string: ids travel, compare and are stored as text."""

    def __init__(self, **kwargs):
        metadata = {"format": "uuid", **kwargs.pop("metadata", {})}
        validate = [Regexp(UUID_PATTERN, error="Not a valid UUID.")]
        super().__init__(validate=validate, metadata=metadata, **kwargs)


class SiteId(fields.String):
    """A site's short slug, e.g. `riverside`."""

    def __init__(self, **kwargs):
        validate = [Length(1, 64), Regexp(SITE_ID_PATTERN, error="Not a valid site slug.")]
        super().__init__(validate=validate, **kwargs)


# Dates and times an event may carry: wide enough for any program, narrow enough that a consumer
# adding a program's weeks, a reminder's hours or a follow-up's days never overflows. A producer
# refuses anything outside before publishing; its own API bounds are stricter still.
EARLIEST_DAY, LATEST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
EARLIEST_INSTANT = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)
LATEST_INSTANT = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)


class Day(fields.Date):
    """A calendar date, `YYYY-MM-DD`, 1900-01-01 to 2199-12-31. A producer may hand over a date
    or its ISO string."""

    def __init__(self, **kwargs):
        super().__init__(validate=Range(EARLIEST_DAY, LATEST_DAY), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value  # checked when the dumped form is validated
        if isinstance(value, dt.datetime):
            return value.isoformat()  # refused: whose day it is depends on a time zone
        return super()._serialize(value, attr, obj, **kwargs)


class Instant(fields.AwareDateTime):
    """A moment, ISO 8601 with its offset, in 1900 to 2199; published in UTC whatever offset the
    producer used."""

    def __init__(self, **kwargs):
        super().__init__(validate=Range(EARLIEST_INSTANT, LATEST_INSTANT), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                return value  # refused when the dumped form is validated
        if isinstance(value, dt.datetime) and value.utcoffset() is not None:
            value = value.astimezone(dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class Whole(fields.Integer):
    """A whole number. Dumped as given: validation refuses 8.5 rather than truncating it to 8."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def choice(values: tuple[str, ...], **kwargs) -> fields.String:
    return fields.String(validate=OneOf(values), **kwargs)


def text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=Length(1, max_length), **kwargs)


def described(description: str) -> dict:
    return {"description": description}


class EventData(Schema):
    """Base of every event's `data`: each carries the site it happened at."""

    class Meta:
        unknown = EXCLUDE

    site_id = SiteId(required=True, metadata=described("The site it happened at, e.g. `riverside`."))


class NestedData(Schema):
    """Base of the objects nested inside an event's data."""

    class Meta:
        unknown = EXCLUDE


class TreatmentPlan(NestedData):
    # Bounded so a consumer booking the plan does bounded work: at most daily sessions of each kind.
    group_sessions_per_week = Whole(required=True, validate=Range(0, 7))
    individual_sessions_per_week = Whole(required=True, validate=Range(0, 7))
    family_sessions_per_month = Whole(required=True, validate=Range(0, 8))
    education_sessions_per_week = Whole(required=True, validate=Range(0, 7))


class Screening(NestedData):
    phq9 = Whole(required=True, validate=Range(0, 27), metadata=described("PHQ-9 total."))
    gad7 = Whole(required=True, validate=Range(0, 21), metadata=described("GAD-7 total."))
    pcl5 = Whole(
        required=True,
        allow_none=True,
        validate=Range(0, 80),
        metadata=described("PCL-5 total, null when not administered."),
    )
    screened_on = Day(required=True)
    audit_c = Whole(
        allow_none=True, validate=Range(0, 12), metadata=described("AUDIT-C total, null when not administered.")
    )
    audit_c_positive = fields.Boolean(
        allow_none=True,
        metadata=described("AUDIT-C positive by the sex-specific cut point; null when not administered."),
    )
    dast10 = Whole(
        allow_none=True, validate=Range(0, 10), metadata=described("DAST-10 total, null when not administered.")
    )


class Measure(NestedData):
    instrument = choice(enums.INSTRUMENTS, required=True)
    baseline_score = Whole(required=True, allow_none=True, validate=Range(min=0))
    final_score = Whole(required=True, validate=Range(min=0))
    change = Whole(
        required=True,
        allow_none=True,
        metadata=described("final_score - baseline_score; null without a baseline."),
    )
    reliable_change = choice(enums.RELIABLE_CHANGE, required=True, allow_none=True)
    response = fields.Boolean(required=True, allow_none=True)
    remission = fields.Boolean(required=True, allow_none=True)


RATE = Range(0, 1)
RATE_METADATA = described("Fraction of scheduled sessions attended, 0 to 1.")


# -- intake --------------------------------------------------------------------------------


class PatientReferred(EventData):
    referral_id = Id(required=True)
    patient_id = Id(required=True)
    referred_on = Day(required=True)
    source = text(64, required=True, metadata=described("Who referred, a short code (`self`)."))
    recommendation = choice(enums.RECOMMENDATIONS, required=True)
    recommended_track = choice(
        enums.TRACKS,
        required=True,
        allow_none=True,
        metadata=described("Null unless the recommendation is `iop`."),
    )
    risk_level = choice(
        enums.RISK_LEVELS,
        allow_none=True,
        metadata=described("Risk level of the screening's PHQ-9 item 9; null when it raised none."),
    )


class PatientEnrolled(EventData):
    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    track = choice(enums.TRACKS, required=True)
    age_band = choice(enums.AGE_BANDS, required=True)
    start_date = Day(required=True)
    planned_weeks = Whole(required=True, validate=Range(1, 52))  # a year at most
    weekly_hours = fields.Float(required=True, validate=Range(min=0))
    plan = fields.Nested(TreatmentPlan, required=True)
    preferred_language = text(35, required=True, metadata=described("BCP 47 tag, e.g. `en`."))
    screening = fields.Nested(Screening, required=True)


class TreatmentPlanUpdated(EventData):
    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    plan_version = Whole(required=True, validate=Range(min=1))
    planned_weeks = Whole(required=True, validate=Range(1, 52))  # a year at most
    weekly_hours = fields.Float(required=True, validate=Range(min=0))
    plan = fields.Nested(TreatmentPlan, required=True)


class ProgramCompleted(EventData):
    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    track = choice(enums.TRACKS, required=True)
    start_date = Day(required=True)
    completed_on = Day(required=True)
    weeks_in_program = Whole(required=True, validate=Range(min=0))
    attendance_rate = fields.Float(required=True, validate=RATE, metadata=RATE_METADATA)


class PatientDischarged(EventData):
    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    track = choice(enums.TRACKS, required=True)
    discharged_on = Day(required=True)
    reason = choice(enums.DISCHARGE_REASONS, required=True)


class ReferrerConsentChanged(EventData):
    """The patient gave or withdrew consent to share with the referring provider (the
    discharge summary): ids and the consent only, never the provider's name or address."""

    referral_id = Id(required=True)
    patient_id = Id(required=True)
    enrollment_id = Id(required=True, allow_none=True, metadata=described("Null before enrollment."))
    consent_to_share = fields.Boolean(required=True)


class EmergencyAccessGranted(EventData):
    """Break-the-glass: a clinician of another site opened the patient's record, stating a reason
    (the reason is free text: it stays in intake's audit log, where the privacy officer reads it)."""

    patient_id = Id(required=True)
    accessor = text(255, required=True, metadata=described(
        "Who was granted access: the identity provider's subject, or the API key's id (never a name)."))
    granted_at = Instant(required=True)
    expires_at = Instant(required=True)


class RelatedPersonAdded(EventData):
    """A related person of the patient was recorded. Ids and flags only: their name,
    relationship and contact stay in intake (notifications asks for them at send time)."""

    patient_id = Id(required=True)
    related_person_id = Id(required=True)
    active = fields.Boolean(required=True)
    consent_given = fields.Boolean(required=True, metadata=described(
        "The related person's own consent to be contacted: given (true) or withdrawn."))
    version = Whole(required=True, validate=Range(min=1), metadata=described(
        "Counts the person's changes: a consumer keeps the highest it has seen."))


class RelatedPersonUpdated(RelatedPersonAdded):
    """A related person's details, consent or active flag changed."""


# -- scheduling ----------------------------------------------------------------------------


class SessionScheduled(EventData):
    booking_id = Id(required=True)
    session_id = Id(required=True)
    patient_id = Id(required=True)
    enrollment_id = Id(required=True)
    kind = choice(enums.SESSION_KINDS, required=True)
    modality = choice(enums.MODALITIES, required=True)
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    timezone = text(64, required=True, metadata=described("The site's IANA time zone."))
    staff_id = Id(required=True, allow_none=True, metadata=described("Null until staffed."))


class SessionRescheduled(EventData):
    booking_id = Id(required=True)
    session_id = Id(required=True)
    patient_id = Id(required=True)
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    previous_starts_at = Instant(required=True)


class SessionCancelled(EventData):
    booking_id = Id(required=True)
    session_id = Id(required=True)
    patient_id = Id(required=True)
    reason = text(200, required=True, metadata=described("Operational reason, never clinical."))


class SessionAttended(EventData):
    booking_id = Id(required=True)
    session_id = Id(required=True)
    patient_id = Id(required=True)
    enrollment_id = Id(required=True)
    kind = choice(enums.SESSION_KINDS, required=True)
    modality = choice(enums.MODALITIES, required=True)
    starts_at = Instant(required=True)
    attended_minutes = Whole(required=True, validate=Range(min=0))


class SessionMissed(EventData):
    booking_id = Id(required=True)
    session_id = Id(required=True)
    patient_id = Id(required=True)
    enrollment_id = Id(required=True)
    kind = choice(enums.SESSION_KINDS, required=True)
    modality = choice(enums.MODALITIES, required=True)
    starts_at = Instant(required=True)
    excused = fields.Boolean(required=True)
    consecutive_missed = Whole(required=True, validate=Range(min=0))


class PatientWaitlisted(EventData):
    patient_id = Id(required=True)
    enrollment_id = Id(required=True)
    track = choice(enums.TRACKS, required=True)
    modality = choice(enums.MODALITIES, required=True)
    position = Whole(required=True, validate=Range(min=1), metadata=described("1 is next."))


# -- outcomes ------------------------------------------------------------------------------


class GroupNoteSigned(EventData):
    """A group note's version was signed: ids only, never its text (notes are health data)."""

    note_id = Id(required=True)
    session_id = Id(required=True)
    version = Whole(required=True, validate=Range(min=1))
    patient_ids = fields.List(Id(), required=True, metadata=described(
        "The patients whose charts the note is filed to (each with an individualized part)."))


class AssessmentDue(EventData):
    """v2: due before any enrollment (a C-SSRS after a positive referral screening), and for the
    care team as well as the patient. A v1 event loads under v2 unchanged."""

    patient_id = Id(required=True)
    enrollment_id = Id(required=True, allow_none=True, metadata=described("Null before enrollment."))
    instrument = choice(enums.INSTRUMENTS, required=True)
    due_on = Day(required=True)
    referral_id = Id(allow_none=True, metadata=described("The referral it follows, when due from one."))
    respondent = choice(
        enums.RESPONDENTS, metadata=described("Who answers it: `patient` (also when absent) or `care_team`.")
    )


class AssessmentScored(EventData):
    assessment_id = Id(required=True)
    patient_id = Id(required=True)
    enrollment_id = Id(required=True)
    instrument = choice(enums.INSTRUMENTS, required=True)
    administered_at = Instant(required=True)
    total_score = Whole(required=True, validate=Range(min=0))
    severity = text(64, required=True, metadata=described("The instrument's severity band."))
    baseline_score = Whole(
        required=True, allow_none=True, validate=Range(min=0), metadata=described("Null at baseline.")
    )
    change_from_baseline = Whole(required=True, allow_none=True, metadata=described("Null at baseline."))
    reliable_change = choice(enums.RELIABLE_CHANGE, required=True, allow_none=True)


class RiskFlagRaised(EventData):
    """v2: a flag raised at referral carries `referral_id` and no assessment or enrollment. A v1
    event loads under v2 unchanged."""

    assessment_id = Id(required=True, allow_none=True, metadata=described("Null for a referral's screening."))
    patient_id = Id(required=True)
    enrollment_id = Id(required=True, allow_none=True, metadata=described("Null before enrollment."))
    level = choice(enums.RISK_LEVELS, required=True)
    reason = choice(enums.RISK_REASONS, required=True)
    flag_id = Id(metadata=described("The flag, as `GET /flags` shows it."))
    referral_id = Id(allow_none=True, metadata=described("The referral whose screening raised it."))
    instruments = fields.List(
        choice(enums.INSTRUMENTS),
        metadata=described("For `reliable_deterioration`: every instrument that deteriorated."),
    )


class OutcomeSummaryComputed(EventData):
    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    track = choice(enums.TRACKS, required=True)
    attendance_rate = fields.Float(required=True, validate=RATE, metadata=RATE_METADATA)
    measures = fields.List(fields.Nested(Measure), required=True)


class DischargeSummaryReady(EventData):
    """An ended enrollment's discharge summary can be read: ids only. Its content (the PDF,
    the referrer's address) is fetched from outcomes and intake over HTTP or RPC."""

    enrollment_id = Id(required=True)
    patient_id = Id(required=True)
    document_id = text(64, required=True, metadata=described(
        "The summary's FHIR DocumentReference id (the enrollment id)."))


# -- notifications -------------------------------------------------------------------------


class NotificationSent(EventData):
    notification_id = Id(required=True)
    recipient_type = choice(enums.RECIPIENT_TYPES, required=True)
    recipient_id = Id(required=True)
    channel = text(32, required=True, metadata=described("e.g. `email`, `sms`."))
    template = text(64, required=True)
    cause_event_id = Id(required=True, metadata=described("Id of the event that caused it."))


class NotificationFailed(NotificationSent):
    error = text(500, required=True, metadata=described("The last delivery error, with no contact details."))
    attempts = Whole(required=True, validate=Range(min=1))


class CareTeamAlerted(EventData):
    alert_id = Id(required=True)
    patient_id = Id(required=True)
    reason = choice(enums.ALERT_REASONS, required=True)
    level = choice(enums.RISK_LEVELS, required=True)
    cause_event_id = Id(required=True, metadata=described("Id of the event that caused it."))
    escalation_level = Whole(
        validate=Range(min=0),
        metadata=described("0 for the first alert; each escalation of an unacknowledged alert adds 1."),
    )


# -- the registry --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EventType:
    type: str
    producer: str
    schema: type[EventData]
    version: int = 1
    summary: str

    # A new version may only widen the one before (a field made nullable or optional, an added
    # optional field), so its schema still loads every earlier version's data.
    @property
    def dataschemas_read(self) -> tuple[str, ...]:
        return tuple(f"urn:iop:event:{self.type}:v{n}" for n in range(1, self.version + 1))

    @property
    def exchange(self) -> str:
        return events_exchange(self.producer)

    @property
    def routing_key(self) -> str:
        return self.type

    @property
    def source(self) -> str:
        return f"urn:iop:service:{self.producer}"

    @property
    def dataschema(self) -> str:
        return f"urn:iop:event:{self.type}:v{self.version}"


class UnknownEventType(KeyError):
    def __str__(self) -> str:
        return f"{self.args[0]!r} is not an event type of the catalog"


_TYPES = [
    ("intake", PatientReferred, "A referral was received and triaged."),
    ("intake", PatientEnrolled, "A patient was enrolled in an IOP track with a treatment plan."),
    ("intake", TreatmentPlanUpdated, "An enrollment's treatment plan changed."),
    ("intake", ProgramCompleted, "A patient completed the program."),
    ("intake", PatientDischarged, "A patient was discharged from the program."),
    ("intake", EmergencyAccessGranted, "A clinician of another site was granted access to a patient (break-the-glass)."),
    ("intake", ReferrerConsentChanged, "A patient gave or withdrew consent to share with their referring provider."),
    ("intake", RelatedPersonAdded, "A related person (family member) of a patient was recorded."),
    ("intake", RelatedPersonUpdated, "A related person's details, consent to be contacted or active flag changed."),
    ("scheduling", SessionScheduled, "A patient was booked into a session."),
    ("scheduling", SessionRescheduled, "A booking moved to another time."),
    ("scheduling", SessionCancelled, "A booked session was cancelled."),
    ("scheduling", SessionAttended, "A patient attended a booked session."),
    ("scheduling", SessionMissed, "A patient missed a booked session."),
    ("scheduling", PatientWaitlisted, "A patient was put on the waitlist for a full modality."),
    ("scheduling", GroupNoteSigned, "A group session's note (or its amendment) was signed."),
    ("outcomes", AssessmentDue, "A measurement-based-care assessment became due."),
    ("outcomes", AssessmentScored, "An assessment was scored against the patient's baseline."),
    ("outcomes", RiskFlagRaised, "A referral's screening or an assessment raised a risk flag."),
    ("outcomes", OutcomeSummaryComputed, "An enrollment's outcome summary was computed."),
    ("outcomes", DischargeSummaryReady, "An ended enrollment's discharge summary is ready."),
    ("notifications", NotificationSent, "A notification was delivered to a patient or staff member."),
    ("notifications", NotificationFailed, "A notification could not be delivered."),
    ("notifications", CareTeamAlerted, "A patient's care team was alerted."),
]

# Event types past their first version; see EventType.dataschemas_read.
_VERSIONS = {"AssessmentDue": 2, "RiskFlagRaised": 2}

CATALOG: dict[str, EventType] = {
    schema.__name__: EventType(
        type=schema.__name__,
        producer=producer,
        schema=schema,
        summary=summary,
        version=_VERSIONS.get(schema.__name__, 1),
    )
    for producer, schema, summary in _TYPES
}


def event_type(name: str) -> EventType:
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownEventType(name) from None


def events_published_by(service: str) -> list[EventType]:
    return [event for event in CATALOG.values() if event.producer == service]

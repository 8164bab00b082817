"""The catalog matches handbook CONTRACTS.md: types, producers, fields, enumerations, privacy."""

import datetime as dt

import pytest
from marshmallow import fields
from marshmallow.validate import OneOf

from shared import enums
from shared.events import CATALOG, UnknownEventType, event_type, events_published_by
from tests.unit.event_examples import EXAMPLES

# The catalog table of CONTRACTS.md: type → (producer, data fields besides site_id).
CONTRACT = {
    "PatientReferred": ("intake", "referral_id patient_id referred_on source recommendation recommended_track risk_level"),
    "PatientEnrolled": (
        "intake",
        "enrollment_id patient_id track age_band start_date planned_weeks weekly_hours plan "
        "preferred_language screening",
    ),
    "TreatmentPlanUpdated": ("intake", "enrollment_id patient_id plan_version planned_weeks weekly_hours plan"),
    "ProgramCompleted": (
        "intake",
        "enrollment_id patient_id track start_date completed_on weeks_in_program attendance_rate",
    ),
    "PatientDischarged": ("intake", "enrollment_id patient_id track discharged_on reason"),
    "EmergencyAccessGranted": ("intake", "patient_id accessor granted_at expires_at"),
    "ReferrerConsentChanged": ("intake", "referral_id patient_id enrollment_id consent_to_share"),
    "RelatedPersonAdded": ("intake", "patient_id related_person_id active consent_given version"),
    "RelatedPersonUpdated": ("intake", "patient_id related_person_id active consent_given version"),
    "SessionScheduled": (
        "scheduling",
        "booking_id session_id patient_id enrollment_id kind modality starts_at ends_at timezone staff_id",
    ),
    "SessionRescheduled": (
        "scheduling",
        "booking_id session_id patient_id starts_at ends_at previous_starts_at",
    ),
    "SessionCancelled": ("scheduling", "booking_id session_id patient_id reason"),
    "SessionAttended": (
        "scheduling",
        "booking_id session_id patient_id enrollment_id kind modality starts_at attended_minutes",
    ),
    "SessionMissed": (
        "scheduling",
        "booking_id session_id patient_id enrollment_id kind modality starts_at excused consecutive_missed",
    ),
    "PatientWaitlisted": ("scheduling", "patient_id enrollment_id track modality position"),
    "GroupNoteSigned": ("scheduling", "note_id session_id version patient_ids"),
    "AssessmentDue": ("outcomes", "patient_id enrollment_id instrument due_on referral_id respondent"),
    "AssessmentScored": (
        "outcomes",
        "assessment_id patient_id enrollment_id instrument administered_at total_score severity "
        "baseline_score change_from_baseline reliable_change",
    ),
    "RiskFlagRaised": (
        "outcomes",
        "assessment_id patient_id enrollment_id level reason flag_id referral_id instruments",
    ),
    "OutcomeSummaryComputed": ("outcomes", "enrollment_id patient_id track attendance_rate measures"),
    "DischargeSummaryReady": ("outcomes", "enrollment_id patient_id document_id"),
    "NotificationSent": (
        "notifications",
        "notification_id recipient_type recipient_id channel template cause_event_id",
    ),
    "NotificationFailed": (
        "notifications",
        "notification_id recipient_type recipient_id channel template cause_event_id error attempts",
    ),
    "CareTeamAlerted": ("notifications", "alert_id patient_id reason level cause_event_id escalation_level"),
}

NESTED_CONTRACT = {
    ("PatientEnrolled", "plan"): "group_sessions_per_week individual_sessions_per_week "
    "family_sessions_per_month education_sessions_per_week",
    ("TreatmentPlanUpdated", "plan"): "group_sessions_per_week individual_sessions_per_week "
    "family_sessions_per_month education_sessions_per_week",
    ("PatientEnrolled", "screening"): "phq9 gad7 pcl5 screened_on audit_c audit_c_positive dast10",
    ("OutcomeSummaryComputed", "measures"): "instrument baseline_score final_score change "
    "reliable_change response remission",
}

# Enumerated fields of CONTRACTS.md and the enumeration each takes its values from.
ENUMERATED = {
    "track": enums.TRACKS,
    "recommended_track": enums.TRACKS,
    "modality": enums.MODALITIES,
    "kind": enums.SESSION_KINDS,
    "instrument": enums.INSTRUMENTS,
    "age_band": enums.AGE_BANDS,
    "recommendation": enums.RECOMMENDATIONS,
    "reliable_change": enums.RELIABLE_CHANGE,
    "level": enums.RISK_LEVELS,
    "recipient_type": enums.RECIPIENT_TYPES,
}
ENUMERATED_REASONS = {
    "PatientDischarged": enums.DISCHARGE_REASONS,
    "RiskFlagRaised": enums.RISK_REASONS,
    "CareTeamAlerted": enums.ALERT_REASONS,
}

# Identity and contact details never travel in events (ARCHITECTURE.md, "Minimum necessary").
IDENTITY_WORDS = ("name", "email", "phone", "birth", "address", "contact")


def data_fields(type_name):
    return event_type(type_name).schema().fields


def nested_schema(field):
    inner = field.inner if isinstance(field, fields.List) else field
    return inner.schema


def all_field_names(schema):
    for name, field in schema.fields.items():
        yield name
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from all_field_names(inner.schema)


def choices(field):
    return next(validator.choices for validator in field.validators if isinstance(validator, OneOf))


def test_catalog_holds_exactly_the_contract_types_with_their_producers():
    assert {name: event.producer for name, event in CATALOG.items()} == {
        name: producer for name, (producer, _) in CONTRACT.items()
    }


@pytest.mark.parametrize("type_name", CONTRACT)
def test_data_has_exactly_the_contract_fields_plus_site_id(type_name):
    assert set(data_fields(type_name)) == {"site_id", *CONTRACT[type_name][1].split()}


@pytest.mark.parametrize(("type_name", "field_name"), NESTED_CONTRACT)
def test_nested_objects_have_exactly_the_contract_fields(type_name, field_name):
    schema = nested_schema(data_fields(type_name)[field_name])
    assert set(schema.fields) == set(NESTED_CONTRACT[type_name, field_name].split())


# Fields added after their event was first published: optional, since earlier events lack them.
ADDED_LATER = {
    ("PatientReferred", "risk_level"),
    ("AssessmentDue", "referral_id"),
    ("AssessmentDue", "respondent"),
    ("RiskFlagRaised", "flag_id"),
    ("RiskFlagRaised", "referral_id"),
    ("RiskFlagRaised", "instruments"),
    ("CareTeamAlerted", "escalation_level"),
}


@pytest.mark.parametrize("type_name", CONTRACT)
def test_every_catalog_field_is_required_unless_added_later(type_name):
    optional = {name for name, field in data_fields(type_name).items() if not field.required}
    assert optional == {name for kind, name in ADDED_LATER if kind == type_name}


def test_nullable_fields_are_those_the_contract_allows_to_be_null():
    nullable = {
        (name, field_name)
        for name in CATALOG
        for field_name, field in data_fields(name).items()
        if field.allow_none
    }
    assert nullable == {
        ("PatientReferred", "recommended_track"),
        ("SessionScheduled", "staff_id"),
        ("AssessmentScored", "baseline_score"),
        ("AssessmentScored", "change_from_baseline"),
        ("AssessmentScored", "reliable_change"),
        ("PatientReferred", "risk_level"),
        ("AssessmentDue", "enrollment_id"),
        ("AssessmentDue", "referral_id"),
        ("RiskFlagRaised", "assessment_id"),
        ("RiskFlagRaised", "enrollment_id"),
        ("RiskFlagRaised", "referral_id"),
        ("ReferrerConsentChanged", "enrollment_id"),
    }
    screening = nested_schema(data_fields("PatientEnrolled")["screening"]).fields
    assert [name for name, field in screening.items() if field.allow_none] == [
        "pcl5", "audit_c", "audit_c_positive", "dast10"]


@pytest.mark.parametrize("type_name", CONTRACT)
def test_enumerated_fields_take_the_contract_values(type_name):
    for field_name, field in data_fields(type_name).items():
        if field_name in ENUMERATED:
            assert choices(field) == ENUMERATED[field_name]
        if field_name == "reason" and type_name in ENUMERATED_REASONS:
            assert choices(field) == ENUMERATED_REASONS[type_name]


@pytest.mark.parametrize("type_name", CONTRACT)
def test_events_carry_ids_not_identity(type_name):
    names = list(all_field_names(event_type(type_name).schema()))
    assert [name for name in names if any(word in name for word in IDENTITY_WORDS)] == []


@pytest.mark.parametrize("type_name", ["PatientReferred", "PatientEnrolled"])
def test_referral_and_enrollment_carry_no_name_email_phone_or_birth_date(type_name):
    names = set(all_field_names(event_type(type_name).schema()))
    assert names.isdisjoint({"given_name", "family_name", "name", "email", "phone", "birth_date"})


def test_an_unknown_type_is_a_clear_error():
    with pytest.raises(UnknownEventType, match="'PatientTeleported' is not an event type"):
        event_type("PatientTeleported")


def test_an_unknown_type_is_still_a_key_error_for_callers_that_expect_one():
    with pytest.raises(KeyError):
        event_type("PatientTeleported")


@pytest.mark.parametrize("service", ["intake", "scheduling", "outcomes", "notifications"])
def test_events_published_by_lists_a_services_events_in_catalog_order(service):
    expected = [name for name, (producer, _) in CONTRACT.items() if producer == service]
    assert [event.type for event in events_published_by(service)] == expected


def test_a_service_that_publishes_nothing_has_no_events():
    assert events_published_by("gateway") == []


def test_event_types_name_their_exchange_source_and_schema():
    enrolled = event_type("PatientEnrolled")
    assert (enrolled.exchange, enrolled.routing_key) == ("intake.events", "PatientEnrolled")
    assert enrolled.source == "urn:iop:service:intake"
    assert enrolled.dataschema == "urn:iop:event:PatientEnrolled:v1"
    assert enrolled.version == 1 and enrolled.summary


def test_the_shared_examples_cover_every_type():
    assert set(EXAMPLES) == set(CATALOG)


def test_a_weekdays_position_is_its_python_weekday_number():
    # Scheduling stores WEEKDAYS.index(name) and matches it against date.weekday().
    week = [dt.date(2025, 3, 3) + dt.timedelta(days=offset) for offset in range(7)]  # a Monday on
    assert [enums.WEEKDAYS[day.weekday()] for day in week] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_a_signed_group_note_carries_ids_and_its_version_never_text():
    fields_of = data_fields("GroupNoteSigned")
    assert set(fields_of) == {"site_id", "note_id", "session_id", "version", "patient_ids"}
    assert [name for name in fields_of if "text" in name or "part" in name] == []

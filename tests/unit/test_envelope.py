"""build_envelope and parse_envelope: the CloudEvents 1.0 contract of every message body."""

import datetime as dt
import json
import uuid

import pytest

from shared.events import CATALOG, InvalidEvent, UnknownEventType, build_envelope, parse_envelope
from tests.unit.event_examples import EXAMPLES, SITE, example

ALL_TYPES = sorted(CATALOG)
REQUIRED_ATTRIBUTES = [
    "specversion",
    "id",
    "type",
    "source",
    "time",
    "datacontenttype",
    "dataschema",
    "siteid",
    "correlationid",
    "data",
]


def build(type_name="PatientEnrolled", data=None, **options):
    options.setdefault("source_service", CATALOG[type_name].producer)
    options.setdefault("site_id", SITE)
    return build_envelope(type_name, example(type_name) if data is None else data, **options)


def errors_of(call, *args, **kwargs):
    with pytest.raises(InvalidEvent) as raised:
        call(*args, **kwargs)
    return raised.value.errors


# -- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", ALL_TYPES)
def test_every_event_type_round_trips_through_json(type_name):
    envelope = build(type_name, subject="patient/42", correlation_id="req-7")
    event = parse_envelope(json.dumps(envelope))
    assert event.type == type_name
    assert event.data == EXAMPLES[type_name]
    assert (event.id, event.site_id, event.subject, event.correlation_id) == (
        envelope["id"],
        SITE,
        "patient/42",
        "req-7",
    )
    assert event.source == f"urn:iop:service:{CATALOG[type_name].producer}"
    assert event.envelope == envelope


@pytest.mark.parametrize("body", [str, str.encode, dict], ids=["str", "bytes", "dict"])
def test_parse_accepts_str_bytes_and_dict(body):
    envelope = build()
    raw = envelope if body is dict else body(json.dumps(envelope))
    assert parse_envelope(raw).id == envelope["id"]


def test_loaded_data_holds_dates_and_aware_datetimes():
    event = parse_envelope(json.dumps(build("SessionScheduled")))
    assert event.data["starts_at"] == dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.timezone.utc)
    assert event.time.tzinfo is not None
    assert parse_envelope(build("PatientEnrolled")).data["start_date"] == dt.date(2025, 3, 3)


# -- the envelope built --------------------------------------------------------------------


def test_envelope_attributes_follow_cloudevents_and_the_catalog():
    envelope = build("PatientEnrolled")
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "PatientEnrolled"
    assert envelope["source"] == "urn:iop:service:intake"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["dataschema"] == "urn:iop:event:PatientEnrolled:v1"
    assert envelope["siteid"] == SITE
    assert uuid.UUID(envelope["id"]).version == 4
    assert uuid.UUID(envelope["correlationid"]).version == 4
    assert "subject" not in envelope
    json.dumps(envelope)  # a plain JSON document


def test_dates_and_times_in_data_become_iso_strings_in_utc():
    eastern = dt.timezone(dt.timedelta(hours=-5))
    starts_at = dt.datetime(2025, 3, 3, 9, 0, tzinfo=eastern)
    data = build("SessionScheduled", example("SessionScheduled", starts_at=starts_at))["data"]
    assert data["starts_at"] == "2025-03-03T14:00:00+00:00"
    assert build("PatientEnrolled")["data"]["start_date"] == "2025-03-03"


def test_data_may_be_given_in_its_json_form():
    data = example("PatientEnrolled", start_date="2025-03-03")
    assert build("PatientEnrolled", data)["data"]["start_date"] == "2025-03-03"


def test_given_time_is_published_in_utc_with_its_offset():
    berlin = dt.timezone(dt.timedelta(hours=1))
    envelope = build(time=dt.datetime(2025, 3, 3, 10, 0, tzinfo=berlin))
    assert envelope["time"] == "2025-03-03T09:00:00+00:00"


def test_time_defaults_to_now_in_utc():
    before = dt.datetime.now(dt.timezone.utc)
    published = dt.datetime.fromisoformat(build()["time"])
    assert published.utcoffset() == dt.timedelta(0)
    assert before <= published <= dt.datetime.now(dt.timezone.utc)


def test_given_ids_are_kept():
    event_id = str(uuid.uuid4())
    envelope = build(event_id=event_id, correlation_id="checkout-19")
    assert (envelope["id"], envelope["correlationid"]) == (event_id, "checkout-19")


def test_site_id_may_be_left_to_the_envelope():
    data = example("PatientEnrolled")
    del data["site_id"]
    assert build("PatientEnrolled", data)["data"]["site_id"] == SITE


# -- what build refuses --------------------------------------------------------------------

REQUIRED_DATA_FIELDS = [
    (type_name, field_name) for type_name in ALL_TYPES for field_name in EXAMPLES[type_name] if field_name != "site_id"
]


@pytest.mark.parametrize(("type_name", "field_name"), REQUIRED_DATA_FIELDS)
def test_a_missing_data_field_is_named(type_name, field_name):
    data = example(type_name)
    del data[field_name]
    assert field_name in errors_of(build, type_name, data)


@pytest.mark.parametrize(
    ("type_name", "field_name", "value"),
    [
        ("PatientEnrolled", "planned_weeks", "eight"),
        ("PatientEnrolled", "planned_weeks", 8.5),
        ("PatientEnrolled", "track", "insomnia"),
        ("PatientEnrolled", "start_date", "03/03/2025"),
        ("PatientEnrolled", "start_date", dt.datetime(2025, 3, 3, 23, 30)),
        ("PatientEnrolled", "patient_id", "patient-17"),
        ("PatientEnrolled", "plan", "three groups a week"),
        ("SessionScheduled", "starts_at", dt.datetime(2025, 3, 3, 14, 0)),
        ("SessionScheduled", "starts_at", "tomorrow"),
        ("SessionScheduled", "staff_id", 42),
        ("SessionMissed", "excused", "maybe"),
        ("AssessmentScored", "total_score", None),
        ("OutcomeSummaryComputed", "attendance_rate", 87.5),
        ("OutcomeSummaryComputed", "measures", 7),
    ],
)
def test_a_mistyped_data_field_is_named(type_name, field_name, value):
    assert field_name in errors_of(build, type_name, example(type_name, **{field_name: value}))


def test_a_nested_error_is_named_inside_its_object():
    data = example("PatientEnrolled")
    del data["plan"]["family_sessions_per_month"]
    assert "family_sessions_per_month" in errors_of(build, "PatientEnrolled", data)["plan"]


def test_a_field_outside_the_catalog_is_refused_so_identity_cannot_leak():
    errors = errors_of(build, "PatientReferred", example("PatientReferred", email="jo@example.org"))
    assert errors == {"email": ["Unknown field."]}


def test_a_nested_field_outside_the_catalog_is_refused():
    data = example("PatientEnrolled")
    data["screening"]["phq9_items"] = [3] * 9
    assert errors_of(build, "PatientEnrolled", data) == {"screening": {"phq9_items": ["Unknown field."]}}


def test_an_unknown_type_cannot_be_built():
    with pytest.raises(UnknownEventType):
        build_envelope("PatientTeleported", {}, source_service="intake", site_id=SITE)


def test_a_service_cannot_publish_another_services_event():
    assert "source_service" in errors_of(build, "PatientEnrolled", source_service="scheduling")


def test_data_of_another_site_is_refused():
    assert "site_id" in errors_of(build, "PatientEnrolled", example("PatientEnrolled", site_id="lakeside"))


@pytest.mark.parametrize(
    ("option", "value", "argument"),
    [
        ("event_id", "not-a-uuid", "event_id"),
        ("site_id", "River Side", "site_id"),
        ("correlation_id", "", "correlation_id"),
        ("time", dt.datetime(2025, 3, 3, 9, 0), "time"),
    ],
)
def test_bad_envelope_arguments_are_named(option, value, argument):
    data = example("PatientEnrolled", site_id=value) if option == "site_id" else None
    assert argument in errors_of(build, "PatientEnrolled", data, **{option: value})


# -- what parse refuses --------------------------------------------------------------------


@pytest.mark.parametrize("attribute", REQUIRED_ATTRIBUTES)
def test_an_envelope_missing_an_attribute_is_refused(attribute):
    envelope = build()
    del envelope[attribute]
    assert attribute in errors_of(parse_envelope, envelope)


def test_another_specversion_is_refused():
    assert "specversion" in errors_of(parse_envelope, {**build(), "specversion": "0.3"})


def test_an_unknown_type_is_refused():
    errors = errors_of(parse_envelope, {**build(), "type": "PatientTeleported"})
    assert errors == {"type": ["Unknown event type 'PatientTeleported'."]}


def test_an_event_from_the_wrong_producer_is_refused():
    errors = errors_of(parse_envelope, {**build("PatientEnrolled"), "source": "urn:iop:service:scheduling"})
    assert list(errors) == ["source"]


def test_another_version_of_the_data_schema_is_refused():
    errors = errors_of(parse_envelope, {**build(), "dataschema": "urn:iop:event:PatientEnrolled:v2"})
    assert list(errors) == ["dataschema"]


def test_another_content_type_is_refused():
    assert "datacontenttype" in errors_of(parse_envelope, {**build(), "datacontenttype": "text/xml"})


def test_a_naive_time_is_refused():
    assert "time" in errors_of(parse_envelope, {**build(), "time": "2025-03-03T09:00:00"})


def test_invalid_data_is_reported_under_data_by_field():
    envelope = build()
    envelope["data"]["planned_weeks"] = "eight"
    del envelope["data"]["track"]
    errors = errors_of(parse_envelope, envelope)
    assert set(errors) == {"data"}
    assert set(errors["data"]) == {"planned_weeks", "track"}


def test_data_of_another_site_than_the_envelope_is_refused():
    assert "siteid" in errors_of(parse_envelope, {**build(), "siteid": "lakeside"})


@pytest.mark.parametrize("body", [b"\xff\xfe not json", "{not json", "[1, 2]", 42])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    assert "body" in errors_of(parse_envelope, body)


def test_invalid_event_is_a_value_error_with_its_errors():
    with pytest.raises(ValueError) as raised:
        parse_envelope({})
    assert set(raised.value.errors) == set(REQUIRED_ATTRIBUTES)


# -- what parse tolerates ------------------------------------------------------------------


def test_fields_added_by_a_newer_producer_are_ignored():
    envelope = build("PatientEnrolled")
    envelope["data"]["risk_tier"] = "standard"
    envelope["data"]["screening"]["who5"] = 48
    event = parse_envelope(envelope)
    assert "risk_tier" not in event.data and "who5" not in event.data["screening"]


def test_unknown_extension_attributes_are_ignored():
    assert parse_envelope({**build(), "traceparent": "00-abc-def-01"}).type == "PatientEnrolled"


def test_an_earlier_version_of_a_versioned_event_is_still_read():
    published_by_v1 = {**build("RiskFlagRaised"), "dataschema": "urn:iop:event:RiskFlagRaised:v1"}
    assert parse_envelope(published_by_v1).data["level"] == EXAMPLES["RiskFlagRaised"]["level"]
    later = {**build("RiskFlagRaised"), "dataschema": "urn:iop:event:RiskFlagRaised:v3"}
    assert list(errors_of(parse_envelope, later)) == ["dataschema"]


def test_a_flag_raised_at_referral_has_no_assessment_or_enrollment():
    data = {**EXAMPLES["RiskFlagRaised"], "assessment_id": None, "enrollment_id": None,
            "referral_id": str(uuid.uuid4()), "flag_id": str(uuid.uuid4())}
    envelope = build("RiskFlagRaised", data)
    assert envelope["dataschema"] == "urn:iop:event:RiskFlagRaised:v2"
    assert parse_envelope(envelope).data["enrollment_id"] is None


# -- the compiled fast path agrees with the schema ---------------------------------------------

FAST_PATH_CASES = [
    {},  # as built
    {"time": "2026-11-27T09:30:00+00:00"},  # no fraction of a second
    {"time": "2026-11-27T09:30:00.5+00:00"},  # another ISO form: left to the schema
    {"time": "2026-11-27T04:30:00-05:00"},
    {"time": "2026-11-27T09:30:00"},  # naive
    {"time": "2026-13-27T09:30:00+00:00"},
    {"time": 1764235800},
    {"id": "not-a-uuid"},
    {"id": str(uuid.uuid4()) + "\n"},  # the schema's own patterns decide, trailing newline included
    {"siteid": "River side"},
    {"siteid": "riverside\n"},
    {"siteid": "x" * 65},
    {"siteid": 7},
    {"correlationid": ""},
    {"correlationid": "c" * 201},
    {"subject": ""},
    {"subject": None},
    {"subject": b"bytes"},
    {"source": "urn:iop:service:Intake"},
    {"specversion": "0.3"},
    {"datacontenttype": "text/plain"},
    {"type": ""},
    {"data": []},
    {"data": None},
    {"extension": "ignored"},
]


@pytest.mark.parametrize("change", FAST_PATH_CASES)
def test_the_fast_attribute_check_agrees_with_the_envelope_schema(change):
    from marshmallow import ValidationError

    from shared.events.envelope import ENVELOPE_SCHEMA, _fast_attributes

    envelope = {**build(subject=str(uuid.uuid4())), **change}
    fast = _fast_attributes(envelope)
    try:
        loaded = ENVELOPE_SCHEMA.load(envelope)
    except ValidationError:
        loaded = None
    # Whatever the fast path accepts, the schema accepts the same way; it refuses nothing itself.
    assert fast is None or fast == loaded
    if fast is not None:
        assert fast["time"].utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("missing", ["subject", "time", "data"])
def test_the_fast_attribute_check_leaves_a_missing_attribute_to_the_schema(missing):
    from shared.events.envelope import _fast_attributes

    envelope = build(subject=str(uuid.uuid4()))
    del envelope[missing]
    assert (_fast_attributes(envelope) is None) == (missing != "subject")

"""Request and response bodies of the intake API (marshmallow 4).

Unknown fields are refused (marshmallow's default) so a typo is a 422 naming it, not a silent
default. What needs the configuration, the clinical rules or the database (the site exists, the
referral's dates, the screening's items, the planned weeks' range) is checked by the use cases,
with the same error shape.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from shared import enums
from shared.fields import day, language_tag, phone_number, text, uuid_string, whole
from shared.scoring import SEXES

from services.intake.domain.referrals import PHQ9_ITEM9, consent_errors, npi_is_valid

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


# -- requests ------------------------------------------------------------------------------


class PatientIn(Schema):
    given_name = text(100, required=True)
    family_name = text(100, required=True)
    birth_date = day(required=True, validate=Range(min=EARLIEST_BIRTH_DATE))
    email = fields.Email(load_default=None, allow_none=True, validate=Length(max=254))
    phone = phone_number(load_default=None, allow_none=True)
    preferred_language = language_tag(load_default="en")
    interpreter_needed = fields.Boolean(load_default=False)
    # For the AUDIT-C cut point (4 for men, 3 for women; 3 when not recorded): optional.
    sex = fields.String(load_default=None, allow_none=True, validate=OneOf(SEXES))


class ScreeningIn(Schema):
    """Item-level answers. Their counts and ranges are the instruments' own, in the clinical
    rules: checked by the referral use case (422 naming `screening.phq9.3`)."""

    phq9 = fields.Raw(required=True)
    gad7 = fields.Raw(required=True)
    pcl5 = fields.Raw(load_default=None)
    # Optional substance-use screens: AUDIT-C 3 items 0-4; DAST-10 10 answers as asked (1 yes, 0 no).
    audit_c = fields.Raw(load_default=None)
    dast10 = fields.Raw(load_default=None)


class ConsentsIn(Schema):
    treatment = fields.Boolean(required=True)
    email = fields.Boolean(required=True)
    sms = fields.Boolean(required=True)


def _npi(value: str) -> None:
    if not npi_is_valid(value):
        raise ValidationError("Not a valid NPI: 10 digits with its check digit.")


class ReferrerIn(Schema):
    """The referring provider, and whether the patient consents to share the discharge summary
    with them (changeable later: PUT /referrals/{id}/referrer-consent)."""
    name = text(120, required=True)
    organization = text(200, load_default=None)
    direct_address = fields.Email(required=True, validate=Length(max=254), metadata={
        "description": "Secure email or Direct address the summary goes to"})
    npi = fields.String(load_default=None, validate=_npi)
    consent_to_share = fields.Boolean(required=True)


class ReferrerConsentIn(Schema):
    consent_to_share = fields.Boolean(required=True)


class ReferralIn(Schema):
    """A new patient (`patient` and `consents`), or a returning one (`patient_id`; `consents`
    optional, replacing the recorded ones when given)."""

    site_id = fields.String(required=True, validate=Length(1, 64))
    patient = fields.Nested(PatientIn, load_default=None)
    patient_id = uuid_string(load_default=None)
    # A short code for who referred (`self`, `primary_care`): events carry it, so no free text.
    source = fields.String(required=True, validate=Regexp(
        r"^[a-z][a-z0-9_]{0,63}$", error="Must be a short code of lowercase letters, digits and _."))
    referred_on = day(load_default=None)
    screening = fields.Nested(ScreeningIn, required=True)
    consents = fields.Nested(ConsentsIn, load_default=None)
    referrer = fields.Nested(ReferrerIn, load_default=None)

    @validates_schema
    def consistent(self, data, **kwargs):
        patient, consents = data["patient"], data["consents"]
        if (patient is None) == (data["patient_id"] is None):
            raise ValidationError({"patient": ["Give either patient (new) or patient_id (returning)."]})
        if patient is None:
            return
        errors = {}
        if consents is None:
            errors["consents"] = ["Missing data for required field."]
        else:
            errors.update(consent_errors(consents, patient["email"], patient["phone"]))
        if errors:
            raise ValidationError(errors)


class PlanIn(Schema):
    group_sessions_per_week = whole(0, 7, required=True)
    individual_sessions_per_week = whole(0, 7, required=True)
    # The event catalog's bound; the bookable count (calendar.weeks_per_month ×
    # program.family_sessions_max_per_week, 4 by default) is the enrollment use case's check.
    family_sessions_per_month = whole(0, 8, required=True, metadata={"description": (
        "At most calendar.weeks_per_month × program.family_sessions_max_per_week of the "
        "clinical rules (4 by default): what the scheduler books.")})
    education_sessions_per_week = whole(0, 7, required=True)


def goals_field(**kwargs) -> fields.List:
    return fields.List(text(500), validate=Length(1, 20), **kwargs)


def planned_weeks_field(**kwargs) -> fields.Integer:
    # A whole number here; its range (program.planned_weeks) is the enrollment use case's.
    return fields.Integer(strict=True, **kwargs)


class EnrollmentIn(Schema):
    referral_id = uuid_string(required=True)
    track = fields.String(required=True, validate=OneOf(enums.TRACKS))
    start_date = day(required=True)
    planned_weeks = planned_weeks_field(load_default=None)  # None: the program's default
    plan = fields.Nested(PlanIn, required=True)
    goals = goals_field(required=True)


class PlanUpdateIn(Schema):
    """A new version of the plan; planned_weeks and goals stay as they were when left out."""

    plan = fields.Nested(PlanIn, required=True)
    planned_weeks = planned_weeks_field(load_default=None)
    goals = goals_field(load_default=None)


class AftercareIn(Schema):
    """What follows the program, as the discharge summary tells the referring provider."""
    plan = text(2000, required=True, metadata={"description": "The aftercare plan, as agreed"})
    provider = text(200, load_default=None, metadata={
        "description": "Who continues the care (a practice, a program)"})
    first_appointment_on = day(load_default=None)


class DischargeIn(Schema):
    reason = fields.String(required=True, validate=OneOf(enums.DISCHARGE_REASONS))
    on = day(required=True)
    # A clinician's reason to discharge as completed below the attendance rate; kept.
    override_reason = text(1000, load_default=None)
    # Optional; the discharge summary shows it (free text about the patient: never in an event).
    aftercare = fields.Nested(AftercareIn, load_default=None)

    @validates_schema
    def override_only_for_completion(self, data, **kwargs):
        if data["override_reason"] and data["reason"] != "completed":
            raise ValidationError({"override_reason": ["Only for a discharge as completed."]})
        aftercare = data["aftercare"]
        if aftercare and aftercare["first_appointment_on"] and \
                aftercare["first_appointment_on"] < data["on"]:
            raise ValidationError({"aftercare": {"first_appointment_on": [
                "Must not be before the discharge date."]}})


class RelatedPersonIn(Schema):
    """A related person (POST, PUT). PATCH takes any of these fields; one of email and phone
    is needed once the change is applied (checked by the use case, 422 naming both)."""
    given_name = text(100, required=True)
    family_name = text(100, required=True)
    relationship = fields.String(required=True, validate=OneOf(enums.RELATIONSHIPS), metadata={
        "description": "HL7 v3 RoleCode: MTH, FTH, PRN, SPS, DOMPART, SIB, CHILD, GRPRN, GUARD, "
                       "FRND, ..."})
    email = fields.Email(load_default=None, allow_none=True, validate=Length(max=254))
    phone = phone_number(load_default=None, allow_none=True)
    preferred_language = language_tag(load_default="en")
    consent_to_contact = fields.Boolean(required=True, metadata={
        "description": "Their own consent to be contacted (reminders of family sessions)"})
    active = fields.Boolean(load_default=True)


# -- responses -----------------------------------------------------------------------------


class PlanOut(Schema):
    group_sessions_per_week = fields.Integer()
    individual_sessions_per_week = fields.Integer()
    family_sessions_per_month = fields.Integer()
    education_sessions_per_week = fields.Integer()


class ScoresOut(Schema):
    phq9 = fields.Integer()
    gad7 = fields.Integer()
    pcl5 = fields.Integer(allow_none=True)
    audit_c = fields.Integer(allow_none=True)
    audit_c_positive = fields.Boolean(allow_none=True)
    dast10 = fields.Integer(allow_none=True)
    severities = fields.Dict(keys=fields.String())
    answers = fields.Dict(keys=fields.String())


class RiskFlagOut(Schema):
    level = fields.String(metadata={"enum": list(enums.RISK_LEVELS)})
    reason = fields.String(metadata={"enum": [PHQ9_ITEM9]})


class ReferrerOut(Schema):
    name = fields.String()
    organization = fields.String(allow_none=True)
    direct_address = fields.String()
    npi = fields.String(allow_none=True)
    consent_to_share = fields.Boolean()
    consent_recorded_at = fields.DateTime()


class ReferralOut(Schema):
    referral_id = fields.String()
    patient_id = fields.String()
    site_id = fields.String()
    source = fields.String()
    referred_on = fields.Date()
    recommendation = fields.String()
    recommended_track = fields.String(allow_none=True)
    # The screening's PHQ-9 item 9 above 0, whatever the recommendation; null when it raised none.
    risk_flag = fields.Nested(RiskFlagOut, allow_none=True, metadata={"description": (
        "The risk the screening's PHQ-9 item 9 raised (1 moderate, 2 or more high), whatever "
        "the recommendation; null for an item 9 of 0.")})
    screening = fields.Nested(ScoresOut)
    enrollment_id = fields.String(allow_none=True)
    referrer = fields.Nested(ReferrerOut, allow_none=True)


class PatientOut(Schema):
    patient_id = fields.String()
    site_id = fields.String()
    given_name = fields.String()
    family_name = fields.String()
    birth_date = fields.Date()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    preferred_language = fields.String()
    interpreter_needed = fields.Boolean()
    sex = fields.String(allow_none=True)
    consents = fields.Dict(keys=fields.String(), values=fields.Boolean())
    referral_ids = fields.List(fields.String())
    enrollment_ids = fields.List(fields.String())


class AttendanceOut(Schema):
    attended = fields.Integer()
    missed = fields.Integer()
    excused = fields.Integer()
    rate = fields.Float(allow_none=True)
    required_rate = fields.Float()
    meets_completion_rate = fields.Boolean()


class EnrollmentOut(Schema):
    enrollment_id = fields.String()
    referral_id = fields.String()
    patient_id = fields.String()
    site_id = fields.String()
    status = fields.String()
    track = fields.String()
    recommended_track = fields.String(allow_none=True)
    age_band = fields.String()
    start_date = fields.Date()
    planned_weeks = fields.Integer()
    weekly_hours = fields.Float()
    plan_version = fields.Integer()
    plan = fields.Nested(PlanOut)
    goals = fields.List(fields.String())  # left out of the name-free (integrator) view
    attendance = fields.Nested(AttendanceOut)
    discharge = fields.Dict(allow_none=True)


class RelatedPersonOut(Schema):
    related_person_id = fields.String()
    patient_id = fields.String()
    site_id = fields.String()
    given_name = fields.String()
    family_name = fields.String()
    relationship = fields.String(metadata={"enum": list(enums.RELATIONSHIPS)})
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    preferred_language = fields.String()
    consent_to_contact = fields.Boolean()
    consent_recorded_at = fields.DateTime()
    active = fields.Boolean()
    version = fields.Integer()


class RelatedPersonsOut(Schema):
    patient_id = fields.String()
    related_persons = fields.List(fields.Nested(RelatedPersonOut))

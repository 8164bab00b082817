"""What each use case is asked to do: built by service.py from the validated body, the caller
and the rule sections the use case needs. Event handlers take the shared.events.Event itself."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.access import EmergencyAccess
from shared.auth import Caller
from shared.scoring import Instruments


@dataclass(frozen=True)
class ReferPatient:
    caller: Caller
    site_id: str
    patient: Mapping | None      # a new patient, or
    patient_id: str | None       # a returning one
    source: str
    referred_on: date | None     # None: today at the site
    screening: Mapping
    consents: Mapping | None
    today: date                  # the date at the referral's site
    sites: tuple[str, ...]
    instruments: Instruments
    referrer: Mapping | None = None  # the referring provider and the consent to share with them


@dataclass(frozen=True)
class ChangeReferrerConsent:
    caller: Caller
    referral_id: str
    consent_to_share: bool
    instruments: Instruments


@dataclass(frozen=True)
class ShowReferral:
    caller: Caller
    referral_id: str
    instruments: Instruments


@dataclass(frozen=True)
class ListSitePatients:
    caller: Caller
    site_id: str
    sites: tuple[str, ...]  # the platform's sites


@dataclass(frozen=True)
class ShowPatient:
    caller: Caller
    patient_id: str
    access: EmergencyAccess | None = None  # break-the-glass (X-Access-Reason); None: never


@dataclass(frozen=True)
class FindContact:
    caller: Caller               # the calling service
    patient_id: str


@dataclass(frozen=True)
class EnrollPatient:
    caller: Caller
    referral_id: str
    track: str
    start_date: date
    planned_weeks: int | None    # None: the program's default
    plan: Mapping
    goals: tuple[str, ...]
    program: Mapping             # clinical rules, `program`
    calendar: Mapping            # clinical rules, `calendar` (the length of a plan's month)
    sites: Mapping               # SITES configuration (session durations per site)
    today: Mapping               # site id → the site's local date now
    window: Mapping              # ENROLLMENT configuration (start and discharge windows)


@dataclass(frozen=True)
class ShowEnrollment:
    caller: Caller
    enrollment_id: str


@dataclass(frozen=True)
class UpdatePlan:
    caller: Caller
    enrollment_id: str
    plan: Mapping
    planned_weeks: int | None    # None: kept
    goals: tuple[str, ...] | None  # None: kept
    program: Mapping
    calendar: Mapping
    sites: Mapping


@dataclass(frozen=True)
class DischargePatient:
    caller: Caller
    enrollment_id: str
    reason: str
    on: date
    override_reason: str | None
    may_override: bool
    required_rate: float
    today: Mapping               # site id → the site's local date now
    window: Mapping              # ENROLLMENT configuration
    aftercare: Mapping | None = None  # plan, provider, first_appointment_on; None: not given


@dataclass(frozen=True)
class FindDischargeDetails:
    caller: Caller               # the calling service
    enrollment_id: str


@dataclass(frozen=True)
class AddRelatedPerson:
    caller: Caller
    patient_id: str
    person: Mapping              # RelatedPersonIn, validated


@dataclass(frozen=True)
class ShowRelatedPersons:
    caller: Caller
    patient_id: str | None       # None: the person is read by their own id
    related_person_id: str | None = None


@dataclass(frozen=True)
class ChangeRelatedPerson:
    caller: Caller
    patient_id: str
    related_person_id: str
    values: Mapping              # PUT: every changeable field; PATCH: the ones given


@dataclass(frozen=True)
class FindRelatedContact:
    caller: Caller               # the calling service
    related_person_id: str

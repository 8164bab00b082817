"""What the outcomes use cases take: built by service.py from a request or an event, with the
clinical rule sections and the site time zones each needs."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.access import EmergencyAccess
from shared.auth import Caller
from shared.scoring import Instruments

Zones = Mapping[str, ZoneInfo]  # site id → its time zone (shared.config.site_zones)


@dataclass(frozen=True)
class ScoreAssessment:
    caller: Caller
    patient_id: str
    enrollment_id: str | None  # None: the patient's latest episode
    instrument: str
    responses: Any  # validated against the instrument by the use case; None items: unanswered
    administered_at: datetime
    instruments: Instruments
    zones: Zones
    measurement: Mapping[str, Any]  # clinical.yaml `measurement` (which due item it fulfils)
    deterioration: Mapping[str, Any]  # clinical.yaml `deterioration` (alerting without fatigue)
    instrument_rules: Mapping[str, Any]  # clinical.yaml `instruments` (their bands)
    referral_id: str | None = None  # a C-SSRS after a referral's screening, before any enrollment
    q6_within_3_months: bool | None = None  # C-SSRS: the follow-up to a YES on question 6


@dataclass(frozen=True)
class KeepRiskAnswer:
    """A POST /assessments refused with 422: its PHQ-9 item-9 answer still raises its flag."""
    caller: Caller
    body: Any  # the request body as sent (any shape)
    instruments: Instruments
    zones: Zones


@dataclass(frozen=True)
class RecordReferral:
    """PatientReferred: a screening with a risk level raises its flag and puts the C-SSRS due."""
    data: Mapping[str, Any]
    instruments: Instruments
    zones: Zones


@dataclass(frozen=True)
class ListFlags:
    caller: Caller
    sites: list[str]  # the caller's sites among those asked for
    patient_id: str | None
    enrollment_id: str | None
    referral_id: str | None
    access: EmergencyAccess | None = None  # by patient: break-the-glass (shared.access)


@dataclass(frozen=True)
class ReadRecord:
    """A read of one assessment or risk flag by its id."""
    caller: Caller
    record_id: str


@dataclass(frozen=True)
class ReadTrajectories:
    caller: Caller
    patient_id: str
    access: EmergencyAccess | None = None  # break-the-glass (shared.access)


@dataclass(frozen=True)
class ReadEpisode:
    """A read of one episode's summary or schedule."""
    caller: Caller
    enrollment_id: str
    instruments: Instruments
    zones: Zones
    access: EmergencyAccess | None = None  # break-the-glass (shared.access)


@dataclass(frozen=True)
class ReadDischargeSummary:
    caller: Caller               # staff over HTTP, or the notifications service over RPC
    enrollment_id: str
    access: EmergencyAccess | None = None  # break-the-glass (shared.access)


@dataclass(frozen=True)
class ReportOutcomes:
    sites: list[str]
    track: str | None
    start: date | None
    end: date | None


@dataclass(frozen=True)
class AnnounceDue:
    now: datetime
    measurement: Mapping[str, Any]


@dataclass(frozen=True)
class ReleaseHeldFlags:
    now: datetime


@dataclass(frozen=True)
class PlanEpisode:
    """PatientEnrolled: open the episode and plan its measurement."""
    data: Mapping[str, Any]
    enrolled_at: datetime
    measurement: Mapping[str, Any]
    zones: Zones
    instruments: Instruments  # which substance-use screens were positive


@dataclass(frozen=True)
class ReplanEpisode:
    """TreatmentPlanUpdated: a new planned length."""
    enrollment_id: str
    planned_weeks: int
    updated_at: datetime
    measurement: Mapping[str, Any]
    zones: Zones


@dataclass(frozen=True)
class EndEpisode:
    """ProgramCompleted or PatientDischarged."""
    enrollment_id: str
    status: str
    ended_on: date
    reason: str | None
    reported_rate: float | None  # the attendance rate intake put in ProgramCompleted
    measurement: Mapping[str, Any]
    instruments: Instruments
    zones: Zones


@dataclass(frozen=True)
class RecordAttendance:
    """SessionAttended or SessionMissed: the latest word on one booking."""
    booking_id: str
    enrollment_id: str
    patient_id: str
    site_id: str
    starts_at: datetime
    status: str  # shared.enums.ATTENDANCE_STATUSES
    instruments: Instruments
    zones: Zones

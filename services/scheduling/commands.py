"""What each use case is asked to do: built in service.py from the validated request or the event.

``zones`` maps each configured site to its IANA zone; ``program`` is clinical.yaml's `program`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.access import EmergencyAccess
from shared.auth import Caller
from shared.events import Event
from services.scheduling.domain.program import BookingContext


@dataclass(frozen=True)
class CreateStaff:
    caller: Caller
    zones: Mapping[str, ZoneInfo]
    site_id: str
    name: str
    roles: list[str]
    languages: list[str]
    email: str
    phone: str
    max_caseload: int
    availability: list[dict]  # {weekday, start_time, end_time}, site local time


@dataclass(frozen=True)
class CreateSeries:
    caller: Caller
    zones: Mapping[str, ZoneInfo]
    program: Mapping
    site_id: str
    track: str
    modality: str
    kind: str
    weekdays: list[str]
    start_time: str
    duration_minutes: int
    capacity: int
    facilitator_id: str
    starts_on: date
    ends_on: date | None
    horizon_weeks: int  # config SERIES.horizon_weeks


@dataclass(frozen=True)
class ReadSite:
    """A site's staff, series or calendar (``first``/``last``: site-local dates, calendar only)."""
    caller: Caller
    zones: Mapping[str, ZoneInfo]
    site_id: str
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class ReadRecord:
    """One series, session or patient schedule by id."""
    caller: Caller
    record_id: str
    zones: Mapping[str, ZoneInfo] | None = None
    program: Mapping | None = None
    access: EmergencyAccess | None = None  # a patient's schedule: break-the-glass (shared.access)


@dataclass(frozen=True)
class ReadCareTeam:
    caller: Caller
    site_id: str
    patient_id: str


@dataclass(frozen=True)
class RecordAttendance:
    caller: Caller
    now: datetime
    session_id: str
    entries: list[dict]  # {patient_id, status, attended_minutes}


@dataclass(frozen=True)
class CancelSession:
    caller: Caller
    now: datetime
    session_id: str
    reason: str


@dataclass(frozen=True)
class RescheduleBooking:
    caller: Caller
    now: datetime
    booking_id: str
    starts_at: datetime


@dataclass(frozen=True)
class EnrollmentEvent:
    """An intake event about an enrollment (PatientEnrolled, TreatmentPlanUpdated)."""
    event: Event
    caller: Caller
    context: BookingContext


@dataclass(frozen=True)
class EndEnrollment(EnrollmentEvent):
    """ProgramCompleted or PatientDischarged: the enrollment's new status and the cancel reason."""
    status: str
    reason: str


@dataclass(frozen=True)
class WriteNote:
    """A draft (``reason`` None) or an amendment of a session's group note."""
    caller: Caller
    now: datetime
    session_id: str
    shared_text: str
    parts: list[dict]  # {patient_id, text}
    reason: str | None = None


@dataclass(frozen=True)
class SignNote:
    caller: Caller
    now: datetime
    session_id: str


@dataclass(frozen=True)
class ReadNote:
    caller: Caller
    session_id: str
    version: int | None = None


@dataclass(frozen=True)
class AddToRoster:
    """A make-up or walk-in: one enrolled patient on one session."""
    caller: Caller
    now: datetime
    session_id: str
    patient_id: str
    enrollment_id: str


@dataclass(frozen=True)
class FamilyMemberEvent:
    """intake's RelatedPersonAdded or RelatedPersonUpdated."""
    event: Event
    caller: Caller
    now: datetime

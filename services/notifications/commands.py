"""The commands the use cases take, built in service.py (or by the dispatcher, for delivery steps).

``rules`` is the ``notifications`` section of the clinical rules; ``site_zone`` the zone of the
event's site; ``now`` the clock the handler or dispatcher runs at.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.access import EmergencyAccess
from shared.auth import Caller
from shared.events import Event

from services.notifications.domain.escalation import EscalationSettings


@dataclass(frozen=True)
class ChangeBooking:
    """SessionScheduled, SessionRescheduled or SessionCancelled, with what reminders need."""
    event: Event
    now: datetime
    rules: Mapping
    site_zone: ZoneInfo | None


@dataclass(frozen=True)
class ReachPatient:
    """SessionMissed, AssessmentDue or ProgramCompleted: a patient message (and maybe an alert)."""
    event: Event
    now: datetime
    rules: Mapping
    site_zone: ZoneInfo
    escalation: EscalationSettings  # for the alerts it may raise


@dataclass(frozen=True)
class SendDischargeSummary:
    """DischargeSummaryReady, or ReferrerConsentChanged: the summary to the referring provider,
    by the patient's consent."""
    event: Event
    now: datetime


@dataclass(frozen=True)
class AlertOnRisk:
    event: Event
    now: datetime
    escalation: EscalationSettings


@dataclass(frozen=True)
class AlertOnEmergencyAccess:
    event: Event
    now: datetime


@dataclass(frozen=True)
class ListPatientMessages:
    caller: Caller
    patient_id: str
    sites: list[str]
    access: EmergencyAccess | None = None  # break-the-glass (shared.access)


@dataclass(frozen=True)
class ListAlerts:
    caller: Caller
    sites: list[str]
    status: str | None
    limit: int


@dataclass(frozen=True)
class AcknowledgeAlert:
    caller: Caller
    alert_id: str
    now: datetime
    note: str | None = None


@dataclass(frozen=True)
class DispatchDue:
    """Send what is due at ``now``; ``production`` forbids a clock ahead of ``real_now``."""
    now: datetime
    real_now: datetime
    production: bool
    within_days: int  # config OPS_CLOCK.within_days


# -- delivery steps: each its own committed transaction -----------------------------------


@dataclass(frozen=True)
class RouteAlert:
    alert_id: str
    care_team: dict | None
    now: datetime
    enabled_channels: tuple[str, ...]
    escalation: EscalationSettings


@dataclass(frozen=True)
class EscalateAlert:
    alert_id: str
    now: datetime
    enabled_channels: tuple[str, ...]
    escalation: EscalationSettings
    reason: str  # domain/escalation.py: not_acknowledged | delivery_failed


@dataclass(frozen=True)
class MarkCareTeamUnavailable:
    alert_id: str


@dataclass(frozen=True)
class ClaimMessage:
    message_id: str
    now: datetime


@dataclass(frozen=True)
class RecordSent:
    message: object  # the claimed message record
    channel: str
    language: str


@dataclass(frozen=True)
class RecordSkip:
    message: object
    reason: str


@dataclass(frozen=True)
class RecordFailure:
    message: object
    channel: str | None
    error: str
    final: bool
    retry_at: datetime | None


@dataclass(frozen=True)
class FailInterrupted:
    message_id: str
    claimed_before: datetime


@dataclass(frozen=True)
class PlanFamilyReminders:
    """A due family reminder step: one message per related person taking part in the session."""
    message: object  # the FAMILY message
    related_person_ids: list
    now: datetime

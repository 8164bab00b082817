"""The discharge summary: what the referring provider is told when an episode ends.

Assembled here, in outcomes, from the episode's stored final outcome summary (attendance, each
measure's baseline, final, change and reliable change) and what intake holds about the discharge
(the patient's name and birth date, the discharge reason and day, the aftercare plan, the
referrer), which intake's ``get_discharge_details`` RPC answers. Pure: no I/O, no framework.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.outcomes.domain.outcome_summary import Attendance, Measure

LOINC_DISCHARGE_SUMMARY = ("http://loinc.org", "18842-5", "Discharge summary")
TITLE = "Discharge summary: intensive outpatient program"

INSTRUMENT_NAMES = {"phq9": "PHQ-9 (depression)", "gad7": "GAD-7 (anxiety)",
                    "pcl5": "PCL-5 (PTSD symptoms)", "who5": "WHO-5 (well-being)",
                    "audit_c": "AUDIT-C (alcohol use)", "dast10": "DAST-10 (drug use)"}
REASON_NAMES = {"completed": "Program completed", "withdrew": "Patient withdrew",
                "higher_level_of_care": "Referred to a higher level of care",
                "non_attendance": "Non-attendance", "administrative": "Administrative discharge"}
TRACK_NAMES = {"depression": "Depression", "anxiety": "Anxiety", "trauma": "Trauma"}
CHANGE_NAMES = {"improved": "Reliably improved", "no_change": "No reliable change",
                "deteriorated": "Reliably deteriorated", None: "Not defined / not measured"}


class NotReady(Exception):
    """The episode has not ended, or its final summary is not stored yet."""


@dataclass(frozen=True)
class MeasureRow:
    instrument: str
    name: str
    baseline: int | None
    final: int
    change: int | None
    reliable_change: str | None

    @property
    def reliable_change_text(self) -> str:
        return CHANGE_NAMES.get(self.reliable_change, self.reliable_change or "")


@dataclass(frozen=True)
class DischargeSummary:
    enrollment_id: str
    patient_id: str
    site_id: str
    site_name: str
    patient_name: str
    birth_date: str
    track: str
    status: str
    start_date: str
    ended_on: str
    reason: str
    sessions_attended: int
    sessions_counted: int
    attendance_rate: float
    measures: tuple[MeasureRow, ...]
    aftercare: Mapping | None
    referrer: Mapping | None
    computed_at: str

    @property
    def reason_text(self) -> str:
        return REASON_NAMES.get(self.reason, self.reason)

    @property
    def track_text(self) -> str:
        return TRACK_NAMES.get(self.track, self.track)

    @property
    def attendance_text(self) -> str:
        return (f"{self.sessions_attended} of {self.sessions_counted} sessions attended, "
                f"rate {self.attendance_rate:.2f}")


def assemble(episode, attendance: Attendance, measures: Sequence[Measure], computed_at: str,
             details: Mapping | None, site_name: str) -> DischargeSummary:
    """``episode``: the ended episode (duck-typed); ``details``: intake's answer (None when
    intake knows no discharge of it yet, e.g. its events are still on their way)."""
    if episode.ended_on is None or details is None:
        raise NotReady(episode.enrollment_id)
    return DischargeSummary(
        enrollment_id=episode.enrollment_id, patient_id=episode.patient_id,
        site_id=episode.site_id, site_name=site_name,
        patient_name=f"{details['given_name']} {details['family_name']}",
        birth_date=details["birth_date"], track=episode.track, status=episode.status,
        start_date=episode.start_date.isoformat(), ended_on=episode.ended_on.isoformat(),
        reason=details["discharge"]["reason"],
        sessions_attended=attendance.attended, sessions_counted=attendance.counted,
        attendance_rate=attendance.rate,
        measures=tuple(MeasureRow(m.instrument, INSTRUMENT_NAMES.get(m.instrument, m.instrument),
                                  m.baseline_score, m.final_score, m.change, m.reliable_change)
                       for m in measures),
        aftercare=details.get("aftercare"), referrer=details.get("referrer"),
        computed_at=computed_at)

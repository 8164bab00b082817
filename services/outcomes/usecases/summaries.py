"""Outcome summaries: computed when an episode ends, stored, announced, read and reported."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.access import open_patient
from shared.clock import utcnow
from shared.db import UnitOfWork
from shared.scoring import Instruments

from services.outcomes.commands import ReadEpisode, ReportOutcomes
from services.outcomes.domain import outcome_summary
from services.outcomes.domain.episodes import is_late_entry, within_episode
from services.outcomes.domain.outcome_summary import Attendance, Measure
from services.outcomes.domain.reports import EpisodeOutcome, outcome_report
from services.outcomes.domain.schedule import local_day
from services.outcomes.models import Episode, OutcomeSummary


@dataclass(frozen=True)
class EpisodeSummary:
    episode: Episode
    final: bool  # stored at the episode's end; else an interim one computed now
    computed_at: datetime | None
    attendance: Attendance
    measures: list[Measure]


def compute_summary(uow: UnitOfWork, episode: Episode, zone: ZoneInfo, instruments: Instruments,
                    reported_rate: float | None = None) -> tuple[Attendance, list[Measure]]:
    """The figures as they stand. Scores after the episode's end (the follow-up) are not
    counted, except an end-of-program measure asked at discharge; incomplete ones never are."""
    finals = uow.schedule.final_assessment_ids(episode.enrollment_id)
    scores: dict[str, list[int]] = {}
    for assessment in uow.assessments.of_episode(episode.enrollment_id):
        if counts_in_summary(episode, assessment, zone, finals):
            scores.setdefault(assessment.instrument, []).append(assessment.total_score)
    return (outcome_summary.attendance(uow.attendance.statuses(episode.enrollment_id), reported_rate),
            outcome_summary.measures(instruments, uow.episodes.screening_totals(episode.enrollment_id),
                                     scores))


def counts_in_summary(episode: Episode, assessment, zone: ZoneInfo, finals: set[str]) -> bool:
    if not outcome_summary.is_complete(assessment):
        return False
    return (assessment.assessment_id in finals
            or within_episode(episode.ended_on, local_day(assessment.administered_at, zone)))


def summarise_episode(uow: UnitOfWork, episode: Episode, zone: ZoneInfo, instruments: Instruments,
                      reported_rate: float | None = None) -> None:
    """Store the summary (replacing an earlier one) and publish OutcomeSummaryComputed."""
    stored = uow.summaries.get(episode.enrollment_id)
    if stored is not None:
        reported_rate = outcome_summary.rate_to_keep(reported_rate, stored.attendance_rate,
                                                     stored.attendance_basis)
    attendance, measures = compute_summary(uow, episode, zone, instruments, reported_rate)
    if stored is None:
        stored = uow.summaries.add(OutcomeSummary(enrollment_id=episode.enrollment_id))
    stored.patient_id, stored.site_id, stored.track = episode.patient_id, episode.site_id, episode.track
    stored.attendance_rate, stored.attendance_basis = attendance.rate, attendance.basis
    stored.sessions_attended, stored.sessions_counted = attendance.attended, attendance.counted
    stored.computed_at = utcnow()
    uow.summaries.flush()  # the summary row before its measures
    uow.summaries.replace_measures(episode.enrollment_id, [m.as_dict() for m in measures])
    uow.raise_event("OutcomeSummaryComputed", {
        "enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
        "track": episode.track, "attendance_rate": attendance.rate,
        "measures": [m.as_dict() for m in measures]}, site_id=episode.site_id,
        subject=episode.enrollment_id)


def refresh_after_late_entry(uow: UnitOfWork, episode: Episode, zone: ZoneInfo,
                             instruments: Instruments, happened_at: datetime,
                             assessment_id: str | None = None) -> None:
    """A score or attendance dated within an ended episode, recorded after its summary, or an
    end-of-program measure answered after a discharge that asked for it: recompute."""
    if is_late_entry(episode.ended_on, local_day(happened_at, zone)) or (
            episode.ended_on is not None and assessment_id is not None
            and assessment_id in uow.schedule.final_assessment_ids(episode.enrollment_id)):
        summarise_episode(uow, episode, zone, instruments)


def episode_summary(command: ReadEpisode, uow: UnitOfWork) -> EpisodeSummary:
    """The stored summary of an ended episode, or an interim one computed now. Audited."""
    episode = uow.episodes.get(command.enrollment_id)
    caller = open_patient(uow, command.caller, episode and episode.patient_id,
                          episode and episode.site_id, command.access, "Enrollment").caller
    found = stored_summary(uow, episode)
    if found is None:
        attendance, measures = compute_summary(uow, episode, command.zones[episode.site_id],
                                               command.instruments)
        found = EpisodeSummary(episode, False, None, attendance, measures)
    uow.audit(caller, "read", "outcome_summary", episode.enrollment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    return found


def stored_summary(uow: UnitOfWork, episode: Episode) -> EpisodeSummary | None:
    """The summary stored at the episode's end (final); None before it."""
    stored = uow.summaries.get(episode.enrollment_id)
    if stored is None:
        return None
    measures = outcome_summary.in_instrument_order(
        Measure(r.instrument, r.baseline_score, r.final_score, r.change, r.reliable_change,
                r.response, r.remission) for r in uow.summaries.measures(episode.enrollment_id))
    attendance = Attendance(stored.attendance_rate, stored.attendance_basis,
                            stored.sessions_attended, stored.sessions_counted)
    return EpisodeSummary(episode, True, stored.computed_at, attendance, measures)


def report_outcomes(command: ReportOutcomes, uow: UnitOfWork) -> list[dict]:
    """The report's groups, aggregated in Python so it is the same on every backend."""
    rows = uow.summaries.episodes_with_summaries(command.sites, command.track, command.start,
                                                 command.end)
    return outcome_report([EpisodeOutcome(
        site_id=episode.site_id, track=episode.track, start_date=episode.start_date,
        status=episode.status, ended_on=episode.ended_on,
        attendance_rate=stored.attendance_rate if stored is not None else None,
        measures=tuple(measures)) for episode, stored, measures in rows],
        command.start, command.end)

"""Assessments: scored against the baseline, stored with their items, announced, read back."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.clock import utcnow
from shared.db import UnitOfWork
from shared.errors import RecordNotFound

from services.outcomes.commands import ReadTrajectories, ScoreAssessment
from services.outcomes.domain import schedule
from services.outcomes.domain.episodes import check_administered_on
from services.outcomes.domain.scoring import (RELIABLE_DETERIORATION, ScoredAssessment,
                                              baseline_score, score_against_baseline)
from services.outcomes.models import Assessment, Episode
from services.outcomes.usecases.deterioration import follow_deterioration
from services.outcomes.usecases.summaries import refresh_after_late_entry


@dataclass(frozen=True)
class Trajectory:
    """One episode with its screening totals and its scores, in the order administered."""
    episode: Episode
    screening: dict[str, int]
    assessments: list[Assessment]


def assessed_episode(uow: UnitOfWork, command: ScoreAssessment) -> Episode:
    """The named episode, else the patient's latest; another site's patient is not found."""
    episode = uow.episodes.latest_of_patient(command.patient_id, command.enrollment_id)
    if episode is None:
        raise RecordNotFound("Patient not found." if command.enrollment_id is None
                             else "Enrollment not found.")
    if not command.caller.sees(episode.site_id):
        raise RecordNotFound("Patient not found.")
    return episode


def score_assessment(command: ScoreAssessment, uow: UnitOfWork) -> tuple[Assessment, ScoredAssessment]:
    """Score, store, fulfil the due item it reaches, publish AssessmentScored and any
    RiskFlagRaised in the same transaction, and audit. A late score recomputes the summary."""
    # The answers first: a bad answer is a 422 whoever the patient is.
    command.instruments.validate_responses(command.instrument, command.responses)
    episode = assessed_episode(uow, command)
    zone = command.zones[episode.site_id]
    instrument, administered_at = command.instrument, command.administered_at
    check_administered_on(schedule.local_day(administered_at, zone), uow.episodes.screened_on(episode))
    earlier = [a.total_score for a in uow.assessments.of_episode(episode.enrollment_id, instrument)
               if a.administered_at <= administered_at]
    baseline = baseline_score(uow.episodes.screening_totals(episode.enrollment_id).get(instrument),
                              earlier)
    scored = score_against_baseline(command.instruments, instrument, command.responses, baseline)
    assessment = uow.assessments.add(Assessment(
        assessment_id=str(uuid.uuid4()), enrollment_id=episode.enrollment_id,
        patient_id=episode.patient_id, site_id=episode.site_id, instrument=instrument,
        responses=scored.responses, total_score=scored.total_score, severity=scored.severity,
        administered_at=administered_at, baseline_score=scored.baseline_score,
        change_from_baseline=scored.change_from_baseline, reliable_change=scored.reliable_change,
        recorded_at=utcnow(), recorded_by=command.caller.name))
    uow.assessments.flush()
    schedule.fulfil(command.measurement, uow.schedule.open_items(episode.enrollment_id, instrument, schedule.OPEN),
                    schedule.local_day(administered_at, zone), assessment.assessment_id)
    ids = {"assessment_id": assessment.assessment_id, "patient_id": episode.patient_id,
           "enrollment_id": episode.enrollment_id}
    uow.raise_event("AssessmentScored", {
        **ids, "instrument": instrument, "administered_at": administered_at,
        "total_score": scored.total_score, "severity": scored.severity,
        "baseline_score": scored.baseline_score, "change_from_baseline": scored.change_from_baseline,
        "reliable_change": scored.reliable_change}, site_id=episode.site_id, subject=episode.enrollment_id)
    for flag in scored.flags:  # at once, in the same transaction as the score
        if flag.reason == RELIABLE_DETERIORATION:
            continue  # grouped and not repeated: usecases/deterioration.py
        uow.raise_event("RiskFlagRaised", {**ids, "level": flag.level, "reason": flag.reason},
                        site_id=episode.site_id, subject=episode.enrollment_id)
    follow_deterioration(uow, command, episode, assessment, zone)
    uow.audit(command.caller, "create", "assessment", assessment.assessment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    refresh_after_late_entry(uow, episode, zone, command.instruments, administered_at,
                             assessment.assessment_id)
    return assessment, scored


def patient_trajectories(command: ReadTrajectories, uow: UnitOfWork) -> list[Trajectory]:
    """Each of the patient's episodes the caller may see, oldest first. Audited per episode."""
    episodes = [episode for episode in uow.episodes.of_patient(command.patient_id)
                if command.caller.sees(episode.site_id)]
    if not episodes:
        raise RecordNotFound("Patient not found.")  # unknown, or another site's patient
    found = []
    for episode in episodes:
        found.append(Trajectory(episode, uow.episodes.screening_totals(episode.enrollment_id),
                                uow.assessments.of_episode(episode.enrollment_id)))
        uow.audit(command.caller, "read", "assessments", episode.enrollment_id,
                  patient_id=command.patient_id, site_id=episode.site_id)
    return found

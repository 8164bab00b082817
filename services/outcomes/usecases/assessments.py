"""Assessments: scored against the baseline, stored with their items, announced, read back."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from shared.access import open_patient
from shared.clock import utcnow
from shared.db import UnitOfWork
from shared.errors import InvalidFields, RecordNotFound

from services.outcomes.commands import ReadRecord, ReadTrajectories, ScoreAssessment
from services.outcomes.domain import schedule
from services.outcomes.domain.episodes import check_administered_on
from services.outcomes.domain.scoring import (CSSRS, RELIABLE_DETERIORATION, ScoredAssessment,
                                              baseline_score, score_against_baseline, score_cssrs,
                                              score_incomplete)
from services.outcomes.models import Assessment, Episode, Referral
from services.outcomes.usecases.deterioration import follow_deterioration
from services.outcomes.usecases.flags import put_safety_screen_due, raise_flag
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


def assessed_referral(uow: UnitOfWork, command: ScoreAssessment) -> Referral:
    """The referral a C-SSRS before enrollment follows: the patient's, on the caller's site."""
    referral = uow.referrals.get(command.referral_id)
    if referral is None or referral.patient_id != command.patient_id \
            or not command.caller.sees(referral.site_id):
        raise RecordNotFound("Referral not found.")
    return referral


def evaluated(command: ScoreAssessment, baseline_of) -> ScoredAssessment:
    """The answers scored: a C-SSRS into its risk level, incomplete answers without a total, else
    against the baseline (``baseline_of()``, asked only for a complete measure)."""
    instruments, instrument = command.instruments, command.instrument
    evaluation = instruments.evaluate(instrument, command.responses,
                                      q6_within_3_months=command.q6_within_3_months)
    if instrument == CSSRS:
        return score_cssrs(instruments, evaluation)
    if not evaluation.complete:
        return score_incomplete(instruments, evaluation)
    return score_against_baseline(instruments, instrument, evaluation.responses, baseline_of())


def score_assessment(command: ScoreAssessment, uow: UnitOfWork) -> tuple[Assessment, ScoredAssessment]:
    """Score, store, fulfil the due item it reaches, publish AssessmentScored (complete ones only)
    and any RiskFlagRaised in the same transaction, and audit. A late score recomputes the summary.
    A C-SSRS may follow a referral (``referral_id``) before any enrollment."""
    # The answers first: a bad answer is a 422 whoever the patient is.
    command.instruments.evaluate(command.instrument, command.responses,
                                 q6_within_3_months=command.q6_within_3_months)
    if command.referral_id is not None:
        return score_referral_screen(command, uow)
    episode = assessed_episode(uow, command)
    zone = command.zones[episode.site_id]
    instrument, administered_at = command.instrument, command.administered_at
    check_administered_on(schedule.local_day(administered_at, zone), uow.episodes.screened_on(episode))

    def baseline_of() -> int | None:
        earlier = [a.total_score for a in uow.assessments.of_episode(episode.enrollment_id, instrument)
                   if a.complete and a.administered_at <= administered_at]
        return baseline_score(uow.episodes.screening_totals(episode.enrollment_id).get(instrument),
                              earlier)

    scored = evaluated(command, baseline_of)
    assessment = store(uow, command, scored, patient_id=episode.patient_id, site_id=episode.site_id,
                       enrollment_id=episode.enrollment_id)
    if scored.complete:
        schedule.fulfil(command.measurement,
                        uow.schedule.open_items(episode.enrollment_id, instrument, schedule.OPEN),
                        schedule.local_day(administered_at, zone), assessment.assessment_id)
    ids = {"assessment_id": assessment.assessment_id, "patient_id": episode.patient_id,
           "enrollment_id": episode.enrollment_id}
    if scored.complete and instrument != CSSRS:  # an incomplete total is not a score
        uow.raise_event("AssessmentScored", {
            **ids, "instrument": instrument, "administered_at": administered_at,
            "total_score": scored.total_score, "severity": scored.severity,
            "baseline_score": scored.baseline_score,
            "change_from_baseline": scored.change_from_baseline,
            "reliable_change": scored.reliable_change},
            site_id=episode.site_id, subject=episode.enrollment_id)
    announce_flags(uow, command, scored, ids, site_id=episode.site_id)
    # Grouped per program week and not repeated (config `deterioration`): the answer lists the
    # deterioration flag only when this score alerted (or joined its week's alert).
    if not (scored.complete and follow_deterioration(uow, command, episode, assessment, zone)):
        scored = without_deterioration_flag(scored)
    uow.audit(command.caller, "create", "assessment", assessment.assessment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    if scored.complete:
        refresh_after_late_entry(uow, episode, zone, command.instruments, administered_at,
                                 assessment.assessment_id)
    return assessment, scored


def score_referral_screen(command: ScoreAssessment, uow: UnitOfWork) -> tuple[Assessment, ScoredAssessment]:
    """A C-SSRS for a referral's positive screening, before any enrollment: stored with the referral,
    its flag raised; no AssessmentScored (that event belongs to an enrollment)."""
    if command.instrument != CSSRS:
        raise InvalidFields({"referral_id": ["Only a cssrs assessment follows a referral; "
                                             "other instruments need an enrollment."]})
    referral = assessed_referral(uow, command)
    scored = evaluated(command, lambda: None)
    assessment = store(uow, command, scored, patient_id=referral.patient_id, site_id=referral.site_id,
                       referral_id=referral.referral_id)
    ids = {"assessment_id": assessment.assessment_id, "patient_id": referral.patient_id,
           "enrollment_id": None, "referral_id": referral.referral_id}
    announce_flags(uow, command, scored, ids, site_id=referral.site_id)
    uow.audit(command.caller, "create", "assessment", assessment.assessment_id,
              patient_id=referral.patient_id, site_id=referral.site_id)
    return assessment, scored


def store(uow: UnitOfWork, command: ScoreAssessment, scored: ScoredAssessment, *, patient_id: str,
          site_id: str, enrollment_id: str | None = None, referral_id: str | None = None) -> Assessment:
    assessment = uow.assessments.add(Assessment(
        assessment_id=str(uuid.uuid4()), enrollment_id=enrollment_id, referral_id=referral_id,
        patient_id=patient_id, site_id=site_id, instrument=command.instrument,
        responses=scored.responses, complete=scored.complete,
        q6_within_3_months=command.q6_within_3_months, total_score=scored.total_score,
        severity=scored.severity, administered_at=command.administered_at,
        baseline_score=scored.baseline_score, change_from_baseline=scored.change_from_baseline,
        reliable_change=scored.reliable_change, recorded_at=utcnow(), recorded_by=command.caller.name))
    uow.assessments.flush()
    return assessment


def without_deterioration_flag(scored: ScoredAssessment) -> ScoredAssessment:
    return replace(scored, flags=tuple(f for f in scored.flags if f.reason != RELIABLE_DETERIORATION))


def announce_flags(uow: UnitOfWork, command: ScoreAssessment, scored: ScoredAssessment, ids: dict, *,
                   site_id: str) -> list:
    """Each flag recorded and published at once, in the same transaction as the assessment; a
    positive item 9 also puts the C-SSRS due for the care team."""
    raised = [raise_flag(uow, flag, site_id=site_id, **ids) for flag in scored.flags
              if flag.reason != RELIABLE_DETERIORATION]  # grouped: usecases/deterioration.py
    item9 = scored.item9_flag
    if item9 is not None:
        answer = command.responses[command.instruments.self_harm_item("phq9") - 1]
        put_safety_screen_due(uow, command.instruments, command.zones, answer, site_id=site_id,
                              **{k: v for k, v in ids.items() if k != "assessment_id"})
    return raised


def patient_trajectories(command: ReadTrajectories, uow: UnitOfWork) -> list[Trajectory]:
    """Each of the patient's episodes the caller may see, oldest first; all of them under a
    break-the-glass grant. Audited per episode."""
    caller, every = command.caller, uow.episodes.of_patient(command.patient_id)
    episodes = [episode for episode in every if caller.sees(episode.site_id)]
    if not episodes:  # unknown, or another site's patient: under a grant only (shared.access)
        caller = open_patient(uow, caller, command.patient_id, every[-1].site_id if every else None,
                              command.access).caller
        episodes = every
    found = []
    for episode in episodes:
        found.append(Trajectory(episode, uow.episodes.screening_totals(episode.enrollment_id),
                                uow.assessments.of_episode(episode.enrollment_id)))
        uow.audit(caller, "read", "assessments", episode.enrollment_id,
                  patient_id=command.patient_id, site_id=episode.site_id)
    return found


def show_assessment(command: ReadRecord, uow: UnitOfWork) -> Assessment:
    """One assessment with its item answers; another site's is not found. Audited."""
    assessment = uow.assessments.get_visible(command.record_id, command.caller, "Assessment")
    uow.audit(command.caller, "read", "assessment", assessment.assessment_id,
              patient_id=assessment.patient_id, site_id=assessment.site_id)
    return assessment

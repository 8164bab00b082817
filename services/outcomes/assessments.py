"""Recording assessments: scored against the baseline, stored with their items, announced."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.auth import Caller
from shared.db import UnitOfWork, utcnow
from shared.problems import NotFound

from services.outcomes import schedule
from services.outcomes.episodes import ANNOUNCED, FULFILLED, LAPSED, PLANNED, screening_totals
from services.outcomes.models import Assessment, DueAssessment, Episode
from services.outcomes.scoring import ScoredAssessment, score_against_baseline


def find_episode(session: Session, caller: Caller, patient_id: str,
                 enrollment_id: str | None = None) -> Episode:
    """The named episode, else the patient's latest; another site's patient is not found."""
    query = select(Episode).where(Episode.patient_id == patient_id)
    if enrollment_id is not None:
        query = query.where(Episode.enrollment_id == enrollment_id)
    episode = session.scalars(query.order_by(Episode.start_date.desc(), Episode.enrolled_at.desc())).first()
    if episode is None:
        raise NotFound("Patient not found." if enrollment_id is None else "Enrollment not found.")
    caller.visible(episode.site_id, "Patient")
    return episode


def episode_scores(session: Session, enrollment_id: str, instrument: str | None = None) -> list[Assessment]:
    query = select(Assessment).where(Assessment.enrollment_id == enrollment_id)
    if instrument is not None:
        query = query.where(Assessment.instrument == instrument)
    return list(session.scalars(query.order_by(Assessment.administered_at, Assessment.recorded_at)))


def baseline_for(session: Session, episode: Episode, instrument: str, administered_at) -> int | None:
    """The screening total, else the episode's first score; None when this one comes first."""
    screening = screening_totals(session, episode.enrollment_id).get(instrument)
    if screening is not None:
        return screening
    earlier = [a for a in episode_scores(session, episode.enrollment_id, instrument)
               if a.administered_at <= administered_at]
    return earlier[0].total_score if earlier else None


def record_assessment(uow: UnitOfWork, caller: Caller, body: dict,
                      zone_of: Callable[[str], ZoneInfo]) -> tuple[Assessment, ScoredAssessment, Episode]:
    session = uow.session
    episode = find_episode(session, caller, str(body["patient_id"]),
                           str(body["enrollment_id"]) if body.get("enrollment_id") else None)
    zone = zone_of(episode.site_id)
    instrument, administered_at = body["instrument"], body["administered_at"]
    scored = score_against_baseline(instrument, body["responses"],
                                    baseline_for(session, episode, instrument, administered_at))
    assessment = Assessment(
        assessment_id=str(uuid.uuid4()), enrollment_id=episode.enrollment_id,
        patient_id=episode.patient_id, site_id=episode.site_id, instrument=instrument,
        responses=scored.responses, total_score=scored.total_score, severity=scored.severity,
        administered_at=administered_at, baseline_score=scored.baseline_score,
        change_from_baseline=scored.change_from_baseline, reliable_change=scored.reliable_change,
        recorded_at=utcnow(), recorded_by=caller.name)
    session.add(assessment)
    session.flush()
    fulfil_due_item(session, assessment, schedule.local_day(administered_at, zone))
    ids = {"assessment_id": assessment.assessment_id, "patient_id": episode.patient_id,
           "enrollment_id": episode.enrollment_id}
    uow.raise_event("AssessmentScored", {
        **ids, "instrument": instrument, "administered_at": administered_at,
        "total_score": scored.total_score, "severity": scored.severity,
        "baseline_score": scored.baseline_score, "change_from_baseline": scored.change_from_baseline,
        "reliable_change": scored.reliable_change}, site_id=episode.site_id, subject=episode.enrollment_id)
    for flag in scored.flags:  # at once, in the same transaction as the score
        uow.raise_event("RiskFlagRaised", {**ids, "level": flag.level, "reason": flag.reason},
                        site_id=episode.site_id, subject=episode.enrollment_id)
    uow.audit(caller, "create", "assessment", assessment.assessment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    return assessment, scored, episode


def fulfil_due_item(session: Session, assessment: Assessment, administered_on) -> DueAssessment | None:
    open_items = list(session.scalars(select(DueAssessment).where(
        DueAssessment.enrollment_id == assessment.enrollment_id,
        DueAssessment.instrument == assessment.instrument,
        DueAssessment.status.in_((PLANNED, ANNOUNCED)))))
    due_on = schedule.item_fulfilled([item.due_on for item in open_items], administered_on)
    if due_on is None:
        return None
    fulfilled = None
    for item in open_items:
        if item.due_on == due_on:
            item.status, item.assessment_id, fulfilled = FULFILLED, assessment.assessment_id, item
        elif item.due_on < due_on:
            item.status = LAPSED  # a missed week is not made up later
    return fulfilled


def assessment_view(assessment: Assessment, with_items: bool = True) -> dict:
    view = {"assessment_id": assessment.assessment_id, "instrument": assessment.instrument,
            "administered_at": assessment.administered_at, "total_score": assessment.total_score,
            "severity": assessment.severity, "baseline_score": assessment.baseline_score,
            "change_from_baseline": assessment.change_from_baseline,
            "reliable_change": assessment.reliable_change}
    if with_items:
        view["responses"] = assessment.responses
    return view


def trajectories(session: Session, caller: Caller, patient_id: str) -> list[dict]:
    """Each of the patient's episodes with its scores per instrument, baseline first."""
    episodes = [episode for episode in session.scalars(
        select(Episode).where(Episode.patient_id == patient_id)
        .order_by(Episode.start_date, Episode.enrolled_at)) if caller.sees(episode.site_id)]
    if not episodes:
        raise NotFound("Patient not found.")  # unknown, or another site's patient
    result = []
    for episode in episodes:
        screening = screening_totals(session, episode.enrollment_id)
        by_instrument: dict[str, dict] = {}
        for assessment in episode_scores(session, episode.enrollment_id):
            entry = by_instrument.setdefault(assessment.instrument, {
                "screening_score": screening.get(assessment.instrument), "scores": []})
            entry["scores"].append(assessment_view(assessment))
        for name, total in screening.items():
            by_instrument.setdefault(name, {"screening_score": total, "scores": []})
        result.append({"enrollment_id": episode.enrollment_id, "site_id": episode.site_id,
                       "track": episode.track, "start_date": episode.start_date,
                       "status": episode.status, "ended_on": episode.ended_on,
                       "trajectories": by_instrument})
    return result

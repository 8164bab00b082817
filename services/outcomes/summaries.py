"""Outcome summaries of episodes: computed at the end, stored, and announced."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from shared.db import UnitOfWork, utcnow
from shared.instruments import INSTRUMENTS

from services.outcomes import reports, schedule, summary
from services.outcomes.assessments import episode_scores
from services.outcomes.episodes import attendance_statuses, screening_totals
from services.outcomes.models import Episode, OutcomeSummary, SummaryMeasure


def compute_summary(session: Session, episode: Episode, zone: ZoneInfo,
                    reported_rate: float | None = None) -> tuple[summary.Attendance, list[summary.Measure]]:
    """The figures as they stand; scores after the episode's end (the follow-up) are not counted."""
    scores: dict[str, list[int]] = {}
    for assessment in episode_scores(session, episode.enrollment_id):
        day = schedule.local_day(assessment.administered_at, zone)
        if episode.ended_on is None or day <= episode.ended_on:
            scores.setdefault(assessment.instrument, []).append(assessment.total_score)
    return (summary.attendance(attendance_statuses(session, episode.enrollment_id), reported_rate),
            summary.measures(screening_totals(session, episode.enrollment_id), scores))


def summarise_episode(uow: UnitOfWork, episode: Episode, zone: ZoneInfo,
                      reported_rate: float | None = None) -> dict:
    """Store the summary (replacing an earlier one) and publish OutcomeSummaryComputed."""
    session = uow.session
    stored = session.get(OutcomeSummary, episode.enrollment_id)
    if reported_rate is None and stored is not None and stored.attendance_basis == "intake":
        reported_rate = stored.attendance_rate  # a recomputation keeps intake's figure
    attendance, measures = compute_summary(session, episode, zone, reported_rate)
    if stored is None:
        stored = OutcomeSummary(enrollment_id=episode.enrollment_id)
        session.add(stored)
    stored.patient_id, stored.site_id, stored.track = episode.patient_id, episode.site_id, episode.track
    stored.attendance_rate, stored.attendance_basis = attendance.rate, attendance.basis
    stored.sessions_attended, stored.sessions_counted = attendance.attended, attendance.counted
    stored.computed_at = utcnow()
    session.flush()
    session.execute(delete(SummaryMeasure).where(SummaryMeasure.enrollment_id == episode.enrollment_id))
    session.add_all(SummaryMeasure(enrollment_id=episode.enrollment_id, **m.as_dict()) for m in measures)
    data = {"enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
            "track": episode.track, "attendance_rate": attendance.rate,
            "measures": [m.as_dict() for m in measures]}
    uow.raise_event("OutcomeSummaryComputed", data, site_id=episode.site_id,
                    subject=episode.enrollment_id)
    return data


def refresh_after_late_entry(uow: UnitOfWork, episode: Episode, zone: ZoneInfo, happened_at) -> None:
    """A score or attendance dated within an ended episode, recorded after its summary: recompute."""
    if episode.ended_on is not None and schedule.local_day(happened_at, zone) <= episode.ended_on:
        summarise_episode(uow, episode, zone)


def summary_view(session: Session, episode: Episode, zone: ZoneInfo) -> dict:
    """The stored summary of an ended episode, or an interim one computed now."""
    stored = session.get(OutcomeSummary, episode.enrollment_id)
    head = {"enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
            "site_id": episode.site_id, "track": episode.track, "status": episode.status,
            "start_date": episode.start_date, "ended_on": episode.ended_on}
    if stored is None:
        attendance, measures = compute_summary(session, episode, zone)
        return {**head, "final": False, "computed_at": None, "attendance": _attendance_view(attendance),
                "measures": [m.as_dict() for m in measures]}
    rows = session.scalars(select(SummaryMeasure).where(
        SummaryMeasure.enrollment_id == episode.enrollment_id))
    order = {name: i for i, name in enumerate(INSTRUMENTS)}
    measures = sorted((summary.Measure(r.instrument, r.baseline_score, r.final_score, r.change,
                                       r.reliable_change, r.response, r.remission) for r in rows),
                      key=lambda m: order[m.instrument])
    attendance = summary.Attendance(stored.attendance_rate, stored.attendance_basis,
                                    stored.sessions_attended, stored.sessions_counted)
    return {**head, "final": True, "computed_at": stored.computed_at,
            "attendance": _attendance_view(attendance), "measures": [m.as_dict() for m in measures]}


def _attendance_view(attendance: summary.Attendance) -> dict:
    return {"rate": attendance.rate, "basis": attendance.basis,
            "sessions_attended": attendance.attended, "sessions_counted": attendance.counted}


def episode_outcomes(session: Session, sites: list[str], track: str | None, start, end) -> list[reports.EpisodeOutcome]:
    """Episodes of the sites that started or ended within [start, end], with their summaries."""
    query = (select(Episode, OutcomeSummary)
             .outerjoin(OutcomeSummary, OutcomeSummary.enrollment_id == Episode.enrollment_id)
             .where(Episode.site_id.in_(sites)))
    if track is not None:
        query = query.where(Episode.track == track)
    if start is not None:
        query = query.where(or_(Episode.start_date >= start, Episode.ended_on >= start))
    if end is not None:
        query = query.where(or_(Episode.start_date <= end, Episode.ended_on <= end))
    rows = session.execute(query).all()
    measures: dict[str, list[SummaryMeasure]] = {}
    ids = [episode.enrollment_id for episode, stored in rows if stored is not None]
    for chunk in range(0, len(ids), 500):  # bounded IN lists on every backend
        for row in session.scalars(select(SummaryMeasure).where(
                SummaryMeasure.enrollment_id.in_(ids[chunk:chunk + 500]))):
            measures.setdefault(row.enrollment_id, []).append(row)
    return [reports.EpisodeOutcome(
        site_id=episode.site_id, track=episode.track, start_date=episode.start_date,
        status=episode.status, ended_on=episode.ended_on,
        attendance_rate=stored.attendance_rate if stored is not None else None,
        measures=tuple(measures.get(episode.enrollment_id, ()))) for episode, stored in rows]

"""Projections of intake's and scheduling's events: episodes, their schedule, attendance."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.outcomes import schedule
from services.outcomes.models import AttendanceRecord, DueAssessment, Episode, ScreeningScore

ACTIVE, COMPLETED, DISCHARGED = "active", "completed", "discharged"
PLANNED, ANNOUNCED, FULFILLED, LAPSED, CANCELLED = (
    "planned", "announced", "fulfilled", "lapsed", "cancelled")
SCREENED_INSTRUMENTS = ("phq9", "gad7", "pcl5")


class EpisodeNotKnownYet(LookupError):
    """An event about an enrollment whose PatientEnrolled has not arrived: retried by the inbox."""


def open_episode(session: Session, data: dict, zone: ZoneInfo, enrolled_at: datetime) -> Episode | None:
    """The episode and its measurement schedule; None when it was opened before."""
    if session.get(Episode, data["enrollment_id"]) is not None:
        return None
    episode = Episode(enrollment_id=data["enrollment_id"], patient_id=data["patient_id"],
                      site_id=data["site_id"], track=data["track"], age_band=data["age_band"],
                      start_date=data["start_date"], planned_weeks=data["planned_weeks"],
                      status=ACTIVE, enrolled_at=enrolled_at)
    session.add(episode)
    screening = data["screening"]
    screened = [name for name in SCREENED_INSTRUMENTS if screening.get(name) is not None]
    for name in screened:
        session.add(ScreeningScore(enrollment_id=episode.enrollment_id, instrument=name,
                                   total_score=screening[name], screened_on=screening["screened_on"]))
    session.flush()  # the episode row first: the schedule refers to it
    for item in schedule.plan_episode(episode.track, episode.start_date, episode.planned_weeks, screened):
        plan_item(session, episode, item, zone)
    return episode


def replan_episode(session: Session, data: dict, zone: ZoneInfo, from_day: date) -> Episode | None:
    """A new planned length moves the schedule from `from_day` on; the past stays as it was."""
    episode = session.get(Episode, data["enrollment_id"])
    if episode is None:
        raise EpisodeNotKnownYet(f"enrollment {data['enrollment_id']} has not been enrolled here yet")
    if episode.status != ACTIVE or episode.planned_weeks == data["planned_weeks"]:
        return None
    episode.planned_weeks = data["planned_weeks"]
    wanted = {(item.instrument, item.due_on): item for item in schedule.plan_episode(
        episode.track, episode.start_date, episode.planned_weeks,
        screening_totals(session, episode.enrollment_id)) if item.due_on >= from_day}
    existing = {(row.instrument, row.due_on): row for row in session.scalars(select(DueAssessment).where(
        DueAssessment.enrollment_id == episode.enrollment_id, DueAssessment.due_on >= from_day))}
    for key, row in existing.items():
        if key not in wanted and row.status == PLANNED:
            row.status = CANCELLED
    for key, item in wanted.items():
        row = existing.get(key)
        if row is None:
            plan_item(session, episode, item, zone)
        elif row.status in (PLANNED, CANCELLED):
            row.status, row.occasion = PLANNED, item.occasion
    return episode


def plan_item(session: Session, episode: Episode, item: schedule.PlannedAssessment, zone: ZoneInfo) -> None:
    session.add(DueAssessment(
        id=str(uuid.uuid4()), enrollment_id=episode.enrollment_id, patient_id=episode.patient_id,
        site_id=episode.site_id, instrument=item.instrument, occasion=item.occasion,
        due_on=item.due_on, due_at=schedule.due_at(item.due_on, zone), status=PLANNED))


def close_episode(session: Session, enrollment_id: str, status: str, ended_on: date, zone: ZoneInfo,
                  reason: str | None = None) -> Episode | None:
    """End the episode: the rest of its schedule stops, and completion plans the follow-up.

    None when it had already ended (intake reports an ending once, but redeliveries happen).
    """
    episode = session.get(Episode, enrollment_id)
    if episode is None:
        raise EpisodeNotKnownYet(f"enrollment {enrollment_id} has not been enrolled here yet")
    if episode.status != ACTIVE:
        return None
    episode.status, episode.ended_on, episode.discharge_reason = status, ended_on, reason
    for before, after in ((PLANNED, CANCELLED), (ANNOUNCED, LAPSED)):
        session.execute(update(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.status == before,
        ).values(status=after))
    if status == COMPLETED:
        item = schedule.follow_up(ended_on)
        clash = session.scalar(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.instrument == item.instrument,
            DueAssessment.due_on == item.due_on))
        if clash is None:
            plan_item(session, episode, item, zone)
        elif clash.status != FULFILLED:  # the plan outran the episode: the row becomes the follow-up
            clash.status, clash.occasion = PLANNED, item.occasion
    return episode


def record_attendance(session: Session, data: dict, status: str) -> None:
    """The latest word on a booking wins: scheduling may correct an attendance record."""
    record = session.get(AttendanceRecord, data["booking_id"])
    if record is None:
        record = AttendanceRecord(booking_id=data["booking_id"])
        session.add(record)
    record.enrollment_id, record.patient_id = data["enrollment_id"], data["patient_id"]
    record.site_id, record.starts_at, record.status = data["site_id"], data["starts_at"], status


def attendance_statuses(session: Session, enrollment_id: str) -> list[str]:
    return list(session.scalars(select(AttendanceRecord.status).where(
        AttendanceRecord.enrollment_id == enrollment_id)))


def screening_totals(session: Session, enrollment_id: str) -> dict[str, int]:
    rows = session.scalars(select(ScreeningScore).where(ScreeningScore.enrollment_id == enrollment_id))
    return {row.instrument: row.total_score for row in rows}

"""Announcing due assessments (AssessmentDue) and showing an episode's schedule."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.db import UnitOfWork

from services.outcomes.episodes import ANNOUNCED, LAPSED, PLANNED
from services.outcomes.schedule import STALE_AFTER
from services.outcomes.models import DueAssessment, Episode

BATCH = 500  # per unit of work; the next tick takes the rest


def announce_due(uow: UnitOfWork, now: datetime) -> int:
    """Publish AssessmentDue for every planned item whose local morning has come by `now`."""
    uow.session.execute(update(DueAssessment).where(
        DueAssessment.status == PLANNED, DueAssessment.due_at <= now - STALE_AFTER).values(status=LAPSED))
    items = uow.session.scalars(
        select(DueAssessment)
        .where(DueAssessment.status == PLANNED, DueAssessment.due_at <= now)
        .order_by(DueAssessment.due_at, DueAssessment.id).limit(BATCH)
        # Two instances never announce the same item (PostgreSQL; SQLite has one writer anyway).
        .with_for_update(skip_locked=True)).all()
    for item in items:
        uow.raise_event("AssessmentDue", {
            "patient_id": item.patient_id, "enrollment_id": item.enrollment_id,
            "instrument": item.instrument, "due_on": item.due_on},
            site_id=item.site_id, subject=item.enrollment_id)
        item.status, item.announced_at = ANNOUNCED, now
    return len(items)


def schedule_view(session: Session, episode: Episode) -> dict:
    items = session.scalars(select(DueAssessment).where(
        DueAssessment.enrollment_id == episode.enrollment_id)
        .order_by(DueAssessment.due_on, DueAssessment.instrument))
    return {"enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
            "site_id": episode.site_id, "track": episode.track, "status": episode.status,
            "items": [{"instrument": item.instrument, "occasion": item.occasion,
                       "due_on": item.due_on, "due_at": item.due_at, "status": item.status,
                       "announced_at": item.announced_at, "assessment_id": item.assessment_id}
                      for item in items]}

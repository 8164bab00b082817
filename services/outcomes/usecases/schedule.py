"""The measurement schedule: announcing due assessments (AssessmentDue) and reading it."""
from __future__ import annotations

from datetime import datetime

from shared.db import UnitOfWork

from services.outcomes.commands import AnnounceDue, ReadEpisode
from services.outcomes.domain.schedule import ANNOUNCED, LAPSED, PLANNED, stale_before
from services.outcomes.models import DueAssessment, Episode

BATCH = 500  # per unit of work; the caller runs batches until one comes back short


def announce(uow: UnitOfWork, item: DueAssessment, now: datetime) -> None:
    """Publish AssessmentDue for one item and mark it announced."""
    uow.raise_event("AssessmentDue", {
        "patient_id": item.patient_id, "enrollment_id": item.enrollment_id,
        "instrument": item.instrument, "due_on": item.due_on},
        site_id=item.site_id, subject=item.enrollment_id)
    item.status, item.announced_at = ANNOUNCED, now


def announce_due(command: AnnounceDue, uow: UnitOfWork) -> int:
    """Publish AssessmentDue for planned items whose local morning has come by `now`, one batch;
    stale ones lapse instead. Returns how many were announced."""
    uow.schedule.lapse_due_before(PLANNED, stale_before(command.measurement, command.now), LAPSED)
    items = uow.schedule.due_by(PLANNED, command.now, BATCH)
    for item in items:
        announce(uow, item, command.now)
    return len(items)


def episode_schedule(command: ReadEpisode, uow: UnitOfWork) -> tuple[Episode, list[DueAssessment]]:
    """The episode and its schedule items, in date order. Audited."""
    episode = uow.episodes.get_visible(command.enrollment_id, command.caller, "Enrollment")
    items = uow.schedule.of_episode(episode.enrollment_id)
    uow.audit(command.caller, "read", "assessment_schedule", episode.enrollment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    return episode, items

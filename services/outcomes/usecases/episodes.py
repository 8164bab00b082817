"""Episodes, projected from intake's events: opened with their schedule, replanned, ended."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from shared.clock import utcnow
from shared.db import UnitOfWork
from shared.errors import RetryLater

from services.outcomes.commands import EndEpisode, PlanEpisode, ReplanEpisode
from services.outcomes.domain import schedule
from services.outcomes.domain.episodes import (ACTIVE, COMPLETED, SCREENED_INSTRUMENTS,
                                               screened_positive)
from services.outcomes.models import DueAssessment, Episode, ScreeningScore
from services.outcomes.usecases.schedule import announce
from services.outcomes.usecases.discharge_summaries import announce_discharge_summary
from services.outcomes.usecases.summaries import summarise_episode


def known_episode(uow: UnitOfWork, enrollment_id: str) -> Episode:
    """The episode an event refers to; its PatientEnrolled may not have arrived yet."""
    episode = uow.episodes.get(enrollment_id)
    if episode is None:
        raise RetryLater(f"enrollment {enrollment_id} has not been enrolled here yet")
    return episode


def plan_item(uow: UnitOfWork, episode: Episode, item: schedule.PlannedAssessment,
              measurement: Mapping[str, Any], zone: ZoneInfo) -> None:
    uow.schedule.add(DueAssessment(
        id=str(uuid.uuid4()), enrollment_id=episode.enrollment_id, patient_id=episode.patient_id,
        site_id=episode.site_id, instrument=item.instrument, occasion=item.occasion,
        due_on=item.due_on, due_at=schedule.due_at(measurement, item.due_on, zone),
        status=schedule.PLANNED))


def plan_episode(command: PlanEpisode, uow: UnitOfWork) -> Episode | None:
    """The episode and its measurement schedule; None when it was opened before."""
    data = command.data
    if uow.episodes.get(data["enrollment_id"]) is not None:
        return None
    episode = uow.episodes.add(Episode(
        enrollment_id=data["enrollment_id"], patient_id=data["patient_id"],
        site_id=data["site_id"], track=data["track"], age_band=data["age_band"],
        start_date=data["start_date"], planned_weeks=data["planned_weeks"],
        status=ACTIVE, enrolled_at=command.enrolled_at))
    screening = data["screening"]
    screened = [name for name in SCREENED_INSTRUMENTS if screening.get(name) is not None]
    positive = screened_positive(command.instruments, screening)
    for name in screened:
        uow.episodes.add(ScreeningScore(
            enrollment_id=episode.enrollment_id, instrument=name, total_score=screening[name],
            screened_on=screening["screened_on"],
            positive=(name in positive)
            if command.instruments.positive(name, screening[name]) is not None else None))
    uow.episodes.flush()  # the episode row first: the schedule refers to it
    zone = command.zones[episode.site_id]
    for item in schedule.plan_episode(command.measurement, episode.track, episode.start_date,
                                      episode.planned_weeks, screened, positive):
        plan_item(uow, episode, item, command.measurement, zone)
    return episode


def replan_episode(command: ReplanEpisode, uow: UnitOfWork) -> Episode | None:
    """A new planned length moves the schedule from the update's day (site time) on; the past
    stays as it was. None when nothing changes."""
    episode = known_episode(uow, command.enrollment_id)
    if episode.status != ACTIVE or episode.planned_weeks == command.planned_weeks:
        return None
    zone = command.zones[episode.site_id]
    from_day = schedule.local_day(command.updated_at, zone)
    episode.planned_weeks = command.planned_weeks
    wanted = [item for item in schedule.plan_episode(
        command.measurement, episode.track, episode.start_date, episode.planned_weeks,
        uow.episodes.screening_totals(episode.enrollment_id),
        uow.episodes.screened_positive(episode.enrollment_id)) if item.due_on >= from_day]
    for item in schedule.replan(wanted, uow.schedule.from_day(episode.enrollment_id, from_day)):
        plan_item(uow, episode, item, command.measurement, zone)
    return episode


def end_episode(command: EndEpisode, uow: UnitOfWork) -> Episode | None:
    """End the episode: the rest of its schedule stops, end-of-program measures not yet asked
    are asked now (AssessmentDue), completion plans the follow-up, and the summary is stored and
    published. None when it had already ended (redeliveries happen)."""
    episode = known_episode(uow, command.enrollment_id)
    if episode.status != ACTIVE:
        return None
    episode.status, episode.ended_on = command.status, command.ended_on
    episode.discharge_reason = command.reason
    for before, after in schedule.STOPPED_AT_END:
        uow.schedule.change_status(episode.enrollment_id, before, after)
    zone = command.zones[episode.site_id]
    now = utcnow()
    for item in schedule.finals_at_discharge(uow.schedule.of_episode(episode.enrollment_id),
                                             command.ended_on):
        item.due_at = now  # asked at discharge: at once
        announce(uow, item, now)
    if command.status == COMPLETED:
        item = schedule.follow_up(command.measurement, command.ended_on)
        clash = uow.schedule.item_on(episode.enrollment_id, item.instrument, item.due_on)
        if clash is None:
            plan_item(uow, episode, item, command.measurement, zone)
        else:
            schedule.take_over_as_follow_up(clash, item)
    summarise_episode(uow, episode, zone, command.instruments, command.reported_rate)
    announce_discharge_summary(uow, episode)
    return episode

"""Reliable-deterioration flags: one alert when an instrument enters deterioration, grouped per
program week, updated (not repeated) while it stays deteriorated (config `deterioration`)."""
from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from shared.clock import utcnow
from shared.db import UnitOfWork

from services.outcomes.commands import ReleaseHeldFlags, ScoreAssessment
from services.outcomes.domain import deterioration, schedule
from services.outcomes.domain.outcome_summary import is_complete
from services.outcomes.domain.scoring import RELIABLE_DETERIORATION
from services.outcomes.models import Assessment, DeteriorationFlag, Episode, RiskFlagRecord

HELD, RAISED = "held", "raised"
BATCH = 500


def instrument_state(command: ScoreAssessment, earlier: list[Assessment]) -> deterioration.State | None:
    """The instrument's state, replayed from the episode's earlier complete scores."""
    state = None
    for assessment in earlier:
        state = deterioration.step(command.instruments, command.instrument_rules,
                                   assessment.instrument, state, assessment.total_score,
                                   assessment.reliable_change).state
    return state


def follow_deterioration(uow: UnitOfWork, command: ScoreAssessment, episode: Episode,
                         assessment: Assessment, zone: ZoneInfo) -> DeteriorationFlag | None:
    """Call after the assessment fulfilled its due item. Returns the flag it alerted on (held or
    raised), or None (no deterioration, or one that only updates the open flag)."""
    rules, instrument = command.deterioration, assessment.instrument
    if not deterioration.follows(rules, instrument) or not is_complete(assessment):
        return None
    earlier = [a for a in uow.assessments.of_episode(episode.enrollment_id, instrument)
               if a.assessment_id != assessment.assessment_id
               and a.administered_at <= assessment.administered_at and is_complete(a)]
    result = deterioration.step(command.instruments, command.instrument_rules, instrument,
                                instrument_state(command, earlier), assessment.total_score,
                                assessment.reliable_change)
    now = utcnow()
    day = schedule.local_day(assessment.administered_at, zone)
    week = deterioration.program_week(episode.start_date, day)
    flag = uow.deterioration.of_week(episode.enrollment_id, week)
    if result.alert is None:
        if result.state.deteriorated:  # still deteriorated: the open flag shows the latest score
            open_flag = uow.deterioration.latest_with(episode.enrollment_id, instrument)
            if open_flag is not None:
                open_flag.latest_scores = {**open_flag.latest_scores,
                                           instrument: assessment.total_score}
                open_flag.updated_at = now
        if (flag is not None and flag.status == HELD
                and not week_pending(uow, command, episode, week, day, instrument)):
            raise_flag(uow, flag, now)  # this was the week's last measure: the held flag goes out
        return None
    if flag is None:
        flag = uow.deterioration.add(DeteriorationFlag(
            flag_id=str(uuid.uuid4()), enrollment_id=episode.enrollment_id,
            patient_id=episode.patient_id, site_id=episode.site_id, program_week=week,
            status=HELD, level=rules["level"], instruments=[instrument],
            latest_scores={instrument: assessment.total_score},
            assessment_id=assessment.assessment_id,
            hold_until=now + timedelta(hours=rules["group_hold_hours"]), updated_at=now))
    else:  # the week's flag: this instrument joins it, no second alert
        if instrument not in flag.instruments:
            flag.instruments = [*flag.instruments, instrument]
        flag.latest_scores = {**flag.latest_scores, instrument: assessment.total_score}
        flag.updated_at = now
        if flag.status == HELD:
            flag.assessment_id = assessment.assessment_id
    if flag.status == HELD and not week_pending(uow, command, episode, week, day, instrument):
        raise_flag(uow, flag, now)
    return flag


def week_pending(uow: UnitOfWork, command: ScoreAssessment, episode: Episode, week: int, day,
                 instrument: str) -> bool:
    """Whether another followed instrument due this program week is still unanswered."""
    others = [name for name in command.deterioration["instruments"] if name != instrument]
    first = episode.start_date + timedelta(weeks=week)
    last = day + timedelta(days=command.measurement["early_days"])
    return bool(uow.schedule.open_due_between(episode.enrollment_id, others, first, last,
                                              schedule.OPEN))


def raise_flag(uow: UnitOfWork, flag: DeteriorationFlag, now) -> None:
    uow.raise_event("RiskFlagRaised", {
        "assessment_id": flag.assessment_id, "patient_id": flag.patient_id,
        "enrollment_id": flag.enrollment_id, "level": flag.level,
        "reason": RELIABLE_DETERIORATION, "flag_id": flag.flag_id,
        "instruments": list(flag.instruments)}, site_id=flag.site_id, subject=flag.enrollment_id)
    flag.status, flag.raised_at = RAISED, now
    uow.flags.add(RiskFlagRecord(  # GET /flags shows it with the other risk flags
        flag_id=flag.flag_id, patient_id=flag.patient_id, site_id=flag.site_id,
        enrollment_id=flag.enrollment_id, assessment_id=flag.assessment_id,
        reason=RELIABLE_DETERIORATION, level=flag.level, raised_at=now))


def release_held(command: ReleaseHeldFlags, uow: UnitOfWork) -> int:
    """Raise the held flags whose hold ended by `now`, one batch. Returns how many."""
    flags = uow.deterioration.held_until(HELD, command.now, BATCH)
    for flag in flags:
        raise_flag(uow, flag, command.now)
    return len(flags)

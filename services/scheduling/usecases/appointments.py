"""An enrollment's individual and family appointments with one therapist."""
from __future__ import annotations

import logging
from datetime import date, datetime

from services.scheduling.domain.occurrences import parse_hhmm
from services.scheduling.domain.placement import TherapistOption, choose_therapist
from services.scheduling.domain.program import (APPOINTMENTS, BookingContext, bookable_from,
                                                weekly_appointments)
from services.scheduling.models import Enrollment, Session
from services.scheduling.usecases import new_id
from services.scheduling.usecases.bookings import book
from services.scheduling.usecases.family import seat_family

log = logging.getLogger(__name__)


def book_appointments(uow, enrollment: Enrollment, kind: str, days: list[date],
                      ctx: BookingContext) -> None:
    """Weekly slots on ``days`` with the first therapist free for both (SessionScheduled each)."""
    modality, _ = APPOINTMENTS[kind]
    count = weekly_appointments(enrollment.plan, kind, ctx.program)
    if count <= 0 or not days:
        return
    zone = ctx.zone(enrollment.site_id)
    since = bookable_from(enrollment, ctx.now, zone, ctx.book_past)
    choice = choose_therapist(therapist_options(uow, enrollment.site_id, since),
                              enrollment.preferred_language, days, count,
                              ctx.session_minutes(enrollment.site_id, kind), zone,
                              uow.sessions.patient_busy(enrollment.patient_id, since), since,
                              current=enrollment.therapist_id,
                              step_minutes=ctx.calendar["appointment_step_minutes"])
    if choice is None:
        log.warning("no therapist slot free for a %s appointment at %s", kind, enrollment.site_id)
        return
    if kind == "individual":
        enrollment.therapist_id = choice.staff_id
    for slot in choice.slots:
        for occurrence in slot.occurrences:
            session = uow.sessions.add(Session(
                id=new_id(), site_id=enrollment.site_id, series_id=None, kind=kind,
                modality=modality, staff_id=choice.staff_id, starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at, timezone=zone.key, status="scheduled"))
            uow.sessions.flush()
            book(uow, enrollment, session, ctx.now)
            if kind == "family":
                seat_family(uow, enrollment.patient_id, session)


def therapist_options(uow, site_id: str, since: datetime) -> list[TherapistOption]:
    therapists = uow.staff.therapists_locked(site_id)
    windows = uow.staff.availability([t.id for t in therapists])
    return [TherapistOption(person.id, tuple(person.languages), uow.enrollments.caseload(person.id),
                            person.max_caseload,
                            tuple((a.weekday, parse_hhmm(a.start_time), parse_hhmm(a.end_time))
                                  for a in windows[person.id]),
                            tuple(uow.sessions.staff_busy(person.id, ending_after=since)))
            for person in therapists]

"""An enrollment on series rosters: seats taken and freed, the waitlist, bookings of occurrences."""
from __future__ import annotations

from datetime import datetime

from services.scheduling.domain.placement import SeriesOption, choose_series, core_modality_first
from services.scheduling.domain.program import BookingContext, bookable_from, program_end
from services.scheduling.domain.waitlist import Waiting, position, to_promote
from services.scheduling.models import Enrollment, GroupSeries, SeriesMember, WaitlistEntry
from services.scheduling.usecases import new_id
from services.scheduling.usecases.bookings import book, cancel_future


def fill_series(uow, enrollment: Enrollment, kind: str, per_week: int, ctx: BookingContext) -> None:
    """Join (or wait for) the track's series until ``per_week`` sessions a week are booked."""
    if per_week <= 0:
        return
    zone = ctx.zone(enrollment.site_id)
    since, until = bookable_from(enrollment, ctx.now, zone, ctx.book_past), program_end(enrollment, zone)
    taken = {s.id for s in uow.series.joined_by(enrollment.id)} | {
        s.id for s in uow.series.waited_for_by(enrollment.id)}
    candidates = [s for s in uow.series.running_between(enrollment.site_id, enrollment.track, kind,
                                                        since, until) if s.id not in taken]
    options = [SeriesOption(s.id, s.modality, len(s.weekdays), uow.sessions.series_times(s.id, since, until),
                            s.seats_taken < s.capacity) for s in candidates]
    by_id = {s.id: s for s in candidates}
    choice = choose_series(core_modality_first(enrollment.track, options, ctx.program["core_group"]),
                           per_week,
                           uow.sessions.patient_busy(enrollment.patient_id, since))
    for series_id in choice.join:
        if uow.series.take_seat(series_id):
            join_series(uow, enrollment, by_id[series_id], until, ctx)
        else:  # another worker took the last seat since we looked
            put_on_waitlist(uow, enrollment, by_id[series_id], ctx)
    for series_id in choice.waitlist:
        put_on_waitlist(uow, enrollment, by_id[series_id], ctx)


def reconcile_series(uow, enrollment: Enrollment, kind: str, per_week: int, until: datetime,
                     ctx: BookingContext) -> None:
    """To a new weekly count: leave the latest joined or stop waiting, or join more."""
    members = [s for s in uow.series.joined_by(enrollment.id, newest_first=True) if s.kind == kind]
    waiting = [s for s in uow.series.waited_for_by(enrollment.id) if s.kind == kind]
    have = sum(len(s.weekdays) for s in members)
    pending = sum(len(s.weekdays) for s in waiting)
    while waiting and have + pending > per_week:
        series = waiting.pop()
        pending -= len(series.weekdays)
        uow.waitlist.entry(series.id, enrollment.id).status = "removed"
    while members and have > per_week:
        series = members.pop(0)
        have -= len(series.weekdays)
        leave_series(uow, enrollment, series, "plan_changed", ctx)
    for series in members:  # a longer plan: the rest of the kept series
        book_series_until(uow, enrollment, series, until, ctx)
    if have + pending < per_week:
        fill_series(uow, enrollment, kind, per_week - have - pending, ctx)


def join_series(uow, enrollment: Enrollment, series: GroupSeries, until: datetime,
                ctx: BookingContext) -> None:
    """Hold a seat on the roster and book the series' occurrences from now until ``until``."""
    member = uow.roster.member(series.id, enrollment.id)
    if member is None:
        uow.roster.add(SeriesMember(id=new_id(), series_id=series.id, enrollment_id=enrollment.id,
                                    patient_id=enrollment.patient_id, joined_at=ctx.now))
    else:
        member.joined_at, member.left_at = ctx.now, None
    book_series_until(uow, enrollment, series, until, ctx)


def book_series_until(uow, enrollment: Enrollment, series: GroupSeries, until: datetime,
                      ctx: BookingContext) -> None:
    since = bookable_from(enrollment, ctx.now, ctx.zone(enrollment.site_id), ctx.book_past)
    for session in uow.sessions.of_series(series.id, since, until):
        book(uow, enrollment, session, ctx.now)


def put_on_waitlist(uow, enrollment: Enrollment, series: GroupSeries, ctx: BookingContext) -> int:
    entry = uow.waitlist.entry(series.id, enrollment.id)
    if entry is None:
        uow.waitlist.add(WaitlistEntry(series_id=series.id, enrollment_id=enrollment.id,
                                       patient_id=enrollment.patient_id, site_id=enrollment.site_id,
                                       joined_at=ctx.now))
    else:
        entry.status = "waiting"
    uow.waitlist.flush()
    place = position(waiting_line(uow, series.id), enrollment.id)
    uow.raise_event("PatientWaitlisted", {"patient_id": enrollment.patient_id,
                                          "enrollment_id": enrollment.id, "track": enrollment.track,
                                          "modality": series.modality, "position": place},
                    site_id=enrollment.site_id, subject=enrollment.id)
    return place


def waiting_line(uow, series_id: str) -> list[Waiting]:
    return [Waiting(e.id, e.enrollment_id) for e in uow.waitlist.line(series_id)]


def leave_series(uow, enrollment: Enrollment, series: GroupSeries, reason: str,
                 ctx: BookingContext) -> None:
    """Cancel the patient's future occurrences, free the seat and give it to the first in line."""
    cancel_future(uow, enrollment.id, ctx.now, reason, series_id=series.id)
    member = uow.roster.member(series.id, enrollment.id, current=True)
    if member is not None:
        member.left_at = ctx.now
        uow.series.free_seat(series.id)
        promote_waitlisted(uow, series, ctx)


def promote_waitlisted(uow, series: GroupSeries, ctx: BookingContext) -> None:
    """Give the free seats to the first in line; an enrollment that has ended loses its place."""
    line = []
    for entry in uow.waitlist.line(series.id):
        enrollment = uow.enrollments.get(entry.enrollment_id)
        if (enrollment is None or enrollment.status != "active"
                or program_end(enrollment, ctx.zone(enrollment.site_id)) <= ctx.now):
            entry.status = "removed"
        else:
            line.append(entry)
    by_id = {entry.id: entry for entry in line}
    for waiting in to_promote([Waiting(e.id, e.enrollment_id) for e in line],
                              uow.series.free_seats(series.id)):
        if not uow.series.take_seat(series.id):
            return  # another worker filled it meanwhile: the rest keep their place
        entry = by_id[waiting.entry_id]
        entry.status = "promoted"
        enrollment = uow.enrollments.get(entry.enrollment_id)
        join_series(uow, enrollment, series, program_end(enrollment, ctx.zone(enrollment.site_id)), ctx)

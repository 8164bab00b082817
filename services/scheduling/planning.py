"""An enrollment's bookings: made to the treatment plan, adjusted when it changes, ended at discharge."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, or_, select

from services.scheduling.booking import (SeriesOption, TherapistOption, choose_series,
                                         choose_therapist, core_modality_first, family_days,
                                         program_days)
from services.scheduling.models import (Availability, Enrollment, GroupSeries, SeriesMember, Session,
                                        Staff, WaitlistEntry)
from services.scheduling.occurrences import Occurrence, parse_hhmm
from services.scheduling.reservations import (Context, book, book_series_until, bookable_from,
                                              cancel, future_bookings, join_series, leave_series,
                                              new_id, patient_busy, program_end, put_on_waitlist,
                                              take_seat)

log = logging.getLogger(__name__)

SERIES_PLAN = {"group": "group_sessions_per_week", "education": "education_sessions_per_week"}
APPOINTMENTS = {"individual": ("individual_therapy", "individual_sessions_per_week"),
                "family": ("family_therapy", "family_sessions_per_month")}


class UnknownSite(ValueError):
    """An enrollment at a site this deployment does not configure: nothing can be booked."""


def record_enrollment(uow, site_id: str, data: dict) -> Enrollment | None:
    """The projection of PatientEnrolled; None when the enrollment is already known."""
    if uow.session.get(Enrollment, data["enrollment_id"]) is not None:
        return None
    enrollment = Enrollment(
        id=data["enrollment_id"], patient_id=data["patient_id"], site_id=site_id,
        track=data["track"], age_band=data["age_band"], start_date=data["start_date"],
        planned_weeks=data["planned_weeks"], weekly_hours=data["weekly_hours"],
        plan=dict(data["plan"]), plan_version=1, preferred_language=data["preferred_language"],
        status="active")
    uow.session.add(enrollment)
    uow.session.flush()
    return enrollment


def book_enrollment(uow, enrollment: Enrollment, ctx: Context) -> None:
    """Book the whole planned period: series to the weekly counts, then therapist appointments."""
    if enrollment.site_id not in ctx.zones:
        raise UnknownSite(enrollment.site_id)
    for kind, key in SERIES_PLAN.items():
        fill_series(uow, enrollment, kind, enrollment.plan[key], ctx)
    for kind, (_, key) in APPOINTMENTS.items():
        book_appointments(uow, enrollment, kind, appointment_days(enrollment, kind), ctx)


def adjust_to_plan(uow, enrollment: Enrollment, data: dict, ctx: Context) -> None:
    """Keep what still fits the new plan, cancel what no longer does, book what is missing."""
    if data["plan_version"] <= enrollment.plan_version or enrollment.status != "active":
        return  # an older or repeated version, or a finished enrollment
    old_plan, old_weeks = dict(enrollment.plan), enrollment.planned_weeks
    enrollment.plan, enrollment.plan_version = dict(data["plan"]), data["plan_version"]
    enrollment.planned_weeks, enrollment.weekly_hours = data["planned_weeks"], data["weekly_hours"]
    new_end = program_end(enrollment, ctx)
    for booking, session in future_bookings(uow, enrollment.id, new_end):
        cancel(uow, booking, session, "plan_changed")
    for kind, key in SERIES_PLAN.items():
        reconcile_series(uow, enrollment, kind, enrollment.plan[key], new_end, ctx)
    for kind, (modality, key) in APPOINTMENTS.items():
        if enrollment.plan[key] != old_plan[key]:
            for booking, session in future_bookings(uow, enrollment.id, ctx.now, modality=modality):
                cancel(uow, booking, session, "plan_changed")
            book_appointments(uow, enrollment, kind, appointment_days(enrollment, kind), ctx)
        elif enrollment.planned_weeks > old_weeks:  # same plan, longer: book the added weeks
            added_from = enrollment.start_date + timedelta(weeks=old_weeks)
            book_appointments(uow, enrollment, kind,
                              [d for d in appointment_days(enrollment, kind) if d >= added_from], ctx)


def end_enrollment(uow, enrollment: Enrollment, status: str, reason: str, ctx: Context) -> None:
    """Cancel every future booking (SessionCancelled each) and give freed seats to the waitlist."""
    enrollment.status = status
    for series in member_series(uow, enrollment):
        leave_series(uow, enrollment, series, reason, ctx)
    for booking, session in future_bookings(uow, enrollment.id, ctx.now):
        cancel(uow, booking, session, reason)
    for entry in uow.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.enrollment_id == enrollment.id, WaitlistEntry.status == "waiting")):
        entry.status = "removed"


# -- series --------------------------------------------------------------------------------


def fill_series(uow, enrollment: Enrollment, kind: str, per_week: int, ctx: Context) -> None:
    if per_week <= 0:
        return
    since, until = bookable_from(enrollment, ctx), program_end(enrollment, ctx)
    taken = {s.id for s in member_series(uow, enrollment)} | {s.id for s in waiting_series(uow, enrollment)}
    candidates = [s for s in uow.session.scalars(select(GroupSeries).where(
        GroupSeries.site_id == enrollment.site_id, GroupSeries.track == enrollment.track,
        GroupSeries.kind == kind, GroupSeries.starts_on < until.date() + timedelta(days=1),
        or_(GroupSeries.ends_on.is_(None), GroupSeries.ends_on >= since.date() - timedelta(days=1)))
        .order_by(GroupSeries.created_at, GroupSeries.id)) if s.id not in taken]
    options = [SeriesOption(s.id, s.modality, len(s.weekdays), series_occurrences(uow, s.id, since, until),
                            s.seats_taken < s.capacity) for s in candidates]
    by_id = {s.id: s for s in candidates}
    choice = choose_series(core_modality_first(enrollment.track, options), per_week,
                           patient_busy(uow, enrollment.patient_id, since))
    for series_id in choice.join:
        if take_seat(uow, series_id):
            join_series(uow, enrollment, by_id[series_id], until, ctx)
        else:  # another worker took the last seat since we looked
            put_on_waitlist(uow, enrollment, by_id[series_id], ctx)
    for series_id in choice.waitlist:
        put_on_waitlist(uow, enrollment, by_id[series_id], ctx)


def reconcile_series(uow, enrollment: Enrollment, kind: str, per_week: int, until, ctx: Context) -> None:
    members = [s for s in member_series(uow, enrollment, newest_first=True) if s.kind == kind]
    waiting = [s for s in waiting_series(uow, enrollment) if s.kind == kind]
    have = sum(len(s.weekdays) for s in members)
    pending = sum(len(s.weekdays) for s in waiting)
    while waiting and have + pending > per_week:
        series = waiting.pop()
        pending -= len(series.weekdays)
        uow.session.scalar(select(WaitlistEntry).where(
            WaitlistEntry.series_id == series.id,
            WaitlistEntry.enrollment_id == enrollment.id)).status = "removed"
    while members and have > per_week:
        series = members.pop(0)
        have -= len(series.weekdays)
        leave_series(uow, enrollment, series, "plan_changed", ctx)
    for series in members:  # a longer plan: the rest of the kept series
        book_series_until(uow, enrollment, series, until, ctx)
    if have + pending < per_week:
        fill_series(uow, enrollment, kind, per_week - have - pending, ctx)


def member_series(uow, enrollment: Enrollment, newest_first: bool = False) -> list[GroupSeries]:
    order = SeriesMember.joined_at.desc() if newest_first else SeriesMember.joined_at
    return list(uow.session.scalars(select(GroupSeries).join(
        SeriesMember, SeriesMember.series_id == GroupSeries.id).where(
        SeriesMember.enrollment_id == enrollment.id, SeriesMember.left_at.is_(None)).order_by(order)))


def waiting_series(uow, enrollment: Enrollment) -> list[GroupSeries]:
    return list(uow.session.scalars(select(GroupSeries).join(
        WaitlistEntry, WaitlistEntry.series_id == GroupSeries.id).where(
        WaitlistEntry.enrollment_id == enrollment.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)))


def series_occurrences(uow, series_id: str, since, until) -> tuple[Occurrence, ...]:
    rows = uow.session.execute(select(Session.starts_at, Session.ends_at).where(
        Session.series_id == series_id, Session.status == "scheduled",
        Session.starts_at >= since, Session.starts_at < until))
    return tuple(Occurrence(s, e) for s, e in rows)


# -- appointments with a therapist -----------------------------------------------------------


def appointment_days(enrollment: Enrollment, kind: str):
    if kind == "family":
        return family_days(enrollment.start_date, enrollment.planned_weeks,
                           enrollment.plan["family_sessions_per_month"])
    return program_days(enrollment.start_date,
                        enrollment.start_date + timedelta(days=7 * enrollment.planned_weeks - 1))


def book_appointments(uow, enrollment: Enrollment, kind: str, days, ctx: Context) -> None:
    modality, key = APPOINTMENTS[kind]
    count = enrollment.plan[key] if kind == "individual" else min(enrollment.plan[key], 1)
    if count <= 0 or not days:
        return
    since = bookable_from(enrollment, ctx)
    options = therapist_options(uow, enrollment.site_id, since)
    choice = choose_therapist(options, enrollment.preferred_language, days, count,
                              ctx.program["session_minutes"][kind], ctx.zones[enrollment.site_id],
                              patient_busy(uow, enrollment.patient_id, since), since,
                              current=enrollment.therapist_id)
    if choice is None:
        log.warning("no therapist slot free for a %s appointment at %s", kind, enrollment.site_id)
        return
    if kind == "individual":
        enrollment.therapist_id = choice.staff_id
    for slot in choice.slots:
        for occurrence in slot.occurrences:
            session = Session(id=new_id(), site_id=enrollment.site_id, series_id=None, kind=kind,
                              modality=modality, staff_id=choice.staff_id,
                              starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                              timezone=ctx.zones[enrollment.site_id].key, status="scheduled")
            uow.session.add(session)
            uow.session.flush()
            book(uow, enrollment, session, ctx)


def therapist_options(uow, site_id: str, since) -> list[TherapistOption]:
    # Row locks on PostgreSQL: two workers never give one therapist's hour to two patients.
    staff = [s for s in uow.session.scalars(select(Staff).where(Staff.site_id == site_id)
                                             .order_by(Staff.id).with_for_update())
             if "therapist" in s.roles]
    options = []
    for person in staff:
        caseload = uow.session.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.therapist_id == person.id, Enrollment.status == "active"))
        windows = tuple((a.weekday, parse_hhmm(a.start_time), parse_hhmm(a.end_time))
                        for a in uow.session.scalars(select(Availability).where(
                            Availability.staff_id == person.id)))
        busy = tuple(Occurrence(s, e) for s, e in uow.session.execute(
            select(Session.starts_at, Session.ends_at).where(
                Session.staff_id == person.id, Session.status == "scheduled",
                Session.ends_at > since)))
        options.append(TherapistOption(person.id, tuple(person.languages), caseload,
                                       person.max_caseload, windows, busy))
    return options

"""Every query of the scheduling service, one repository per aggregate (``uow.<name>``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from shared.errors import RecordNotFound
from shared.repository import Repository
from services.scheduling.domain.occurrences import Occurrence
from services.scheduling.models import (Attendance, Availability, Booking, Enrollment,
                                        FamilyMember, FamilyParticipant, GroupNote, GroupNotePart,
                                        GroupNoteVersion, GroupSeries, SeriesMember, Session, Staff,
                                        WaitlistEntry)


def occurrences(rows) -> list[Occurrence]:
    return [Occurrence(starts_at, ends_at) for starts_at, ends_at in rows]


class StaffRepository(Repository):
    model = Staff

    def at_site(self, site_id: str) -> list[Staff]:
        return list(self.session.scalars(select(Staff).where(Staff.site_id == site_id)
                                         .order_by(Staff.name, Staff.id)))

    def therapists_locked(self, site_id: str) -> list[Staff]:
        # Row locks on PostgreSQL: two workers never give one therapist's hour to two patients.
        return [s for s in self.session.scalars(select(Staff).where(Staff.site_id == site_id)
                                                .order_by(Staff.id).with_for_update())
                if "therapist" in s.roles]

    def availability(self, staff_ids: list[str]) -> dict[str, list[Availability]]:
        """Each staff member's weekly windows, in weekday and time order."""
        by_staff: dict[str, list[Availability]] = {staff_id: [] for staff_id in staff_ids}
        for window in self.session.scalars(select(Availability).where(
                Availability.staff_id.in_(staff_ids))
                .order_by(Availability.weekday, Availability.start_time)):
            by_staff[window.staff_id].append(window)
        return by_staff


class SeriesRepository(Repository):
    model = GroupSeries

    def get_visible(self, record_id: str, caller, what: str | None = "Group series") -> GroupSeries:
        return super().get_visible(record_id, caller, what)

    def at_site(self, site_id: str) -> list[GroupSeries]:
        return list(self.session.scalars(select(GroupSeries).where(GroupSeries.site_id == site_id)
                                         .order_by(GroupSeries.created_at, GroupSeries.id)))

    def running_between(self, site_id: str, track: str, kind: str, since: datetime,
                        until: datetime) -> list[GroupSeries]:
        """The track's series at the site that meet at some point of the period."""
        return list(self.session.scalars(select(GroupSeries).where(
            GroupSeries.site_id == site_id, GroupSeries.track == track, GroupSeries.kind == kind,
            GroupSeries.starts_on < until.date() + timedelta(days=1),
            or_(GroupSeries.ends_on.is_(None), GroupSeries.ends_on >= since.date() - timedelta(days=1)))
            .order_by(GroupSeries.created_at, GroupSeries.id)))

    def joined_by(self, enrollment_id: str, newest_first: bool = False) -> list[GroupSeries]:
        order = SeriesMember.joined_at.desc() if newest_first else SeriesMember.joined_at
        return list(self.session.scalars(select(GroupSeries).join(
            SeriesMember, SeriesMember.series_id == GroupSeries.id).where(
            SeriesMember.enrollment_id == enrollment_id, SeriesMember.left_at.is_(None)).order_by(order)))

    def waited_for_by(self, enrollment_id: str) -> list[GroupSeries]:
        return list(self.session.scalars(select(GroupSeries).join(
            WaitlistEntry, WaitlistEntry.series_id == GroupSeries.id).where(
            WaitlistEntry.enrollment_id == enrollment_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)))

    def take_seat(self, series_id: str) -> bool:
        """Atomic on every backend: a seat is taken only while one is free."""
        result = self.session.execute(
            update(GroupSeries).where(GroupSeries.id == series_id,
                                      GroupSeries.seats_taken < GroupSeries.capacity)
            .values(seats_taken=GroupSeries.seats_taken + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    def free_seat(self, series_id: str) -> None:
        self.session.execute(update(GroupSeries).where(GroupSeries.id == series_id)
                             .values(seats_taken=GroupSeries.seats_taken - 1)
                             .execution_options(synchronize_session=False))

    def free_seats(self, series_id: str) -> int:
        return self.session.scalar(select(GroupSeries.capacity - GroupSeries.seats_taken)
                                   .where(GroupSeries.id == series_id))


class RosterRepository(Repository):
    model = SeriesMember

    def member(self, series_id: str, enrollment_id: str, current: bool = False) -> SeriesMember | None:
        query = select(SeriesMember).where(SeriesMember.series_id == series_id,
                                           SeriesMember.enrollment_id == enrollment_id)
        if current:
            query = query.where(SeriesMember.left_at.is_(None))
        return self.session.scalar(query)


class WaitlistRepository(Repository):
    model = WaitlistEntry

    def entry(self, series_id: str, enrollment_id: str) -> WaitlistEntry | None:
        return self.session.scalar(select(WaitlistEntry).where(
            WaitlistEntry.series_id == series_id, WaitlistEntry.enrollment_id == enrollment_id))

    def line(self, series_id: str) -> list[WaitlistEntry]:
        return list(self.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.series_id == series_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)))

    def waiting_counts(self, series_ids) -> dict[str, int]:
        """How many enrollments wait for each of these series (absent: none)."""
        if not series_ids:
            return {}
        return dict(self.session.execute(select(WaitlistEntry.series_id, func.count()).where(
            WaitlistEntry.series_id.in_(list(series_ids)), WaitlistEntry.status == "waiting")
            .group_by(WaitlistEntry.series_id)).all())

    def waiting(self, enrollment_id: str) -> list[tuple[WaitlistEntry, GroupSeries]]:
        return list(self.session.execute(
            select(WaitlistEntry, GroupSeries).join(GroupSeries, GroupSeries.id == WaitlistEntry.series_id)
            .where(WaitlistEntry.enrollment_id == enrollment_id, WaitlistEntry.status == "waiting")))


class SessionRepository(Repository):
    model = Session

    def lock(self, session_id: str) -> None:
        """Row lock on PostgreSQL: two roster additions never take one session's last place."""
        self.session.execute(select(Session.id).where(Session.id == session_id).with_for_update())

    def of_series(self, series_id: str, since: datetime, until: datetime) -> list[Session]:
        return list(self.session.scalars(select(Session).where(
            Session.series_id == series_id, Session.status == "scheduled",
            Session.starts_at >= since, Session.starts_at < until).order_by(Session.starts_at)))

    def series_times(self, series_id: str, since: datetime, until: datetime) -> tuple[Occurrence, ...]:
        return tuple(occurrences(self.session.execute(select(Session.starts_at, Session.ends_at).where(
            Session.series_id == series_id, Session.status == "scheduled",
            Session.starts_at >= since, Session.starts_at < until))))

    def staff_busy(self, staff_id: str, *, ending_after: datetime | None = None,
                   besides: str | None = None) -> list[Occurrence]:
        """The staff member's scheduled sessions (those ending after a time, or but one)."""
        query = select(Session.starts_at, Session.ends_at).where(
            Session.staff_id == staff_id, Session.status == "scheduled")
        if ending_after is not None:
            query = query.where(Session.ends_at > ending_after)
        if besides is not None:
            query = query.where(Session.id != besides)
        return occurrences(self.session.execute(query))

    def patient_busy(self, patient_id: str, after: datetime) -> list[Occurrence]:
        return occurrences(self.session.execute(
            select(Session.starts_at, Session.ends_at).join(Booking, Booking.session_id == Session.id)
            .where(Booking.patient_id == patient_id, Booking.status == "booked",
                   Session.status == "scheduled", Session.starts_at >= after)))

    def calendar(self, site_id: str, since: datetime, until: datetime):
        """The site's sessions starting in [since, until), each with its booked count and capacity."""
        booked = (select(Booking.session_id, func.count().label("booked"))
                  .where(Booking.status == "booked").group_by(Booking.session_id).subquery())
        return self.session.execute(
            select(Session, func.coalesce(booked.c.booked, 0), GroupSeries.capacity)
            .outerjoin(booked, booked.c.session_id == Session.id)
            .outerjoin(GroupSeries, GroupSeries.id == Session.series_id)
            .where(Session.site_id == site_id, Session.starts_at >= since, Session.starts_at < until)
            .order_by(Session.starts_at, Session.id)).all()


class BookingRepository(Repository):
    model = Booking

    def of_patient_on(self, patient_id: str, session_id: str) -> Booking | None:
        return self.session.scalar(select(Booking).where(
            Booking.patient_id == patient_id, Booking.session_id == session_id))

    def booked_on(self, session_id: str) -> list[Booking]:
        return list(self.session.scalars(select(Booking).where(
            Booking.session_id == session_id, Booking.status == "booked")))

    def future(self, enrollment_id: str, after: datetime, **session_columns) -> list[tuple[Booking, Session]]:
        """The enrollment's booked sessions from ``after`` on (optionally only a series or modality)."""
        query = (select(Booking, Session).join(Session, Session.id == Booking.session_id)
                 .where(Booking.enrollment_id == enrollment_id, Booking.status == "booked",
                        Session.starts_at >= after).order_by(Session.starts_at))
        for column, value in session_columns.items():
            query = query.where(getattr(Session, column) == value)
        return self.session.execute(query).all()

    def on_session_with_attendance(self, session_id: str) -> list[tuple[Booking, Attendance | None]]:
        return self.session.execute(
            select(Booking, Attendance).outerjoin(Attendance, Attendance.booking_id == Booking.id)
            .where(Booking.session_id == session_id).order_by(Booking.created_at, Booking.id)).all()

    def of_enrollment(self, enrollment_id: str) -> list[tuple[Booking, Session, Attendance | None]]:
        return self.session.execute(
            select(Booking, Session, Attendance).join(Session, Session.id == Booking.session_id)
            .outerjoin(Attendance, Attendance.booking_id == Booking.id)
            .where(Booking.enrollment_id == enrollment_id).order_by(Session.starts_at)).all()


class AttendanceRepository(Repository):
    model = Attendance  # keyed by booking id

    def history(self, enrollment_id: str, up_to: datetime) -> list[str | None]:
        """The enrollment's attendance, oldest first, up to a session (clinic-cancelled ones left out)."""
        return list(self.session.scalars(
            select(Attendance.status).select_from(Booking)
            .join(Session, Session.id == Booking.session_id)
            .outerjoin(Attendance, Attendance.booking_id == Booking.id)
            .where(Booking.enrollment_id == enrollment_id, Booking.status == "booked",
                   Session.status == "scheduled", Session.starts_at <= up_to)
            .order_by(Session.starts_at)))


class EnrollmentRepository(Repository):
    model = Enrollment

    def current_of_patient(self, patient_id: str, site_id: str | None = None) -> Enrollment | None:
        """The patient's active enrollment, else the latest one."""
        query = select(Enrollment).where(Enrollment.patient_id == patient_id)
        if site_id is not None:
            query = query.where(Enrollment.site_id == site_id)
        return self.session.scalar(query.order_by((Enrollment.status == "active").desc(),
                                                  Enrollment.start_date.desc()))

    def current_visible(self, patient_id: str, caller) -> Enrollment:
        enrollment = self.current_of_patient(patient_id)
        if enrollment is None or not caller.sees(enrollment.site_id):
            raise RecordNotFound("Patient not found.")
        return enrollment

    def caseload(self, staff_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.therapist_id == staff_id, Enrollment.status == "active"))


class NoteRepository(Repository):
    model = GroupNote

    def of_session(self, session_id: str) -> GroupNote | None:
        return self.session.scalar(select(GroupNote).where(GroupNote.session_id == session_id))

    def versions(self, note_id: str) -> list[GroupNoteVersion]:
        return list(self.session.scalars(select(GroupNoteVersion).where(
            GroupNoteVersion.note_id == note_id).order_by(GroupNoteVersion.version)))

    def add_version(self, version: GroupNoteVersion) -> GroupNoteVersion:
        self.session.add(version)
        return version

    def parts(self, version_id: str) -> list[GroupNotePart]:
        return list(self.session.scalars(select(GroupNotePart).where(
            GroupNotePart.version_id == version_id).order_by(GroupNotePart.id)))

    def replace_parts(self, version_id: str, parts: list[dict]) -> list[GroupNotePart]:
        for part in self.parts(version_id):
            self.session.delete(part)
        self.session.flush()
        rows = [GroupNotePart(version_id=version_id, patient_id=p["patient_id"], text=p["text"])
                for p in parts]
        self.session.add_all(rows)
        self.session.flush()
        return rows

    def signed_for_patient(self, patient_id: str) -> list[tuple[GroupNote, GroupNoteVersion, Session]]:
        """Each note whose latest signed version has a part for the patient, oldest session first."""
        latest = (select(GroupNoteVersion.note_id, func.max(GroupNoteVersion.version).label("version"))
                  .where(GroupNoteVersion.status == "signed")
                  .group_by(GroupNoteVersion.note_id).subquery())
        rows = self.session.execute(
            select(GroupNote, GroupNoteVersion, Session)
            .join(latest, latest.c.note_id == GroupNote.id)
            .join(GroupNoteVersion, (GroupNoteVersion.note_id == GroupNote.id)
                  & (GroupNoteVersion.version == latest.c.version))
            .join(GroupNotePart, GroupNotePart.version_id == GroupNoteVersion.id)
            .join(Session, Session.id == GroupNote.session_id)
            .where(GroupNotePart.patient_id == patient_id)
            .order_by(Session.starts_at, GroupNote.id))
        return [tuple(row) for row in rows]

    def part_of(self, version_id: str, patient_id: str) -> GroupNotePart | None:
        return self.session.scalar(select(GroupNotePart).where(
            GroupNotePart.version_id == version_id, GroupNotePart.patient_id == patient_id))


class FamilyRepository(Repository):
    """Related persons (the projection) and the participants of family sessions."""

    model = FamilyMember

    def member(self, related_person_id: str) -> FamilyMember | None:
        return self.session.get(FamilyMember, related_person_id)

    def members_of(self, patient_id: str) -> list[FamilyMember]:
        return list(self.session.scalars(select(FamilyMember).where(
            FamilyMember.patient_id == patient_id).order_by(FamilyMember.related_person_id)))

    def sessions_to_come(self, patient_id: str, now: datetime) -> list[Session]:
        """The patient's booked family sessions that have not started."""
        return list(self.session.scalars(
            select(Session).join(Booking, Booking.session_id == Session.id)
            .where(Booking.patient_id == patient_id, Booking.status == "booked",
                   Session.kind == "family", Session.status == "scheduled",
                   Session.starts_at > now).order_by(Session.starts_at)))

    def seat(self, session_id: str, related_person_id: str) -> None:
        exists = self.session.scalar(select(FamilyParticipant.id).where(
            FamilyParticipant.session_id == session_id,
            FamilyParticipant.related_person_id == related_person_id))
        if exists is None:
            self.session.add(FamilyParticipant(session_id=session_id,
                                               related_person_id=related_person_id))

    def unseat(self, session_id: str, related_person_id: str) -> None:
        for row in self.session.scalars(select(FamilyParticipant).where(
                FamilyParticipant.session_id == session_id,
                FamilyParticipant.related_person_id == related_person_id)):
            self.session.delete(row)

    def participants(self, session_ids: list[str]) -> dict[str, list[str]]:
        """session id → its participants' related person ids (sessions without any left out)."""
        found: dict[str, list[str]] = {}
        if not session_ids:
            return found
        for session_id, person_id in self.session.execute(
                select(FamilyParticipant.session_id, FamilyParticipant.related_person_id)
                .where(FamilyParticipant.session_id.in_(session_ids))
                .order_by(FamilyParticipant.session_id, FamilyParticipant.related_person_id)):
            found.setdefault(session_id, []).append(person_id)
        return found


REPOSITORIES = {"staff": StaffRepository, "series": SeriesRepository, "roster": RosterRepository,
                "waitlist": WaitlistRepository, "sessions": SessionRepository,
                "bookings": BookingRepository, "attendance": AttendanceRepository,
                "enrollments": EnrollmentRepository, "notes": NoteRepository,
                "family": FamilyRepository}

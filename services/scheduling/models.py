"""The scheduling service's tables (its own database; the kit's outbox, inbox and audit tables included).

Times are aware UTC (``UtcDateTime``); each session keeps its site's IANA zone so local times can
be shown and weeks counted where the patient lives. A series' roster (``series_members``) is kept
apart from its occurrences (``sessions``), so a patient can join or leave a running series.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import SerialId, UtcDateTime, kit_metadata


class Base(DeclarativeBase):
    metadata = kit_metadata()


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    roles: Mapped[list] = mapped_column(JSON)
    languages: Mapped[list] = mapped_column(JSON)
    max_caseload: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Availability(Base):
    """A weekly window in the site's local time (weekday 0 = Monday)."""

    __tablename__ = "staff_availability"
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))


class GroupSeries(Base):
    __tablename__ = "group_series"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    track: Mapped[str] = mapped_column(String(32))
    modality: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[list] = mapped_column(JSON)  # 0 = Monday
    start_time: Mapped[str] = mapped_column(String(5))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    # Active roster size, changed only by conditional UPDATEs so two workers never overfill it.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    facilitator_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeriesMember(Base):
    """The roster: a patient holds a seat in a series from ``joined_at`` until ``left_at``."""

    __tablename__ = "series_members"
    __table_args__ = (UniqueConstraint("series_id", "enrollment_id", name="uq_series_members_enrollment"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("group_series.id"), index=True)
    enrollment_id: Mapped[str] = mapped_column(String(36), index=True)
    patient_id: Mapped[str] = mapped_column(String(36))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Session(Base):
    """One occurrence: of a series, or an individual/family appointment with one therapist."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("series_id", "starts_at", name="uq_sessions_series_start"),
                      Index("ix_sessions_site_start", "site_id", "starts_at"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    series_id: Mapped[str | None] = mapped_column(ForeignKey("group_series.id"))
    kind: Mapped[str] = mapped_column(String(16))
    modality: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # or cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(200))


class Booking(Base):
    __tablename__ = "bookings"
    # One booking per patient per occurrence: a redelivered or raced event cannot double-book.
    __table_args__ = (UniqueConstraint("patient_id", "session_id", name="uq_bookings_patient_session"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    enrollment_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="booked")  # or cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Attendance(Base):
    __tablename__ = "attendance"
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # attended, absent, excused
    attended_minutes: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class WaitlistEntry(Base):
    __tablename__ = "waitlist"
    __table_args__ = (UniqueConstraint("series_id", "enrollment_id", name="uq_waitlist_enrollment"),)
    # The serial id orders the line: first in, first promoted.
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("group_series.id"), index=True)
    enrollment_id: Mapped[str] = mapped_column(String(36))
    patient_id: Mapped[str] = mapped_column(String(36))
    site_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # promoted, removed
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Enrollment(Base):
    """Projection of intake's PatientEnrolled and TreatmentPlanUpdated: what booking needs."""

    __tablename__ = "enrollments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    track: Mapped[str] = mapped_column(String(32))
    age_band: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    planned_weeks: Mapped[int] = mapped_column(Integer)
    weekly_hours: Mapped[float]
    plan: Mapped[dict] = mapped_column(JSON)
    plan_version: Mapped[int] = mapped_column(Integer, default=1)
    preferred_language: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(16), default="active")  # completed, discharged
    # The primary clinician: the individual therapist chosen at booking.
    therapist_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True)


class GroupNote(Base):
    """A group session's note: one per session, its text held in numbered versions."""

    __tablename__ = "group_notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), unique=True)
    site_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GroupNoteVersion(Base):
    """One version: the draft until signed, then locked; an amendment is the next version."""

    __tablename__ = "group_note_versions"
    __table_args__ = (UniqueConstraint("note_id", "version", name="uq_group_note_versions_version"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    note_id: Mapped[str] = mapped_column(ForeignKey("group_notes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # or signed
    shared_text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    amendment_reason: Mapped[str | None] = mapped_column(String(500))


class GroupNotePart(Base):
    """A version's individualized part for one patient: shown only on that patient's chart."""

    __tablename__ = "group_note_parts"
    __table_args__ = (UniqueConstraint("version_id", "patient_id", name="uq_group_note_parts_patient"),)
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("group_note_versions.id"), index=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    text: Mapped[str] = mapped_column(Text)


class FamilyMember(Base):
    """Projection of intake's RelatedPersonAdded/Updated: who may take part in the patient's
    family sessions. Ids and flags only; names and contacts stay in intake."""

    __tablename__ = "family_members"
    related_person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(36), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    consent_to_contact: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)  # the latest change seen: older events change nothing


class FamilyParticipant(Base):
    """A related person taking part in one family session. Kept per session, so a past session
    still lists who was invited after someone withdraws; only sessions to come follow changes."""

    __tablename__ = "family_participants"
    __table_args__ = (UniqueConstraint("session_id", "related_person_id",
                                       name="uq_family_participants_person"),)
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    related_person_id: Mapped[str] = mapped_column(String(36))

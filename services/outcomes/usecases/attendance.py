"""Attendance, projected from scheduling's events: the latest word on each booking."""
from __future__ import annotations

from shared.db import UnitOfWork

from services.outcomes.commands import RecordAttendance
from services.outcomes.models import AttendanceRecord
from services.outcomes.usecases.summaries import refresh_after_late_entry


def record_attendance(command: RecordAttendance, uow: UnitOfWork) -> None:
    """Scheduling may correct a record: the latest one per booking wins. A session dated within
    an ended episode recomputes its summary."""
    record = uow.attendance.get(command.booking_id)
    if record is None:
        record = uow.attendance.add(AttendanceRecord(booking_id=command.booking_id))
    record.enrollment_id, record.patient_id = command.enrollment_id, command.patient_id
    record.site_id, record.starts_at, record.status = command.site_id, command.starts_at, command.status
    episode = uow.episodes.get(command.enrollment_id)
    if episode is not None:
        refresh_after_late_entry(uow, episode, command.zones[episode.site_id], command.instruments,
                                 command.starts_at)

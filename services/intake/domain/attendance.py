"""Attendance and the completion rule (handbook CLINICAL.md, Program).

Attendance rate = attended ÷ (booked sessions held, excluding clinic cancellations and excused
absences). Scheduling reports no outcome for a session the clinic cancelled, so the denominator
is attended + absent (unexcused).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from shared.enums import ATTENDANCE_STATUSES
from shared.errors import InvalidFields

ATTENDED, ABSENT, EXCUSED = ATTENDANCE_STATUSES


class CompletionRefused(InvalidFields):
    """Discharge as completed without the attendance it needs and without an override."""

    def __init__(self, message: str, attendance: "Attendance", required_rate: float):
        super().__init__({"reason": [message]}, message,
                         attendance_rate=attendance.reported_rate, attended=attendance.attended,
                         counted_sessions=attendance.counted, required_rate=required_rate)
        self.attendance = attendance
        self.required_rate = required_rate


@dataclass(frozen=True)
class Attendance:
    attended: int
    absent: int
    excused: int

    @property
    def counted(self) -> int:
        return self.attended + self.absent

    @property
    def rate(self) -> float | None:
        """None until a session counts: no attendance is not the same as 0%."""
        return self.attended / self.counted if self.counted else None

    @property
    def reported_rate(self) -> float | None:
        """The rate as answered and published: four decimals (the rule uses the exact one)."""
        return None if self.rate is None else round(self.rate, 4)


def absence_status(excused: bool) -> str:
    # Excused absences leave the denominator of the attendance rate.
    return EXCUSED if excused else ABSENT


def tally(statuses: Iterable[str]) -> Attendance:
    statuses = list(statuses)
    return Attendance(attended=statuses.count(ATTENDED), absent=statuses.count(ABSENT),
                      excused=statuses.count(EXCUSED))


def meets_completion_rate(attendance: Attendance, required_rate: float) -> bool:
    return attendance.rate is not None and attendance.rate >= required_rate


def check_completion(attendance: Attendance, required_rate: float,
                     override_reason: str | None) -> None:
    """A completed discharge needs the rate, or a clinician's override reason (kept with it)."""
    if meets_completion_rate(attendance, required_rate) or override_reason:
        return
    rate = "no counted sessions" if attendance.rate is None else shown_rate(attendance)
    raise CompletionRefused(
        f"Completion needs an attendance rate of at least {required_rate * 100:g} %; it is {rate} "
        f"({attendance.attended} of {attendance.counted} sessions). Give an override_reason to "
        "discharge as completed anyway.", attendance, required_rate)


def shown_rate(attendance: Attendance) -> str:
    """The rate as a person reads it: a percentage to one decimal, rounded down, so a rate under
    the requirement never reads as meeting it (74.95 % is "74.9 %", not "75.0 %")."""
    tenths = math.floor(Fraction(attendance.attended * 1000, attendance.counted))
    return f"{tenths // 10}.{tenths % 10} %"


def weeks_in_program(start_date: date, end_date: date) -> int:
    """Whole or started weeks from the start date to the end date, both days included."""
    return math.ceil(((end_date - start_date).days + 1) / 7)

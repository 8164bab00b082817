"""Attendance rules: what a recording changes, and unexcused misses in a row."""
from __future__ import annotations

from dataclasses import dataclass

MISSED = "absent"
EXCUSED = "excused"
ATTENDED = "attended"


@dataclass(frozen=True)
class Mark:
    status: str
    attended_minutes: int = 0


def recording_outcome(previous: Mark | None, new: Mark) -> str:
    """``recorded`` (first time), ``unchanged`` (same again: no event) or ``corrected``."""
    if previous is None:
        return "recorded"
    return "unchanged" if previous == new else "corrected"


def consecutive_missed(history: list[str | None]) -> int:
    """Unexcused misses in a row, ending with the latest of ``history`` (oldest first).

    An attended session ends the run; an excused absence or a session without a record neither
    ends nor extends it (the patient was not expected, or we do not know yet).
    """
    run = 0
    for status in history:
        if status == ATTENDED:
            run = 0
        elif status == MISSED:
            run += 1
    return run

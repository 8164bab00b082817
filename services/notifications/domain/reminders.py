"""When patient messages go out: session reminders and quiet hours, in the site's local time.

Plain functions of their inputs (the session, the site's zone, "now" and the rules from
config/clinical.yaml ``notifications``); no framework imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

SKIPPED_QUIET_HOURS = "quiet_hours"      # its end would be at or after the session start
SKIPPED_WINDOW_PASSED = "window_passed"  # the session was booked after the reminder was due


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def from_rules(cls, rules: dict) -> "QuietHours":
        quiet = rules["quiet_hours"]
        return cls(time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]))

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight

    def next_end(self, at: datetime, zone: ZoneInfo) -> datetime:
        """The first end of quiet hours after ``at`` (aware), as an aware UTC time."""
        local = at.astimezone(zone)
        end = _wall_clock(datetime.combine(local.date(), self.end), zone)
        if end <= at:
            end = _wall_clock(datetime.combine(local.date() + timedelta(days=1), self.end), zone)
        return end


@dataclass(frozen=True)
class PlannedReminder:
    hours_before: int
    due_at: datetime              # aware UTC: the offset on the wall clock, before quiet hours
    send_at: datetime | None      # aware UTC; None when skipped
    skipped: str | None = None


def _wall_clock(naive_local: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as aware UTC. A time skipped by a DST jump resolves to the
    offset before the jump (zoneinfo's fold=0), i.e. just after the jump on the clock."""
    return naive_local.replace(tzinfo=zone).astimezone(timezone.utc)


def out_of_quiet_hours(at: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """``at`` itself, or the end of the quiet hours it falls in."""
    if quiet.contains(at.astimezone(zone).time()):
        return quiet.next_end(at, zone)
    return at.astimezone(timezone.utc)


def plan_reminders(starts_at: datetime, zone: ZoneInfo, now: datetime, rules: dict) -> list[PlannedReminder]:
    """The session's reminders: each offset counted on the site's wall clock (24 h before a
    09:00 session is 09:00 the day before, DST or not), moved out of quiet hours when that is
    still before the session, else skipped. None at all for a session that has begun."""
    if starts_at <= now:
        return []
    quiet = QuietHours.from_rules(rules)
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    planned = []
    for hours in rules["reminder_offsets_hours"]:
        due_at = _wall_clock(local_start - timedelta(hours=hours), zone)
        send_at = out_of_quiet_hours(due_at, zone, quiet)
        if send_at >= starts_at:
            planned.append(PlannedReminder(hours, due_at, None, SKIPPED_QUIET_HOURS))
        elif send_at < now:
            planned.append(PlannedReminder(hours, due_at, None, SKIPPED_WINDOW_PASSED))
        else:
            planned.append(PlannedReminder(hours, due_at, send_at))
    return planned


def patient_message_time(at: datetime, zone: ZoneInfo, rules: dict) -> datetime:
    """When a patient message caused at ``at`` may go: not during quiet hours."""
    return out_of_quiet_hours(at, zone, QuietHours.from_rules(rules))


def aftercare_checkin_time(completed_on: date, completed_at: datetime, zone: ZoneInfo, rules: dict) -> datetime:
    """The aftercare check-in: the configured number of days after the completion date, at the
    wall-clock time completion was recorded, out of quiet hours."""
    local_time = completed_at.astimezone(zone).time()
    due_day = completed_on + timedelta(days=rules["aftercare_checkin_days"])
    return patient_message_time(_wall_clock(datetime.combine(due_day, local_time), zone), zone, rules)

"""Wall-clock time, aware and in UTC: the one way the platform reads the clock."""
from datetime import datetime, timedelta, timezone

from shared.errors import InvalidFields


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def check_driven_clock(now: datetime, real_now: datetime, *, production: bool, within_days: int,
                       field: str = "now") -> None:
    """An ops clock (dispatch, assessments due) driven to ``now``: in production never ahead of
    the real time, elsewhere at most ``within_days`` from it either way (config OPS_CLOCK), so one
    request cannot, say, skip every future reminder for good."""
    if production and now > real_now:
        raise InvalidFields({field: ["Must not be in the future."]},
                            "In production the clock cannot be driven forward.")
    if abs(now - real_now) > timedelta(days=within_days):
        raise InvalidFields({field: [f"Must be within {within_days} days of the real time."]})

"""Wall-clock time, aware and in UTC: the one way the platform reads the clock."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

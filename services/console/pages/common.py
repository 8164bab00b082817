"""What several pages read: the day asked for in the site's zone, grouping alerts by level."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Most urgent first: how the alert levels are ordered on every page.
LEVELS = ("high", "moderate", "low")


def day_asked(value: str | None, zone: ZoneInfo) -> date:
    """``YYYY-MM-DD`` if given and valid, else today in the site's zone."""
    try:
        return date.fromisoformat(value) if value else datetime.now(zone).date()
    except ValueError:
        return datetime.now(zone).date()


def by_level(alerts: list[dict]) -> list[tuple[str, list[dict]]]:
    """(level, its alerts oldest first), most urgent level first; unknown levels last."""
    levels = sorted({a["level"] for a in alerts},
                    key=lambda level: LEVELS.index(level) if level in LEVELS else len(LEVELS))
    return [(level, sorted((a for a in alerts if a["level"] == level),
                           key=lambda a: a["created_at"])) for level in levels]

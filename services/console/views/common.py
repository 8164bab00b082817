"""Formatting shared by the pages: times in the site's zone, rates, form values and errors."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def zone_of(name: str | None) -> ZoneInfo | timezone:
    return ZoneInfo(name) if name else timezone.utc


def instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant from a service (UTC, or naive meaning UTC)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def local_time(value: str | None, zone) -> str:
    """``2026-06-05 10:30`` in the site's zone; empty when there is none."""
    moment = instant(value)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_date(value: str | None, zone) -> str:
    moment = instant(value)
    return moment.astimezone(zone).date().isoformat() if moment else ""


def site_today(zone, now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(zone).date()


def percent(rate: float | None, none_text: str) -> str:
    return none_text if rate is None else f"{round(rate * 100)} %"


def answer(raw: str | None):
    """A form's answer as the API takes it: blank → None, a whole number → int; anything else is
    sent as typed, so the service names it in its 422."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def blank_to_none(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text or None


def item_field(prefix: str, number: int) -> str:
    """A form field for a 1-based item; the services name items 0-based (``responses.3``)."""
    return f"{prefix}.{number}"


def field_errors(errors: dict, item_lists: dict[str, str], known: set[str]) -> tuple[dict, list]:
    """A 422's ``errors`` (flattened: ``screening.phq9.2``) as (errors by form field, the rest).

    ``item_lists`` maps an API list field (``screening.phq9``) to its form prefix: the API's 0-based
    item index becomes the form's 1-based item. Errors of no form field are returned apart, for the
    error summary at the top of the form.
    """
    by_field: dict[str, list[str]] = {}
    rest: list[str] = []
    for key, messages in (errors or {}).items():
        name = key
        head, _, tail = key.rpartition(".")
        if head in item_lists and tail.isdigit():
            name = item_field(item_lists[head], int(tail) + 1)
        elif key in item_lists and key not in known:
            name = item_lists[key]
        if name in known:
            by_field.setdefault(name, []).extend(messages)
        elif key == "_schema":  # the whole body's error: its message alone
            rest.extend(messages)
        else:
            rest.extend(f"{key}: {message}" for message in messages)
    return by_field, rest

"""Today at my site: the day's sessions with their rosters, census by track, waitlist, open alerts.

From scheduling: the site's calendar for the day, each session's bookings and the site's group
series (seats taken and waiting, by track); from intake: the names on the rosters; from
notifications: the site's open alerts.
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from services.console.pages.common import by_level, day_asked


def census(series: list[dict]) -> list[dict]:
    """Per track: patients holding a seat in its group series, seats, and patients waiting."""
    tracks: dict[str, dict] = {}
    for one in series:
        if one.get("kind") != "group":
            continue
        row = tracks.setdefault(one["track"], {"track": one["track"], "enrolled": 0,
                                               "capacity": 0, "waiting": 0})
        row["enrolled"] += one.get("seats_taken") or 0
        row["capacity"] += one.get("capacity") or 0
        row["waiting"] += one.get("waiting") or 0
    return sorted(tracks.values(), key=lambda row: row["track"])


def show(page):
    site = page.site(page.request.args.get("site"))
    zone = ZoneInfo(site["timezone"])
    day = day_asked(page.request.args.get("date"), zone)
    site_id = site["site_id"]
    calendar = page.up.get("scheduling", f"/sites/{site_id}/calendar",
                           {"from": day.isoformat(), "to": day.isoformat()})
    sessions = []
    for summary in calendar["sessions"]:
        detail = page.up.get("scheduling", f"/sessions/{summary['session_id']}")
        roster = [{**booking, "name": page.patient_name(booking["patient_id"])}
                  for booking in detail["bookings"]]
        sessions.append({**summary, "roster": roster})
    series = page.up.get("scheduling", f"/sites/{site_id}/group-series")["series"]
    alerts = page.up.get("notifications", "/alerts", {"site_id": site_id, "status": "open"})["alerts"]
    return page.render("today.html", nav="today", title=page.t("today_title", site=site["name"]),
                       site=site, sites=page.sites(), day=day, zone=zone,
                       previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
                       sessions=sessions, census=census(series), alert_levels=by_level(alerts),
                       open_alerts=len(alerts))

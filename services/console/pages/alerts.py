"""The alerts inbox: open alerts of my sites by level (most urgent first) and age (oldest first),
each acknowledged with a note of what was done; the recently acknowledged below, with their notes.

Notifications owns alerts (``GET /alerts``, ``POST /alerts/{id}/acknowledge`` with ``{note}``);
intake gives the names (a privacy officer, who reads no records, sees a short id instead).
"""
from __future__ import annotations

from datetime import datetime, timezone

from shared.upstream import UpstreamError

from services.console.pages.common import by_level
from services.console.web import Page

RECENT = 20


def age(page: Page, created_at: str, now: datetime) -> str:
    minutes = max(int((now - datetime.fromisoformat(created_at)).total_seconds() // 60), 0)
    if minutes < 60:
        return page.t("age_minutes", count=minutes)
    if minutes < 48 * 60:
        return page.t("age_hours", count=minutes // 60)
    return page.t("age_days", count=minutes // (24 * 60))


def show(page: Page, status: int = 200, errors: dict | None = None, typed: dict | None = None):
    site = page.request.args.get("site") or None
    query = {"status": "open", "limit": 500, **({"site_id": site} if site else {})}
    now = datetime.now(timezone.utc)
    open_alerts = [_labelled(page, a, now) for a in page.up.get("notifications", "/alerts", query)["alerts"]]
    recent = page.up.get("notifications", "/alerts", {**query, "status": "acknowledged",
                                                       "limit": RECENT})["alerts"]
    return page.render("alerts.html", status, nav="alerts", title=page.t("alerts_title"),
                       levels=by_level(open_alerts), open_count=len(open_alerts),
                       recent=[_labelled(page, a, now) for a in recent], site=site,
                       errors=errors or {}, typed=typed or {},
                       done=page.request.args.get("done"))


def _labelled(page: Page, alert: dict, now: datetime) -> dict:
    return {**alert, "name": page.patient_name(alert["patient_id"]),
            "age": age(page, alert["created_at"], now),
            "zone": page.zone_of(alert["site_id"]),
            "readable": page.patient(alert["patient_id"]) is not None}


def acknowledge(page: Page, alert_id: str):
    note = (page.form.get("note") or "").strip() or None
    try:
        page.up.post("notifications", f"/alerts/{alert_id}/acknowledge", {"note": note})
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        message = " ".join(sum(exc.errors.values(), [])) or exc.detail
        return show(page, 422, errors={f"note-{alert_id}": message},
                    typed={f"note-{alert_id}": page.form.get("note") or ""})
    site = page.request.args.get("site")
    return page.redirect("/alerts?done=acknowledged" + (f"&site={site}" if site else ""))

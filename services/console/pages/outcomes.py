"""Outcomes (GET /outcomes?site=&track=&from=&to=): outcomes' GET /reports/outcomes, with charts."""
from __future__ import annotations

from shared.upstream import UpstreamError

from services.console.views import outcomes


def show(page):
    args = page.request.args
    errors = {}
    try:
        report = page.up.get("outcomes", "/reports/outcomes", outcomes.report_query(args))
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        report, errors = {"groups": []}, exc.errors or {"_schema": [exc.detail]}
    view = outcomes.outcomes_page(report, page.sites(), page.t, args)
    return page.render("outcomes.html", 422 if errors else 200, nav="outcomes",
                       title=page.t("outcomes_title"), report=view, errors=errors)

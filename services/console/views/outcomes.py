"""The outcomes report (outcomes GET /reports/outcomes) by site and track, with bar charts.

The report's figures are the outcomes service's; here they are laid out as one table and charts of
the completion rate, the mean attendance rate and each instrument's reliable improvement rate."""
from __future__ import annotations

from shared.enums import TRACKS

from services.console.charts import Bar, BarText, bar_chart
from services.console.views.common import percent

MEASURE_RATES = ("response_rate", "remission_rate", "reliable_improvement_rate",
                 "reliable_deterioration_rate")


def report_query(args) -> dict:
    """The page's filter (site, track, from, to) as the report's query string."""
    query = {"site_id": args.get("site") or None, "track": args.get("track") or None,
             "from": args.get("from") or None, "to": args.get("to") or None}
    return {name: value for name, value in query.items() if value}


def _group_label(group: dict, site_names: dict, t) -> str:
    return f"{site_names.get(group['site_id'], group['site_id'])} · {t('track_' + group['track'])}"


def _rate_chart(chart_id: str, groups: list, labels: list, rate_of, title: str, t) -> object:
    none = t("value_none")
    bars = [Bar(label, rate_of(group), percent(rate_of(group), none)) for group, label in zip(groups, labels)]
    return bar_chart(chart_id, bars, BarText(title=title, description=t("outcomes_chart_desc", title=title),
                                             category=t("outcomes_group"), value=t("outcomes_rate")))


def outcomes_page(report: dict, sites: list[dict], t, args) -> dict:
    site_names = {site["site_id"]: site.get("name") or site["site_id"] for site in sites}
    groups = report.get("groups", [])
    labels = [_group_label(group, site_names, t) for group in groups]
    none = t("value_none")
    instruments = sorted({name for group in groups for name, m in (group.get("measures") or {}).items()
                          if m.get("n")})
    rows = []
    for group, label in zip(groups, labels):
        measures = group.get("measures") or {}
        rows.append({"label": label, "site_id": group["site_id"], "track": group["track"],
                     "enrolled": group.get("enrolled"), "ended": group.get("ended"),
                     "completed": group.get("completed"),
                     "completion_rate": percent(group.get("completion_rate"), none),
                     "mean_attendance_rate": percent(group.get("mean_attendance_rate"), none),
                     "measures": [{"instrument": name, "n": (measures.get(name) or {}).get("n", 0),
                                   "mean_change": _number((measures.get(name) or {}).get("mean_change"), none),
                                   **{rate: percent((measures.get(name) or {}).get(rate), none)
                                      for rate in MEASURE_RATES}}
                                  for name in instruments]})
    charts = []
    if groups:
        charts.append(_rate_chart("chart-completion", groups, labels, lambda g: g.get("completion_rate"),
                                  t("outcomes_completion_rate"), t))
        charts.append(_rate_chart("chart-attendance", groups, labels,
                                  lambda g: g.get("mean_attendance_rate"), t("outcomes_mean_attendance"), t))
        for name in instruments:
            charts.append(_rate_chart(
                f"chart-improvement-{name}", groups, labels,
                lambda g, name=name: ((g.get("measures") or {}).get(name) or {}).get("reliable_improvement_rate"),
                t("outcomes_improvement_title", instrument=t(f"instrument_{name}")), t))
    return {"filter": {"site": args.get("site", ""), "track": args.get("track", ""),
                       "from": args.get("from", ""), "to": args.get("to", "")},
            "sites": sites, "tracks": TRACKS, "period": {"from": report.get("from"), "to": report.get("to")},
            "rows": rows, "instruments": instruments, "charts": charts}


def _number(value, none: str) -> str:
    return none if value is None else f"{value:+.2f}"

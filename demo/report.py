"""The demo's closing report: gathered from the services' own APIs, printed, and written as HTML.

Every list is sorted by site, track and patient number (never by id or time), so the same seed
gives the same figures and the same file.
"""
from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from demo import network
from demo.drive import Run, ok
from demo.platform import SERVICES, event_counts

PERIOD = {"from": "2026-05-01", "to": "2026-12-31"}
COLUMNS = ["site", "track", "enrolled", "ended", "completed", "completion", "attendance", "measure", "n",
           "mean change", "response", "remission", "reliable improvement"]
CHANGE_COLOURS = {"improved": "#2e7d32", "no_change": "#9e9e9e", "deteriorated": "#c62828", None: "#9e9e9e"}
SITE_COLOURS = {"riverside": "#1565c0", "lakeside": "#00897b", "harbor": "#ef6c00"}


def percent(value) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def gather(run: Run) -> dict:
    """What the platform says happened, in plain sorted data."""
    patient_index = {r["patient_id"]: i for i, r in run.referrals.items()}
    report = ok(run.outcomes.get("/reports/outcomes", params=PERIOD))
    rows = []
    for group in report["groups"]:
        instrument = network.PRIMARY[group["track"]]
        figures = group["measures"][instrument]
        rows.append([group["site_id"], group["track"], group["enrolled"], group["ended"], group["completed"],
                     percent(group["completion_rate"]), percent(group["mean_attendance_rate"]), instrument,
                     figures["n"], "—" if figures["mean_change"] is None else f"{figures['mean_change']:+.1f}",
                     percent(figures["response_rate"]), percent(figures["remission_rate"]),
                     percent(figures["reliable_improvement_rate"])])

    raised = Counter()
    for a in ok(run.notifications.get("/alerts", params={"limit": 500}))["alerts"]:
        index = patient_index[a["patient_id"]]
        raised[(a["site_id"], index, a["reason"], a["level"])] += 1
    alerts = [[site, patient_label(run, index), reason, level, n]
              for (site, index, reason, level), n in sorted(raised.items())]

    channels = Counter()
    for referral in run.referrals.values():
        for message in ok(run.notifications.get("/notifications", params={"patient_id": referral["patient_id"]}))["notifications"]:
            channels[(message["channel"] or "none", message["recipient_type"], message["status"])] += 1

    events, redelivered = [], []
    for name in SERVICES:
        metrics = run.platform.metrics(name)
        published = sum(event_counts(metrics, "iop_events_published_total").values())
        consumed = Counter()
        for (metric, labels), value in metrics.items():
            if metric == "iop_events_consumed_total":
                consumed[dict(labels)["outcome"]] += value
        events.append([name, int(published), int(consumed["processed"]),
                       int(consumed["dead_lettered"] + consumed["invalid"])])
        # How often a redelivery was skipped or a handler retried varies from run to run.
        redelivered.append(f"{name} {int(consumed['duplicate'])} duplicates skipped, {int(consumed['retried'])} retries")

    return {"table": rows, "alerts": alerts,
            "channels": [[*key, n] for key, n in sorted(channels.items())],
            "events": events, "redelivered": redelivered,
            "trajectories": trajectories(run), "attendance": weekly_attendance(run)}


def patient_label(run: Run, index: int) -> str:
    p = run.people[index]
    return f"#{index} {p.given_name} {p.family_name[0]}."


def trajectories(run: Run) -> dict[str, list[dict]]:
    """Per track, each patient's primary measure by week, coloured by its final reliable change."""
    by_track = defaultdict(list)
    for p in run.enrolled:
        instrument = network.PRIMARY[p.track]
        points = [(0, sum(p.screening[instrument]))] + [
            (s["week"], s["total"]) for s in run.scores[p.index] if s["instrument"] == instrument]
        changes = [s["reliable_change"] for s in run.scores[p.index] if s["instrument"] == instrument]
        by_track[p.track].append({"points": sorted(points), "change": changes[-1] if changes else None})
    return {track: by_track[track] for track in network.TRACKS if by_track[track]}


def weekly_attendance(run: Run) -> dict[str, list]:
    """Per site, attended ÷ (attended + absent) in each program week, from scheduling's records."""
    counts = defaultdict(lambda: defaultdict(Counter))
    for p in run.enrolled:
        sessions = ok(run.scheduling.get(f"/patients/{run.referrals[p.index]['patient_id']}/schedule"))["sessions"]
        for s in sessions:
            if not s["attendance"] or s["attendance"]["status"] == "excused":
                continue
            day = datetime.fromisoformat(s["starts_at"]).astimezone(ZoneInfo(s["timezone"])).date()
            week = (day - p.start_date).days // 7 + 1
            counts[p.site_id][week][s["attendance"]["status"]] += 1
    return {site: [(week, c["attended"] / (c["attended"] + c["absent"]))
                   for week, c in sorted(weeks.items())] for site, weeks in sorted(counts.items())}


# -- text -------------------------------------------------------------------------------------

def text_table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


SECTIONS = [
    ("Outcomes by site and track", "table", COLUMNS),
    ("Care-team alerts", "alerts", ["site", "patient", "reason", "level", "alerts"]),
    ("Notifications by channel", "channels", ["channel", "recipient", "status", "count"]),
    ("Events by service", "events", ["service", "published", "consumed", "dead-lettered"]),
]


def as_text(data: dict) -> str:
    tables = "\n\n".join(f"{title}\n{text_table(headers, data[key])}" for title, key, headers in SECTIONS)
    return f"{tables}\nAt least once: {'; '.join(data['redelivered'])}."


# -- HTML with inline SVG ----------------------------------------------------------------------

def html_table(headers: list[str], rows: list[list], css_class: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def cell(value) -> str:
    """Figures right-aligned, words left."""
    numeric = isinstance(value, (int, float)) or re.fullmatch(r"[-+]?[\d.]+%?|—", str(value))
    return f'<td{" class=n" if numeric else ""}>{html.escape(str(value))}</td>'


def line_chart(title: str, series: list[dict], max_week: int, max_score: int) -> str:
    width, height, pad = 320, 200, 32
    x = lambda week: pad + (width - 2 * pad) * week / max_week
    y = lambda score: height - pad - (height - 2 * pad) * score / max_score
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img"><title>{html.escape(title)}</title>',
             f'<text x="{width / 2}" y="16" text-anchor="middle" class="t">{html.escape(title)}</text>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="axis"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" class="axis"/>']
    for week in range(0, max_week + 1, 2):
        parts.append(f'<text x="{x(week):.1f}" y="{height - pad + 14}" text-anchor="middle" class="l">{week}</text>')
    for score in (0, max_score // 2, max_score):
        parts.append(f'<text x="{pad - 4}" y="{y(score) + 4:.1f}" text-anchor="end" class="l">{score}</text>')
    for line in series:
        points = " ".join(f"{x(w):.1f},{y(s):.1f}" for w, s in line["points"])
        parts.append(f'<polyline points="{points}" fill="none" stroke="{CHANGE_COLOURS[line["change"]]}" '
                     f'stroke-width="1.4" stroke-opacity="0.75"/>')
    parts.append(f'<text x="{width / 2}" y="{height - 4}" text-anchor="middle" class="l">week</text></svg>')
    return "".join(parts)


def bar_chart(title: str, by_site: dict[str, list]) -> str:
    weeks = sorted({week for values in by_site.values() for week, _ in values})
    width, height, pad = 520, 220, 36
    slot = (width - 2 * pad) / max(len(weeks), 1)
    bar = slot * 0.8 / max(len(by_site), 1)
    y = lambda rate: height - pad - (height - 2 * pad) * rate
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img"><title>{html.escape(title)}</title>',
             f'<text x="{width / 2}" y="16" text-anchor="middle" class="t">{html.escape(title)}</text>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="axis"/>']
    for rate in (0, 0.5, 0.75, 1):
        parts.append(f'<text x="{pad - 4}" y="{y(rate) + 4:.1f}" text-anchor="end" class="l">{rate:.0%}</text>'
                     f'<line x1="{pad}" y1="{y(rate):.1f}" x2="{width - pad}" y2="{y(rate):.1f}" class="grid"/>')
    for i, week in enumerate(weeks):
        parts.append(f'<text x="{pad + slot * (i + 0.5):.1f}" y="{height - pad + 14}" text-anchor="middle" '
                     f'class="l">{week}</text>')
        for j, (site, values) in enumerate((s, by_site[s]) for s in network.SITES if s in by_site):
            rate = dict(values).get(week)
            if rate is not None:
                left = pad + slot * i + slot * 0.1 + bar * j
                parts.append(f'<rect x="{left:.1f}" y="{y(rate):.1f}" width="{bar:.1f}" '
                             f'height="{height - pad - y(rate):.1f}" fill="{SITE_COLOURS.get(site, "#555")}">'
                             f'<title>{site} week {week}: {rate:.0%}</title></rect>')
    parts.append(f'<text x="{width / 2}" y="{height - 4}" text-anchor="middle" class="l">program week</text></svg>')
    return "".join(parts)


STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f0f0f0}
td.n{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:12px}
.t{font-size:12px;font-weight:600}.l{font-size:10px;fill:#555}.axis{stroke:#777}.grid{stroke:#eee}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}"""


def as_html(data: dict, seed: int, patients: int) -> str:
    scales = {"phq9": 27, "gad7": 21, "pcl5": 80}
    max_week = max((w for lines in data["trajectories"].values() for line in lines for w, _ in line["points"]),
                   default=8)
    charts = "".join(line_chart(f"{track}: {network.PRIMARY[track]} by week", lines, max_week,
                                scales[network.PRIMARY[track]])
                     for track, lines in data["trajectories"].items())
    change_key = "".join(f'<span style="background:{CHANGE_COLOURS[k]}"></span>{k.replace("_", " ")}'
                         for k in ("improved", "no_change", "deteriorated"))
    site_key = "".join(f'<span style="background:{c}"></span>{s}' for s, c in SITE_COLOURS.items())
    sections = "".join(f"<h2>{html.escape(title)}</h2>{html_table(headers, data[key], key)}"
                       for title, key, headers in SECTIONS[1:])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IOP demo report</title><style>{STYLE}</style></head>
<body><h1>IOP network demo: outcomes report</h1>
<p>Seed {seed}, {patients} referrals across three sites; programs from {network.FIRST_START.isoformat()}.
Figures come from the services' own APIs (outcomes report, alerts, notifications, metrics).</p>
<h2>{SECTIONS[0][0]}</h2>{html_table(COLUMNS, data["table"], "report")}
<h2>Score trajectories</h2><p class="key">{change_key}</p><div class="charts">{charts}</div>
<h2>Attendance by program week</h2><p class="key">{site_key}</p>{bar_chart("attended ÷ (attended + absent)", data["attendance"])}
{sections}
</body></html>
"""

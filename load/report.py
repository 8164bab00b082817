"""What a load run measured, from locust's CSV statistics and the runner's samples: a table to
print and a dict for var/load/<run>.json. Plain functions of their inputs (tests/unit uses them)."""
from __future__ import annotations

import csv
from pathlib import Path

# The request kinds, by the name locust reports each under (load/locustfile.py).
KINDS = {"POST /sessions/{id}/attendance": "attendance",
         "GET /patients/{id}/schedule": "schedule",
         "POST /assessments": "assessment"}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):  # "N/A" when a kind made no request
        return None


def read_stats(path: Path, duration_s: float) -> dict[str, dict]:
    """locust's ``<prefix>_stats.csv``: per kind, requests, failures, p50/p99 (ms; locust rounds
    them to two significant figures above 100 ms) and the throughput over the run's duration
    (locust's own Requests/s counts from the first request to the last, kept as ``locust_rate``)."""
    kinds = {}
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            kind = KINDS.get(row["Name"])
            if kind is None:
                continue  # the Aggregated row
            requests = int(row["Request Count"])
            kinds[kind] = {"requests": requests, "failures": int(row["Failure Count"]),
                           "rate": requests / duration_s, "locust_rate": _number(row["Requests/s"]),
                           "p50_ms": _number(row["50%"]),
                           "p99_ms": _number(row["99%"])}
    return kinds


def read_failures(path: Path) -> list[dict]:
    """locust's ``<prefix>_failures.csv``: each distinct error and how often it happened."""
    if not path.exists():
        return []
    with open(path, newline="") as file:
        return [{"kind": KINDS.get(row["Name"], row["Name"]), "error": row["Error"],
                 "occurrences": int(row["Occurrences"])} for row in csv.DictReader(file)]


def backlog_summary(samples: list[dict]) -> dict:
    """Peak and last value of each service's outbox backlog and of its handler queues' depth."""
    summary = {}
    for series in ("outbox", "queues"):
        names = sorted({name for s in samples for name in s.get(series) or {}})
        summary[series] = {name: {"peak": max((s[series].get(name) or 0) for s in samples if s.get(series)),
                                  "last": next((s[series][name] for s in reversed(samples)
                                                if name in (s.get(series) or {})), None)}
                           for name in names}
    return summary


def build(settings: dict, stats: dict, failures: list[dict], samples: list[dict],
          load_average: dict) -> dict:
    return {"settings": settings, "load_average": load_average, "kinds": stats,
            "failures": failures, "backlog": backlog_summary(samples), "samples": samples}


def _cell(value, digits=0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def as_text(report: dict, timeline_rows: int = 12) -> str:
    """The kinds' table, the backlog's peaks and a thinned timeline of the samples."""
    settings, lines = report["settings"], []
    lines.append(f"IOP load: {settings['rate']:g} requests/s offered for {settings['duration_s']} s "
                 f"({', '.join(f'{k} {v:g}/s' for k, v in settings['rates'].items())}); "
                 f"database {settings['database']}; load average "
                 f"{' / '.join(f'{v:.2f}' for v in report['load_average']['before'])} before, "
                 f"{' / '.join(f'{v:.2f}' for v in report['load_average']['after'])} after")
    lines.append(f"{'kind':<34} {'offered/s':>9} {'req/s':>7} {'requests':>8} {'errors':>6} "
                 f"{'p50 ms':>7} {'p99 ms':>7}")
    for name, kind in KINDS.items():
        figures = report["kinds"].get(kind)
        if figures is None:
            continue
        lines.append(f"{name:<34} {settings['rates'][kind]:>9g} {_cell(figures['rate'], 1):>7} "
                     f"{figures['requests']:>8} {figures['failures']:>6} {_cell(figures['p50_ms']):>7} "
                     f"{_cell(figures['p99_ms']):>7}")
    if settings.get("cpu_share"):
        lines.append("share of a core while it ran: " + ", ".join(
            f"{name} {share:.0%}" for name, share in settings["cpu_share"].items()))
    for failure in report["failures"][:5]:
        lines.append(f"  error ×{failure['occurrences']} {failure['kind']}: {failure['error'][:100]}")
    samples = report["samples"]
    names = sorted({n for s in samples for n in (s.get("outbox") or {})})
    queues = sorted({n for s in samples for n in (s.get("queues") or {})})
    lines.append("")
    lines.append("outbox backlog (iop_outbox_backlog) and handler queue depth (ready + unacked), over time")
    lines.append(f"{'t s':>6} " + " ".join(f"{'out:' + n[:6]:>10}" for n in names)
                 + " " + " ".join(f"{'q:' + n[:6]:>10}" for n in queues))
    step = max(1, -(-len(samples) // timeline_rows))
    for sample in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        lines.append(f"{sample['t']:>6.0f} "
                     + " ".join(f"{_cell((sample.get('outbox') or {}).get(n)):>10}" for n in names) + " "
                     + " ".join(f"{_cell((sample.get('queues') or {}).get(n)):>10}" for n in queues))
    peaks = report["backlog"]
    lines.append("peak   " + " ".join(f"{_cell(peaks['outbox'][n]['peak']):>10}" for n in names) + " "
                 + " ".join(f"{_cell(peaks['queues'][n]['peak']):>10}" for n in queues))
    return "\n".join(lines)

"""A patient's assessments as charts, and the form that records one (outcomes ``POST /assessments``).

The scores, bands and reliable changes are the outcomes service's answer; the screening total at
referral (the episode's baseline) is banded by the shared instruments, as intake banded it.
"""
from __future__ import annotations

from datetime import datetime, time, timezone

from shared.enums import INSTRUMENTS

from services.console.charts import TrendPoint, TrendText, trend_chart
from services.console.views.common import answer, blank_to_none, field_errors, instant, item_field

# The assessment form: one input per item, "Item 1" to "Item 9" (PHQ-9's count); an instrument
# with more items (PCL-5, DAST-10) is asked for by link (?instrument=pcl5), which gives the form
# as many inputs as it has. Without JavaScript a form cannot grow when a select changes.
FORM_INSTRUMENTS = INSTRUMENTS
BASE_SLOTS = 9
CSSRS = "cssrs"
BAND_LABELS = ("minimal", "mild", "moderate", "moderately_severe", "severe", "subthreshold",
               "probable_ptsd", "poor_wellbeing", "adequate", "none", "low", "substantial", "high",
               "positive", "negative")


def trend_text(instrument: str, t, scale) -> TrendText:
    name = t(f"instrument_{instrument}")
    return TrendText(
        title=t("chart_trend_title", instrument=name),
        description=t("chart_trend_desc", instrument=name, low=scale.low, high=scale.high),
        date=t("chart_date"), total=t("chart_total"), band=t("chart_band"), change=t("chart_change"),
        improved=t("change_improved"), deteriorated=t("change_deteriorated"),
        threshold=t("chart_threshold", points=scale.reliable_change or 0),
        band_names={label: t(f"band_{label}") for label in BAND_LABELS})


def _change_text(score: dict, t) -> str:
    change, reliable = score.get("change_from_baseline"), score.get("reliable_change")
    if change is None:
        return t("chart_baseline") if score.get("complete", True) else t("chart_incomplete")
    text = f"{change:+d}"
    return f"{text} ({t(f'change_{reliable}')})" if reliable else text


def _screening_moment(screened_on: str | None, start_date: str | None, zone) -> datetime:
    day = datetime.fromisoformat(screened_on or start_date or "1970-01-01").date()
    return datetime.combine(day, time(0), zone).astimezone(timezone.utc)


def trajectory_points(instrument: str, trajectory: dict, instruments, t, zone, *,
                      screened_on: str | None = None, start_date: str | None = None) -> list[TrendPoint]:
    points = []
    screening = trajectory.get("screening_score")
    if screening is not None:
        try:
            band = t(f"band_{instruments.severity(instrument, screening)}")
        except ValueError:  # an instrument without bands
            band = ""
        at = _screening_moment(screened_on, start_date, zone)
        points.append(TrendPoint(at=at, label=at.astimezone(zone).date().isoformat(), total=screening,
                                 band=band, change_text=t("chart_screening")))
    for score in trajectory.get("scores", []):
        at = instant(score["administered_at"])
        severity = score.get("severity")
        points.append(TrendPoint(
            at=at, label=at.astimezone(zone).date().isoformat(), total=score.get("total_score"),
            band=t(f"band_{severity}") if severity else "", reliable_change=score.get("reliable_change"),
            change_text=_change_text(score, t)))
    return points


def _baseline(trajectory: dict) -> int | None:
    for score in trajectory.get("scores", []):
        if score.get("baseline_score") is not None:
            return score["baseline_score"]
    if trajectory.get("screening_score") is not None:
        return trajectory["screening_score"]
    totals = [s["total_score"] for s in trajectory.get("scores", []) if s.get("total_score") is not None]
    return totals[0] if totals else None


def episode_charts(assessments: dict, instruments, t, zone, screened_on: dict | None = None) -> list[dict]:
    """Per episode (newest first), a chart per instrument with any score, in the catalog's order.

    ``screened_on``: enrollment id → the referral's date, where the screening total is placed.
    """
    episodes = []
    for episode in reversed(assessments.get("episodes", [])):
        trajectories = episode.get("trajectories", {})
        figures = []
        for instrument in INSTRUMENTS:
            trajectory = trajectories.get(instrument)
            if not trajectory:
                continue
            points = trajectory_points(instrument, trajectory, instruments, t, zone,
                                       screened_on=(screened_on or {}).get(episode["enrollment_id"]),
                                       start_date=episode.get("start_date"))
            if not points:
                continue
            scale = instruments.scale(instrument)
            figures.append(trend_chart(f"chart-{episode['enrollment_id'][:8]}-{instrument}", scale,
                                       points, trend_text(instrument, t, scale), _baseline(trajectory)))
        episodes.append({"enrollment_id": episode["enrollment_id"], "track": episode.get("track"),
                         "start_date": episode.get("start_date"), "status": episode.get("status"),
                         "charts": figures})
    return episodes


def item_slots(instruments) -> int:
    return max(instruments.item_count(name) for name in FORM_INSTRUMENTS)


def assessment_fields(instruments) -> set[str]:
    return {"instrument", "administered_at", "responses", "q6_within_3_months", "enrollment_id",
            "patient_id"} | {item_field("item", n) for n in range(1, item_slots(instruments) + 1)}


def assessment_form(patient_id: str, enrollment_id: str | None, instruments, values=None,
                    errors: dict | None = None, instrument: str | None = None) -> dict:
    """The form; ``instrument`` (the page's ?instrument=) preselects one and gives its items."""
    chosen = instrument if instrument in FORM_INSTRUMENTS else "phq9"
    values = values if values is not None else {"instrument": chosen}
    if values.get("instrument") in FORM_INSTRUMENTS:
        chosen = values.get("instrument")
    slots = max(BASE_SLOTS, instruments.item_count(chosen))
    by_field, rest = field_errors(errors or {}, {"responses": "item"}, assessment_fields(instruments))
    return {"action": f"/patients/{patient_id}/assessments", "enrollment_id": enrollment_id or "",
            "selected": chosen,
            "instruments": [{"name": name, "items": instruments.item_count(name)}
                            for name in FORM_INSTRUMENTS if instruments.item_count(name) <= slots],
            "longer": [{"name": name, "items": instruments.item_count(name),
                        "href": f"/patients/{patient_id}?instrument={name}#record-assessment"}
                       for name in FORM_INSTRUMENTS if instruments.item_count(name) > slots],
            "items": [{"name": item_field("item", n), "number": n,
                       "value": values.get(item_field("item", n), ""),
                       "errors": by_field.get(item_field("item", n), [])}
                      for n in range(1, slots + 1)],
            "values": values, "errors": by_field, "other_errors": rest,
            "has_errors": any(by_field.values()) or bool(rest)}


def assessment_body(patient_id: str, form, instruments, zone, now: datetime) -> dict:
    """The POST /assessments body. Answers past the instrument's item count are dropped only when
    blank, so a stray answer is refused by the service, not lost; a blank item within it is null
    (unanswered: an incomplete assessment whose item 9 still counts)."""
    instrument = form.get("instrument", "")
    answers = [answer(form.get(item_field("item", n))) for n in range(1, item_slots(instruments) + 1)]
    count = instruments.item_count(instrument) if instrument in FORM_INSTRUMENTS else len(answers)
    while len(answers) > count and answers[-1] is None:
        answers.pop()
    given = blank_to_none(form.get("administered_at"))
    if given:
        try:
            moment = datetime.fromisoformat(given)
            at = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(timezone.utc)
            administered_at = at.isoformat()
        except ValueError:
            administered_at = given  # sent as typed: the service names it
    else:
        administered_at = now.astimezone(timezone.utc).isoformat()
    body = {"patient_id": patient_id, "instrument": instrument, "responses": answers,
            "administered_at": administered_at}
    if blank_to_none(form.get("enrollment_id")):
        body["enrollment_id"] = form.get("enrollment_id")
    if instrument == CSSRS and form.get("q6_within_3_months") in ("yes", "no"):
        body["q6_within_3_months"] = form.get("q6_within_3_months") == "yes"
    return body

"""The SVG charts as plain functions: bands from the clinical rules, markers, text alternative."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from services.console.charts import Bar, BarText, TrendPoint, TrendText, bar_chart, trend_chart
from shared.clinical import load_clinical_rules

SVG = "{http://www.w3.org/2000/svg}"
INSTRUMENTS = load_clinical_rules().instruments
START = datetime(2026, 6, 1, 14, 0, tzinfo=timezone.utc)


def text(**overrides):
    values = dict(title="PHQ-9 over time", description="Totals 0-27", date="Date", total="Total",
                  band="Band", change="Change", improved="Reliable improvement",
                  deteriorated="Reliable deterioration", threshold="Reliable change (6 points)",
                  band_names={"severe": "Severe"})
    values.update(overrides)
    return TrendText(**values)


def point(week, total, change=None, band="moderate"):
    at = START + timedelta(weeks=week)
    return TrendPoint(at=at, label=at.date().isoformat(), total=total, band=band,
                      reliable_change=change, change_text=change or "")


def parsed(figure):
    return ET.fromstring(str(figure.svg))


def test_phq9_bands_come_from_the_clinical_rules_as_shaded_rectangles():
    figure = trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 18), point(1, 12)], text())
    bands = [r.get("data-band") for r in parsed(figure).iter(f"{SVG}rect")]
    assert bands == ["minimal", "mild", "moderate", "moderately_severe", "severe"]
    titles = [r.find(f"{SVG}title").text for r in parsed(figure).iter(f"{SVG}rect")]
    assert titles[0] == "minimal: 0–4" and titles[-1] == "Severe: 20–27"


def test_the_y_axis_ticks_are_the_band_edges_and_the_scale_ends():
    figure = trend_chart("gad7", INSTRUMENTS.scale("gad7"), [point(0, 11)], text())
    labels = [t.text for t in parsed(figure).iter(f"{SVG}text")]
    for tick in ("0", "5", "10", "15", "21"):
        assert tick in labels


def test_a_band_is_drawn_from_its_lowest_total_to_the_next_bands():
    figure = trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 10)], text())
    rects = {r.get("data-band"): r for r in parsed(figure).iter(f"{SVG}rect")}
    severe, mod_severe = rects["severe"], rects["moderately_severe"]
    assert float(severe.get("y")) + float(severe.get("height")) == float(mod_severe.get("y"))


def test_higher_is_better_instrument_shades_its_low_band_as_the_worse_one():
    who5 = trend_chart("who5", INSTRUMENTS.scale("who5"), [point(0, 40)], text())
    phq9 = trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 10)], text())
    fills = lambda fig: [r.get("fill") for r in parsed(fig).iter(f"{SVG}rect")]
    assert fills(who5)[0] == fills(phq9)[-1]  # poor well-being in the tint of severe depression


def test_reliable_changes_are_marked_and_other_points_are_not():
    points = [point(0, 20), point(1, 13, "improved"), point(2, 15, "no_change"), point(3, 26, "deteriorated")]
    root = parsed(trend_chart("phq9", INSTRUMENTS.scale("phq9"), points, text(), baseline=20))
    markers = [e.get("data-marker") for e in root.iter() if e.get("data-marker")]
    # one of each in the legend, and one per reliable change in the plot
    assert sorted(markers) == ["deteriorated", "deteriorated", "improved", "improved"]


def test_reliable_change_lines_sit_at_baseline_plus_and_minus_the_configured_points():
    root = parsed(trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 14)], text(), baseline=14))
    assert sorted(int(e.get("data-threshold")) for e in root.iter() if e.get("data-threshold")) == [8, 20]


def test_a_line_beyond_the_scale_is_not_drawn():
    root = parsed(trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 24)], text(), baseline=24))
    assert [int(e.get("data-threshold")) for e in root.iter() if e.get("data-threshold")] == [18]


def test_points_are_placed_by_time_and_higher_totals_higher():
    root = parsed(trend_chart("phq9", INSTRUMENTS.scale("phq9"),
                              [point(0, 20), point(1, 10), point(4, 5)], text()))
    circles = [c for c in root.iter(f"{SVG}circle") if c.get("data-total")]
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs[0] < xs[1] < xs[2] and (xs[1] - xs[0]) < (xs[2] - xs[1])
    assert ys[0] < ys[1] < ys[2]  # SVG y grows downwards


def test_the_chart_is_an_image_named_by_its_title_and_description():
    root = parsed(trend_chart("Chart 1/phq9", INSTRUMENTS.scale("phq9"), [point(0, 9)], text()))
    assert root.get("role") == "img"
    assert root.get("id") == "chart-1-phq9"
    assert root.get("aria-labelledby") == "chart-1-phq9-title chart-1-phq9-desc"
    assert root.find(f"{SVG}title").text == "PHQ-9 over time"
    assert root.find(f"{SVG}desc").text == "Totals 0-27"


def test_no_inline_style_so_a_strict_csp_applies():
    figure = trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 9), point(1, 3, "improved")], text())
    assert "style" not in str(figure.svg)


def test_text_is_escaped():
    figure = trend_chart("phq9", INSTRUMENTS.scale("phq9"), [point(0, 9)], text(title="<script>x</script>"))
    assert "<script>" not in str(figure.svg) and "&lt;script&gt;" in str(figure.svg)
    assert figure.svg.__html__() == str(figure.svg)


def test_the_table_lists_every_point_incomplete_ones_included():
    points = [point(0, 20), TrendPoint(at=START + timedelta(weeks=1), label="2026-06-08", total=None,
                                       change_text="incomplete"), point(2, 12, "improved")]
    figure = trend_chart("phq9", INSTRUMENTS.scale("phq9"), points, text())
    assert figure.columns == ("Date", "Total", "Band", "Change")
    assert [row[1] for row in figure.rows] == ["20", "", "12"]
    plotted = [c for c in parsed(figure).iter(f"{SVG}circle") if c.get("data-total")]
    assert len(plotted) == 2


def test_many_points_get_at_most_seven_date_labels_the_last_one_included():
    points = [point(week, 10) for week in range(12)]
    root = parsed(trend_chart("phq9", INSTRUMENTS.scale("phq9"), points, text()))
    dates = [t.text for t in root.iter(f"{SVG}text") if re.fullmatch(r"\d{4}-\d\d-\d\d", t.text or "")]
    assert len(dates) == 7 and dates[-1] == points[-1].label and dates[0] == points[0].label


def test_an_instrument_without_bands_charts_its_totals_alone():
    figure = trend_chart("audit_c", INSTRUMENTS.scale("audit_c"), [point(0, 5), point(1, 3)], text())
    assert list(parsed(figure).iter(f"{SVG}rect")) == []
    assert len([c for c in parsed(figure).iter(f"{SVG}circle") if c.get("data-total")]) == 2


def test_bar_chart_draws_a_bar_per_value_and_writes_no_data_for_none():
    figure = bar_chart("completion", [Bar("Riverside · Depression", 0.75, "75 %"),
                                      Bar("Lakeside · Anxiety", None, "no data")],
                       BarText(title="Completion rate", description="By site and track",
                               category="Group", value="Rate"))
    root = parsed(figure)
    rects = list(root.iter(f"{SVG}rect"))
    assert [r.get("data-value") for r in rects] == ["0.75"]
    assert "no data" in [t.text for t in root.iter(f"{SVG}text")]
    assert figure.rows == (("Riverside · Depression", "75 %"), ("Lakeside · Anxiety", "no data"))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Completion rate"


def test_bar_lengths_are_proportional_and_clipped_at_the_maximum():
    figure = bar_chart("rates", [Bar("a", 0.5, "50 %"), Bar("b", 1.0, "100 %"), Bar("c", 1.5, "150 %")],
                       BarText(title="t", description="d", category="c", value="v"))
    widths = [float(r.get("width")) for r in parsed(figure).iter(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0] and widths[2] == widths[1]


def test_instrument_scale_reads_the_bands_from_the_rules():
    scale = INSTRUMENTS.scale("who5")
    assert (scale.low, scale.high, scale.lower_is_better, scale.reliable_change) == (0, 100, False, 10)
    assert [(b.label, b.low, b.high) for b in scale.bands] == [("poor_wellbeing", 0, 51), ("adequate", 52, 100)]

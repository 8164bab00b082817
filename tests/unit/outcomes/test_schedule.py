"""The measurement schedule of CLINICAL.md, per track, and the site's local morning."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.outcomes.domain.schedule import (BASELINE, DISCHARGE, FOLLOW_UP, MID, START, WEEKLY, due_at,
                                        follow_up, item_fulfilled, plan_episode)
from shared.clinical import load_clinical_rules

MEASUREMENT = load_clinical_rules()["measurement"]

MONDAY = date(2026, 3, 2)
SCREENED = ("phq9", "gad7", "pcl5")


def days(plan, instrument):
    return [(item.due_on - MONDAY).days for item in plan if item.instrument == instrument]


@pytest.mark.parametrize("track", ["depression", "anxiety", "trauma"])
def test_phq9_and_gad7_are_due_weekly_on_every_track(track):
    plan = plan_episode(MEASUREMENT, track, MONDAY, 8, SCREENED)

    assert days(plan, "phq9") == [7, 14, 21, 28, 35, 42, 49, 56]
    assert days(plan, "gad7") == [7, 14, 21, 28, 35, 42, 49, 56]


def test_pcl5_is_due_every_two_weeks_on_the_trauma_track_only():
    assert days(plan_episode(MEASUREMENT, "trauma", MONDAY, 8, SCREENED), "pcl5") == [14, 28, 42, 56]
    assert days(plan_episode(MEASUREMENT, "depression", MONDAY, 8, SCREENED), "pcl5") == []
    assert days(plan_episode(MEASUREMENT, "anxiety", MONDAY, 8, SCREENED), "pcl5") == []


@pytest.mark.parametrize("track", ["depression", "anxiety", "trauma"])
def test_who5_is_due_at_start_mid_program_and_discharge(track):
    plan = plan_episode(MEASUREMENT, track, MONDAY, 8, SCREENED)

    who5 = [(item.due_on, item.occasion) for item in plan if item.instrument == "who5"]
    assert who5 == [(MONDAY, START), (MONDAY + timedelta(days=28), MID),
                    (MONDAY + timedelta(days=56), DISCHARGE)]


def test_mid_program_of_an_odd_length_falls_on_the_middle_day():
    plan = plan_episode(MEASUREMENT, "anxiety", MONDAY, 7, SCREENED)

    assert [item.due_on for item in plan if item.occasion == MID] == [MONDAY + timedelta(days=24)]


def test_a_periodic_instrument_screening_did_not_measure_is_due_at_the_start():
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, 6, ("phq9", "gad7"))

    assert [(item.due_on, item.occasion) for item in plan if item.instrument == "pcl5"] == [
        (MONDAY, BASELINE), (MONDAY + timedelta(days=14), WEEKLY),
        (MONDAY + timedelta(days=28), WEEKLY), (MONDAY + timedelta(days=42), WEEKLY)]


def test_plan_is_in_date_order_with_one_item_per_instrument_and_day():
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, 12, SCREENED)

    keys = [(item.due_on, item.instrument) for item in plan]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


def test_follow_up_phq9_is_due_thirty_days_after_completion():
    item = follow_up(MEASUREMENT, date(2026, 4, 24))

    assert (item.instrument, item.due_on, item.occasion) == ("phq9", date(2026, 5, 24), FOLLOW_UP)


@pytest.mark.parametrize("zone, utc_hour", [("America/New_York", 14), ("America/Los_Angeles", 17)])
def test_due_at_is_nine_in_the_sites_morning(zone, utc_hour):
    # 2026-01-15: standard time in both zones (UTC-5 and UTC-8).
    assert due_at(MEASUREMENT, date(2026, 1, 15), ZoneInfo(zone)) == datetime(2026, 1, 15, utc_hour, tzinfo=timezone.utc)


def test_due_at_follows_daylight_saving_time():
    assert due_at(MEASUREMENT, date(2026, 7, 15), ZoneInfo("America/New_York")) == datetime(
        2026, 7, 15, 13, tzinfo=timezone.utc)


def test_an_assessment_fulfils_the_latest_due_date_it_reaches_and_up_to_three_days_early():
    open_dates = [MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=14)]

    assert item_fulfilled(open_dates, MONDAY + timedelta(days=8)) == MONDAY + timedelta(days=7)
    assert item_fulfilled(open_dates, MONDAY + timedelta(days=11)) == MONDAY + timedelta(days=14)
    assert item_fulfilled(open_dates, MONDAY + timedelta(days=10)) == MONDAY + timedelta(days=7)


def test_an_assessment_long_before_any_due_date_fulfils_none():
    assert item_fulfilled([MONDAY + timedelta(days=7)], MONDAY) is None

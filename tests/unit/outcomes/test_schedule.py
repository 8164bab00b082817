"""The measurement schedule of CLINICAL.md, per track, and the site's local morning."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.outcomes.domain.schedule import (BASELINE, DISCHARGE, FOLLOW_UP, MID, START, WEEKLY, due_at,
                                        follow_up, item_fulfilled, plan_episode, finals_at_discharge)
from shared.clinical import load_clinical_rules

MEASUREMENT = load_clinical_rules()["measurement"]

MONDAY = date(2026, 3, 2)
SCREENED = ("phq9", "gad7", "pcl5")


def days(plan, instrument):
    return [(item.due_on - MONDAY).days for item in plan if item.instrument == instrument]


@pytest.mark.parametrize("track", ["depression", "anxiety", "trauma"])
def test_phq9_and_gad7_are_due_weekly_on_every_track(track):
    plan = plan_episode(MEASUREMENT, track, MONDAY, 8, SCREENED)

    # An 8-week program runs on days 0-55: the last weekly measure is its last week's first day.
    assert days(plan, "phq9") == [7, 14, 21, 28, 35, 42, 49]
    assert days(plan, "gad7") == [7, 14, 21, 28, 35, 42, 49]


def test_pcl5_is_due_every_two_weeks_on_the_trauma_track_only():
    assert days(plan_episode(MEASUREMENT, "trauma", MONDAY, 8, SCREENED), "pcl5") == [14, 28, 42, 49]
    assert days(plan_episode(MEASUREMENT, "depression", MONDAY, 8, SCREENED), "pcl5") == []
    assert days(plan_episode(MEASUREMENT, "anxiety", MONDAY, 8, SCREENED), "pcl5") == []


@pytest.mark.parametrize("track", ["depression", "anxiety", "trauma"])
def test_who5_is_due_at_start_mid_program_and_discharge(track):
    plan = plan_episode(MEASUREMENT, track, MONDAY, 8, SCREENED)

    who5 = [(item.due_on, item.occasion) for item in plan if item.instrument == "who5"]
    assert who5 == [(MONDAY, START), (MONDAY + timedelta(days=28), MID),
                    (MONDAY + timedelta(days=49), DISCHARGE)]


def test_mid_program_of_an_odd_length_falls_on_the_middle_day():
    plan = plan_episode(MEASUREMENT, "anxiety", MONDAY, 7, SCREENED)

    assert [item.due_on for item in plan if item.occasion == MID] == [MONDAY + timedelta(days=24)]


def test_a_periodic_instrument_screening_did_not_measure_is_due_at_the_start():
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, 6, ("phq9", "gad7"))

    assert [(item.due_on, item.occasion) for item in plan if item.instrument == "pcl5"] == [
        (MONDAY, BASELINE), (MONDAY + timedelta(days=14), WEEKLY),
        (MONDAY + timedelta(days=28), WEEKLY), (MONDAY + timedelta(days=35), DISCHARGE)]


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

    assert item_fulfilled(MEASUREMENT, open_dates, MONDAY + timedelta(days=8)) == MONDAY + timedelta(days=7)
    assert item_fulfilled(MEASUREMENT, open_dates, MONDAY + timedelta(days=11)) == MONDAY + timedelta(days=14)
    assert item_fulfilled(MEASUREMENT, open_dates, MONDAY + timedelta(days=10)) == MONDAY + timedelta(days=7)


def test_an_assessment_long_before_any_due_date_fulfils_none():
    assert item_fulfilled(MEASUREMENT, [MONDAY + timedelta(days=7)], MONDAY) is None


# -- End-of-program measures within the program (issue 11 point 7)

@pytest.mark.parametrize("weeks, last_day", [(6, 41), (8, 55), (12, 83)])
def test_every_item_falls_within_the_program(weeks, last_day):
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, weeks, SCREENED)

    assert max(item.due_on for item in plan) == MONDAY + timedelta(days=last_day - 6)
    assert all((item.due_on - MONDAY).days <= last_day for item in plan)


@pytest.mark.parametrize("weeks, final", [(6, 35), (8, 49), (12, 77)])
def test_the_final_measures_fall_due_on_the_last_weeks_first_day(weeks, final):
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, weeks, SCREENED)

    finals = sorted((item.instrument, (item.due_on - MONDAY).days) for item in plan
                    if item.occasion == DISCHARGE)
    assert finals == [("gad7", final), ("pcl5", final), ("phq9", final), ("who5", final)]


def test_a_twelve_week_programs_weekly_and_fortnightly_measures():
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, 12, SCREENED)

    assert days(plan, "phq9") == [7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77]
    assert days(plan, "pcl5") == [14, 28, 42, 56, 70, 77]
    assert days(plan, "who5") == [0, 42, 77]


def test_a_six_week_programs_who5_is_due_at_start_middle_and_last_week():
    plan = plan_episode(MEASUREMENT, "anxiety", MONDAY, 6, SCREENED)

    assert days(plan, "who5") == [0, 21, 35]
    assert days(plan, "phq9") == [7, 14, 21, 28, 35]


class Item:
    def __init__(self, instrument, day, occasion, status):
        self.instrument, self.due_on = instrument, MONDAY + timedelta(days=day)
        self.occasion, self.status = occasion, status


def test_a_discharge_in_week_three_asks_the_final_measures_that_day():
    ended_on = MONDAY + timedelta(days=17)  # week 3 (days 14-20)
    items = [Item("phq9", 14, WEEKLY, "fulfilled"), Item("phq9", 21, WEEKLY, "cancelled"),
             Item("phq9", 49, DISCHARGE, "cancelled"), Item("who5", 49, DISCHARGE, "cancelled"),
             Item("who5", 28, MID, "cancelled")]

    asked = finals_at_discharge(items, ended_on)

    assert sorted((i.instrument, i.due_on, i.status) for i in asked) == [
        ("phq9", ended_on, "planned"), ("who5", ended_on, "planned")]
    assert [i.status for i in items if i.occasion != DISCHARGE] == ["fulfilled", "cancelled", "cancelled"]


def test_finals_already_asked_or_measured_on_the_last_day_are_not_asked_again():
    ended_on = MONDAY + timedelta(days=21)
    announced_earlier = Item("gad7", 21, DISCHARGE, "lapsed")  # asked on the final day
    measured_today = Item("phq9", 21, WEEKLY, "fulfilled")
    moved_final = Item("phq9", 49, DISCHARGE, "cancelled")
    clash = Item("who5", 21, WEEKLY, "cancelled")  # an item already on that day becomes the final
    who5_final = Item("who5", 49, DISCHARGE, "cancelled")

    asked = finals_at_discharge([announced_earlier, measured_today, moved_final, clash, who5_final],
                                ended_on)

    assert asked == [clash] and clash.occasion == DISCHARGE and clash.status == "planned"
    assert moved_final.status == who5_final.status == "cancelled"


def test_a_completion_after_the_final_measures_were_asked_asks_nothing():
    items = [Item("phq9", 49, DISCHARGE, "fulfilled"), Item("who5", 49, DISCHARGE, "lapsed")]

    assert finals_at_discharge(items, MONDAY + timedelta(days=56)) == []


# -- Substance use on the schedule (issue 11 point 6): only for those screened positive

def test_a_positive_audit_c_screen_puts_audit_c_on_the_schedule_every_four_weeks():
    plan = plan_episode(MEASUREMENT, "depression", MONDAY, 8, SCREENED + ("audit_c",), ("audit_c",))

    # The screening total is the baseline (no start item); day 28, then the last week's first day.
    assert [(d, o) for d, o in ((((i.due_on - MONDAY).days), i.occasion) for i in plan
                                if i.instrument == "audit_c")] == [(28, WEEKLY), (49, DISCHARGE)]
    assert days(plan, "dast10") == []


@pytest.mark.parametrize("weeks, expected", [(6, [28, 35]), (12, [28, 56, 77])])
def test_dast10_follows_a_positive_screen_within_the_program(weeks, expected):
    plan = plan_episode(MEASUREMENT, "trauma", MONDAY, weeks, SCREENED + ("dast10",), ("dast10",))

    assert days(plan, "dast10") == expected


def test_a_negative_or_absent_substance_use_screen_schedules_neither():
    screened = SCREENED + ("audit_c", "dast10")

    plan = plan_episode(MEASUREMENT, "anxiety", MONDAY, 8, screened, ())

    assert days(plan, "audit_c") == days(plan, "dast10") == []

"""Weekly hours of a plan and the IOP intensity it must reach (handbook CLINICAL.md, Program)."""
from datetime import date

import pytest

from services.intake.domain import plans as plan_rules
from services.intake.domain.plans import (PlanOutsideIntensity, age_band, check_planned_weeks,
                                          check_plan_counts, session_minutes, week_hours)
from shared.errors import InvalidFields
from shared import clinical
from shared.clinical import load_clinical_rules

RULES = load_clinical_rules()
PROGRAM = RULES["program"]
CALENDAR = RULES["calendar"]
MINUTES = PROGRAM["session_minutes"]
INTENSITY = PROGRAM["intensity"]


def weekly_hours(plan, minutes):
    return plan_rules.weekly_hours(plan, minutes, CALENDAR["weeks_per_month"])


def check_intensity(plan, minutes, band, intensity):
    return plan_rules.check_intensity(plan, minutes, band, intensity, CALENDAR["weeks_per_month"])


def plan(group=0, individual=0, family=0, education=0):
    return {"group_sessions_per_week": group, "individual_sessions_per_week": individual,
            "family_sessions_per_month": family, "education_sessions_per_week": education}


def test_weekly_hours_sum_sessions_times_the_configured_durations():
    # 2 × 180 + 1 × 50 + 1 × 60 = 470 minutes
    assert weekly_hours(plan(group=2, individual=1, education=1), MINUTES) == pytest.approx(7.83)


def test_three_group_blocks_make_nine_hours():
    assert weekly_hours(plan(group=3), MINUTES) == 9.0


def test_a_month_is_four_program_weeks_as_the_scheduler_books_it():
    assert CALENDAR["weeks_per_month"] == 4


def test_family_sessions_a_month_count_as_their_weekly_share_of_four_weeks():
    # 4 a month = one every week: 50 minutes a week (not 4 × 50 × 12 / 52 = 46.15)
    assert weekly_hours(plan(family=4), MINUTES) == pytest.approx(0.83)
    # 2 a month: 100 minutes over 4 weeks = 25 minutes a week
    assert weekly_hours(plan(family=2), MINUTES) == pytest.approx(0.42)


def test_the_lightest_week_has_no_family_session_unless_every_week_has_one():
    three_groups = plan(group=3, family=2)  # 540 minutes every week, 50 more in 2 weeks of 4
    assert week_hours(three_groups, MINUTES, 4) == (9.0, 9.83)
    assert week_hours(plan(group=3, family=4), MINUTES, 4) == (9.83, 9.83)
    assert week_hours(plan(group=3), MINUTES, 4) == (9.0, 9.0)


@pytest.mark.parametrize("family", [0, 4])
def test_up_to_four_family_sessions_a_month_are_bookable(family):
    assert check_plan_counts(plan(group=3, family=family), PROGRAM, CALENDAR) is None


@pytest.mark.parametrize("family", [5, 8])
def test_more_family_sessions_than_the_scheduler_books_are_refused_naming_the_field(family):
    with pytest.raises(InvalidFields) as refused:
        check_plan_counts(plan(group=3, family=family), PROGRAM, CALENDAR)
    assert refused.value.errors == {"plan.family_sessions_per_month": [
        "Must be greater than or equal to 0 and less than or equal to 4."]}


def test_a_plan_reaching_nine_hours_only_with_family_weeks_is_refused():
    # 2 × 180 + 1 × 50 + 2 × 60 = 530 minutes (8.83 h) every week; with 2 family sessions a
    # month the average is 555 minutes (9.25 h), but two weeks of four would be booked at 8.83 h.
    with pytest.raises(PlanOutsideIntensity) as refused:
        check_intensity(plan(group=2, individual=1, education=2, family=2), MINUTES, "adult",
                        INTENSITY)
    assert (refused.value.weekly_hours, refused.value.lightest_week_hours,
            refused.value.heaviest_week_hours) == (9.25, 8.83, 9.67)
    assert "8.83 hours in a week without a family session" in str(refused.value)


def test_the_same_plan_with_a_family_session_every_week_is_accepted():
    intensity = check_intensity(plan(group=2, individual=1, education=2, family=4), MINUTES,
                                "adult", INTENSITY)
    assert (intensity.weekly_hours, intensity.lightest_week_hours) == (9.67, 9.67)


def test_a_family_week_at_twenty_hours_is_partial_hospitalization():
    # 6 × 180 + 1 × 50 + 1 × 60 = 1190 minutes (19.83 h); a family week adds 50: 20.67 h
    with pytest.raises(PlanOutsideIntensity, match="in a week with a family session"):
        check_intensity(plan(group=6, individual=1, education=1, family=1), MINUTES, "adult",
                        INTENSITY)


def test_a_site_may_configure_its_own_session_durations():
    minutes = session_minutes(MINUTES, {"timezone": "America/Chicago",
                                        "session_minutes": {"group": 120}})
    assert minutes["group"] == 120 and minutes["individual"] == MINUTES["individual"]
    assert weekly_hours(plan(group=3), minutes) == 6.0


def test_a_site_without_durations_uses_the_network_defaults():
    assert session_minutes(MINUTES, {"timezone": "America/New_York"}) == MINUTES


@pytest.mark.parametrize("birth_date, band", [
    (date(2009, 3, 3), "adult"),        # 18th birthday on the start date
    (date(2009, 3, 4), "adolescent"),   # 18 the day after the start date
    (date(1980, 6, 1), "adult"),
    (date(2012, 1, 1), "adolescent"),
])
def test_age_band_is_judged_at_the_start_date(birth_date, band):
    assert age_band(birth_date, date(2027, 3, 3), INTENSITY["adolescent_age_under"]) == band


def test_an_adolescent_turning_18_during_the_program_keeps_the_adolescent_minimum():
    start, birthday = date(2027, 3, 1), date(2009, 3, 15)  # 18 two weeks into the program
    band = age_band(birthday, start, INTENSITY["adolescent_age_under"])
    assert band == "adolescent"
    assert check_intensity(plan(group=2), MINUTES, band, INTENSITY).weekly_hours == 6.0


def test_a_leap_day_birthday_is_not_reached_on_the_28th_of_february():
    assert age_band(date(2008, 2, 29), date(2026, 2, 28), 18) == "adolescent"
    assert age_band(date(2008, 2, 29), date(2026, 3, 1), 18) == "adult"


def test_adult_plan_at_exactly_nine_hours_is_accepted():
    intensity = check_intensity(plan(group=3), MINUTES, "adult", INTENSITY)
    assert (intensity.weekly_hours, intensity.minimum) == (9.0, 9.0)


def test_adult_plan_under_nine_hours_is_refused_with_the_numbers():
    with pytest.raises(PlanOutsideIntensity) as refused:
        check_intensity(plan(group=2, individual=1, education=1), MINUTES, "adult", INTENSITY)
    assert (refused.value.weekly_hours, refused.value.minimum_weekly_hours) == (7.83, 9.0)
    assert "7.83" in str(refused.value) and "9" in str(refused.value)
    assert refused.value.errors == {"plan": [str(refused.value)]}
    assert refused.value.extra == {"weekly_hours": 7.83, "lightest_week_hours": 7.83,
                                   "heaviest_week_hours": 7.83, "minimum_weekly_hours": 9.0,
                                   "partial_hospitalization_weekly_hours": 20.0,
                                   "age_band": "adult"}


def test_the_same_plan_meets_the_adolescent_minimum_of_six_hours():
    intensity = check_intensity(plan(group=2, individual=1, education=1), MINUTES, "adolescent",
                                INTENSITY)
    assert (intensity.weekly_hours, intensity.minimum) == (7.83, 6.0)


def test_adolescent_plan_under_six_hours_is_refused():
    with pytest.raises(PlanOutsideIntensity) as refused:
        check_intensity(plan(group=1, individual=2, education=1), MINUTES, "adolescent", INTENSITY)
    assert (refused.value.weekly_hours, refused.value.minimum_weekly_hours) == (5.67, 6.0)


def test_twenty_hours_a_week_is_partial_hospitalization_and_refused():
    with pytest.raises(PlanOutsideIntensity, match="partial hospitalization"):
        check_intensity(plan(group=6, individual=2, education=1), MINUTES, "adult", INTENSITY)


def test_just_under_twenty_hours_is_still_iop():
    assert check_intensity(plan(group=6, individual=1), MINUTES, "adult",
                           INTENSITY).weekly_hours == pytest.approx(18.83)


def test_a_refused_plan_carries_the_numbers_the_answer_shows():
    with pytest.raises(PlanOutsideIntensity) as refused:
        check_intensity(plan(group=2), MINUTES, "adult", INTENSITY)
    assert refused.value.extra == {"weekly_hours": 6.0, "lightest_week_hours": 6.0,
                                   "heaviest_week_hours": 6.0, "minimum_weekly_hours": 9.0,
                                   "partial_hospitalization_weekly_hours": 20.0,
                                   "age_band": "adult"}
    assert list(refused.value.errors) == ["plan"]


@pytest.mark.parametrize("weeks", [PROGRAM["planned_weeks"]["min"],
                                   PROGRAM["planned_weeks"]["max"]])
def test_planned_weeks_at_either_bound_are_accepted(weeks):
    assert check_planned_weeks(weeks, PROGRAM["planned_weeks"]) == weeks


@pytest.mark.parametrize("weeks", [PROGRAM["planned_weeks"]["min"] - 1,
                                   PROGRAM["planned_weeks"]["max"] + 1])
def test_planned_weeks_outside_the_program_range_name_the_field(weeks):
    bounds = PROGRAM["planned_weeks"]
    with pytest.raises(InvalidFields) as refused:
        check_planned_weeks(weeks, bounds)
    assert refused.value.errors == {"planned_weeks": [
        f"Must be greater than or equal to {bounds['min']} and less than or equal to "
        f"{bounds['max']}."]}


@pytest.mark.parametrize("weeks", [6, 12])
def test_planned_weeks_at_the_configured_bounds_are_accepted(weeks):
    assert check_planned_weeks(weeks, {"min": 6, "max": 12, "default": 8}) == weeks


@pytest.mark.parametrize("weeks", [5, 13])
def test_planned_weeks_outside_the_configured_range_name_the_field(weeks):
    with pytest.raises(InvalidFields) as refused:
        check_planned_weeks(weeks, {"min": 6, "max": 12, "default": 8})
    assert refused.value.errors == {"planned_weeks": [
        "Must be greater than or equal to 6 and less than or equal to 12."]}


def test_a_rules_file_without_the_calendar_fails_at_load(tmp_path):
    text = clinical.DEFAULT_PATH.read_text(encoding="utf-8").replace("\ncalendar:", "\nunused:")
    path = tmp_path / "clinical.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="calendar"):
        clinical.load_clinical_rules(path)

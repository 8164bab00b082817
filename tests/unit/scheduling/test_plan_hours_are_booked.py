"""Plan hours = bookable hours: every plan intake accepts, booked by scheduling's rule, reaches
the IOP minimum in every program week and stays under partial hospitalization.

Intake's side: the schema's ranges, the bookable family count and the intensity rule
(services/intake/domain/plans.py). Scheduling's side: how many sessions it books in each program
week (services/scheduling/domain/program.py; group and education series are joined to the plan's
weekly count). Both read the same month (clinical.yaml `calendar.weeks_per_month`).
"""
from itertools import product

from services.intake.domain import plans as intake_plans
from services.intake.domain.plans import PlanOutsideIntensity
from services.scheduling.domain.program import family_weeks, weekly_appointments
from shared.clinical import load_clinical_rules
from shared.enums import TRACKS
from shared.errors import InvalidFields

RULES = load_clinical_rules()
PROGRAM, CALENDAR = RULES["program"], RULES["calendar"]
MINUTES = PROGRAM["session_minutes"]
WEEKS_PER_MONTH = CALENDAR["weeks_per_month"]
# The intake schema's ranges (services/intake/schemas.py PlanIn), written out here.
SCHEMA_RANGES = {"group_sessions_per_week": range(0, 8), "individual_sessions_per_week": range(0, 8),
                 "family_sessions_per_month": range(0, 9), "education_sessions_per_week": range(0, 8)}
# The IOP minimum and the partial-hospitalization level, in minutes (CLINICAL.md, Program).
MINIMUM_MINUTES = {"adult": 9 * 60, "adolescent": 6 * 60}
PARTIAL_HOSPITALIZATION_MINUTES = 20 * 60
PLANNED_WEEKS = range(PROGRAM["planned_weeks"]["min"], PROGRAM["planned_weeks"]["max"] + 1)


def every_plan():
    fields = list(SCHEMA_RANGES)
    for counts in product(*SCHEMA_RANGES.values()):
        yield dict(zip(fields, counts))


def accepted(plan, band) -> bool:
    """Whether intake enrolls the plan: the bookable count, then the intensity."""
    try:
        intake_plans.check_plan_counts(plan, PROGRAM, CALENDAR)
        intake_plans.check_intensity(plan, MINUTES, band, PROGRAM["intensity"], WEEKS_PER_MONTH)
    except (InvalidFields, PlanOutsideIntensity):
        return False
    return True


def booked_minutes_per_week(plan, planned_weeks) -> list[int]:
    """What scheduling books in each program week for the plan, at the network's durations."""
    weekly = (plan["group_sessions_per_week"] * MINUTES["group"]
              + plan["education_sessions_per_week"] * MINUTES["education"]
              + weekly_appointments(plan, "individual", PROGRAM) * MINUTES["individual"])
    family = set(family_weeks(planned_weeks, plan["family_sessions_per_month"], WEEKS_PER_MONTH,
                              PROGRAM["family_sessions_max_per_week"]))
    per_family_week = weekly_appointments(plan, "family", PROGRAM) * MINUTES["family"]
    return [weekly + (per_family_week if week in family else 0) for week in range(planned_weeks)]


def test_no_accepted_plan_is_booked_under_the_minimum_or_at_partial_hospitalization():
    checked = {band: 0 for band in MINIMUM_MINUTES}
    for band, track in product(MINIMUM_MINUTES, TRACKS):
        for plan in every_plan():
            if not accepted(plan, band):
                continue
            checked[band] += 1
            for weeks in PLANNED_WEEKS:
                booked = booked_minutes_per_week(plan, weeks)
                assert min(booked) >= MINIMUM_MINUTES[band], (band, track, plan, weeks, booked)
                assert max(booked) < PARTIAL_HOSPITALIZATION_MINUTES, (band, track, plan, weeks)
    # Not vacuous: many plans of each band were walked (per track).
    assert checked["adult"] > 1000 * len(TRACKS) and checked["adolescent"] > checked["adult"]


def test_weekly_hours_are_the_hours_booked_on_average_over_whole_months():
    for plan in every_plan():
        if not accepted(plan, "adolescent"):
            continue
        hours = intake_plans.weekly_hours(plan, MINUTES, WEEKS_PER_MONTH)
        for weeks in (8, 12):  # whole months of four weeks
            booked = booked_minutes_per_week(plan, weeks)
            assert abs(sum(booked) / weeks / 60 - hours) <= 0.0051, (plan, weeks, hours)  # rounded to 0.01 h


def test_a_family_count_the_scheduler_cannot_book_is_never_accepted():
    for plan in every_plan():
        if plan["family_sessions_per_month"] > 4:
            assert not accepted(plan, "adolescent"), plan


def test_the_former_rule_accepted_a_plan_booked_under_the_minimum():
    # 52/12 weeks a month and the average week: 2 groups, 1 individual, 2 education, 2 family.
    plan = {"group_sessions_per_week": 2, "individual_sessions_per_week": 1,
            "family_sessions_per_month": 2, "education_sessions_per_week": 2}
    former_hours = (2 * 180 + 50 + 2 * 60 + 2 * 50 * 12 / 52) / 60
    assert former_hours >= 9  # 9.22 h: it was accepted
    assert min(booked_minutes_per_week(plan, 8)) == 530  # 8.83 h booked in weeks 1, 3, 5, 7
    assert not accepted(plan, "adult")

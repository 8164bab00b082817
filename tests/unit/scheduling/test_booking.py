"""Choosing series to the plan's weekly count, and an individual therapist and slot."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from services.scheduling.domain.occurrences import weekly_occurrences
from services.scheduling.domain.placement import (SeriesOption, TherapistOption, choose_series,
                                                  appointment_times, choose_therapist,
                                                  core_modality_first, speaks)
from services.scheduling.domain.program import (BookingContext, family_days, program_days,
                                                weekly_appointments)
from shared.clinical import load_clinical_rules

RULES = load_clinical_rules()
PROGRAM = RULES["program"]
FAMILY = (RULES["calendar"]["weeks_per_month"], PROGRAM["family_sessions_max_per_week"])
STEP = RULES["calendar"]["appointment_step_minutes"]

NEW_YORK = ZoneInfo("America/New_York")
START, END = date(2026, 3, 2), date(2026, 3, 15)   # two weeks from a Monday
DAYS = program_days(START, END)
NOT_BEFORE = datetime(2026, 3, 1, tzinfo=timezone.utc)
MON, TUE, WED, THU, FRI = range(5)


def series(series_id, weekdays, at="09:00", has_seat=True, modality="cbt_group", minutes=180):
    occurrences = tuple(weekly_occurrences(weekdays, at, minutes, START, END, NEW_YORK))
    return SeriesOption(series_id, modality, len(weekdays), occurrences, has_seat)


def therapist(staff_id, languages=("en",), caseload=0, max_caseload=10,
              windows=((MON, time(13), time(17)),), busy=()):
    return TherapistOption(staff_id, tuple(languages), caseload, max_caseload, windows, tuple(busy))


def local(occurrence):
    return occurrence.starts_at.astimezone(NEW_YORK).strftime("%a %H:%M")


# -- series --------------------------------------------------------------------------------


def test_series_are_joined_until_the_weekly_count_is_met():
    choice = choose_series([series("mwf", [MON, WED, FRI]), series("tt", [TUE, THU])], 3, [])
    assert choice.join == ["mwf"] and choice.waitlist == [] and choice.unmet_per_week == 0


def test_never_more_group_sessions_than_the_plan():
    choice = choose_series([series("mtwtf", [MON, TUE, WED, THU, FRI]), series("tt", [TUE, THU])], 2, [])
    assert choice.join == ["tt"]


def test_a_full_series_puts_the_patient_on_its_waitlist():
    choice = choose_series([series("full", [MON, WED, FRI], has_seat=False)], 3, [])
    assert choice.join == [] and choice.waitlist == ["full"]


def test_an_open_series_is_preferred_to_waiting_for_a_full_one():
    choice = choose_series([series("full", [MON, WED, FRI], has_seat=False),
                            series("open", [MON, WED, FRI], at="14:00")], 3, [])
    assert choice.join == ["open"] and choice.waitlist == []


def test_a_series_clashing_with_the_patients_sessions_is_skipped():
    busy = weekly_occurrences([MON], "10:00", 60, START, END, NEW_YORK)
    choice = choose_series([series("clash", [MON, WED]), series("free", [TUE, THU], at="09:00")], 2, busy)
    assert choice.join == ["free"]


def test_unmet_count_is_reported_when_no_series_fits():
    choice = choose_series([series("tt", [TUE, THU])], 3, [])
    assert choice.join == ["tt"] and choice.unmet_per_week == 1


def test_the_tracks_core_group_comes_first():
    options = [series("dbt", [MON], modality="dbt_skills_group"), series("cbt", [TUE])]
    ordered = core_modality_first("depression", options, PROGRAM["core_group"])
    assert [o.series_id for o in ordered] == ["cbt", "dbt"]
    assert choose_series(ordered, 1, []).join == ["cbt"]


# -- therapists ------------------------------------------------------------------------------


def choose(options, language="en", count=1, patient_busy=(), current=None):
    return choose_therapist(options, language, DAYS, count, 50, NEW_YORK, list(patient_busy),
                            NOT_BEFORE, current=current, step_minutes=STEP)


def test_a_therapist_speaking_the_patients_language_is_preferred():
    choice = choose([therapist("a-en", caseload=0), therapist("b-es", ["en", "es"], caseload=5)], "es-MX")
    assert choice.staff_id == "b-es"


def test_without_a_language_match_the_least_loaded_therapist_is_chosen():
    choice = choose([therapist("a", caseload=4), therapist("b", caseload=1)], "pt")
    assert choice.staff_id == "b"


def test_a_therapist_at_their_caseload_limit_is_not_chosen():
    choice = choose([therapist("full-es", ["es"], caseload=10, max_caseload=10), therapist("open-en")], "es")
    assert choice.staff_id == "open-en"


def test_the_patients_current_therapist_keeps_them_even_at_the_limit():
    choice = choose([therapist("mine", caseload=10, max_caseload=10), therapist("other")], current="mine")
    assert choice.staff_id == "mine"


def test_slots_lie_within_availability_every_week():
    choice = choose([therapist("a", windows=((WED, time(15), time(16)),))])
    occurrences = choice.slots[0].occurrences
    assert [local(o) for o in occurrences] == ["Wed 15:00", "Wed 15:00"]
    assert all((o.ends_at - o.starts_at) == timedelta(minutes=50) for o in occurrences)


def test_a_window_too_short_for_the_appointment_is_not_used():
    assert choose([therapist("a", windows=((WED, time(15), time(15, 30)),))]) is None


def test_the_slot_never_clashes_with_the_patients_group():
    group = weekly_occurrences([MON], "12:00", 180, START, END, NEW_YORK)   # 12:00-15:00
    choice = choose([therapist("a")], patient_busy=group)
    assert {local(o) for o in choice.slots[0].occurrences} == {"Mon 15:00"}


def test_the_slot_never_clashes_with_the_therapists_own_sessions():
    booked = weekly_occurrences([MON], "13:00", 120, START, END, NEW_YORK)
    choice = choose([therapist("a", busy=booked)])
    assert {local(o) for o in choice.slots[0].occurrences} == {"Mon 15:00"}


def test_a_busy_therapist_gives_way_to_one_with_a_free_slot():
    booked = weekly_occurrences([MON], "13:00", 240, START, END, NEW_YORK)
    choice = choose([therapist("a-es", ["es"], busy=booked), therapist("b-en")], "es")
    assert choice.staff_id == "b-en"


def test_two_weekly_sessions_fall_on_different_days():
    choice = choose([therapist("a", windows=((MON, time(13), time(17)), (THU, time(9), time(12))))],
                    count=2)
    assert [s.weekday for s in choice.slots] == [MON, THU]


def test_language_match_is_on_the_primary_subtag():
    assert speaks(["es"], "es-MX") and speaks(["ES-us"], "es") and not speaks(["en"], "es")


def test_family_sessions_spread_over_each_four_weeks():
    weeks = sorted({(d - START).days // 7 for d in family_days(START, 8, 2, *FAMILY)})
    assert weeks == [0, 2, 4, 6]
    assert sorted({(d - START).days // 7 for d in family_days(START, 8, 1, *FAMILY)}) == [0, 4]
    assert family_days(START, 8, 0, *FAMILY) == []


def test_family_sessions_are_booked_at_most_once_a_week_and_four_per_four_weeks():
    assert FAMILY == (4, 1)
    every_week = sorted({(d - START).days // 7 for d in family_days(START, 8, 4, *FAMILY)})
    assert every_week == list(range(8))
    # More than a month of weeks holds cannot be booked: capped at one a week.
    assert family_days(START, 8, 8, *FAMILY) == family_days(START, 8, 4, *FAMILY)
    plan = {"individual_sessions_per_week": 2, "family_sessions_per_month": 4}
    assert weekly_appointments(plan, "family", PROGRAM) == 1
    assert weekly_appointments(plan, "individual", PROGRAM) == 2


def test_a_longer_month_in_the_rules_spreads_family_sessions_over_it():
    weeks = sorted({(d - START).days // 7 for d in family_days(START, 12, 2, 6, 1)})
    assert weeks == [0, 3, 6, 9]


def test_occurrence_in_the_past_is_not_offered():
    later = datetime(2026, 3, 10, tzinfo=timezone.utc)
    choice = choose_therapist([therapist("a", windows=((WED, time(13), time(17)),))], "en", DAYS, 1,
                              50, NEW_YORK, [], later, step_minutes=STEP)
    assert all(o.starts_at >= later for o in choice.slots[0].occurrences)
    assert len(choice.slots[0].occurrences) == 1


def test_appointments_start_on_the_configured_grid():
    assert STEP == 30
    assert appointment_times(time(13), time(15), 50, STEP) == [time(13), time(13, 30), time(14)]
    assert appointment_times(time(13), time(15), 50, 60) == [time(13), time(14)]


def test_appointments_last_the_site_s_own_duration_as_intake_counts_it():
    ctx = BookingContext(now=NOT_BEFORE, zones={"riverside": NEW_YORK}, program=PROGRAM,
                         calendar=RULES["calendar"],
                         sites={"riverside": {"session_minutes": {"individual": 60}}})
    assert ctx.session_minutes("riverside", "individual") == 60
    assert ctx.session_minutes("riverside", "family") == PROGRAM["session_minutes"]["family"]
    assert ctx.session_minutes("lakeside", "individual") == PROGRAM["session_minutes"]["individual"]

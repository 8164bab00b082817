"""The Refer, Enroll, Patient and Outcomes view models as plain functions over the services' JSON."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from services.console.views import assessments, outcomes, patient, refer
from shared.clinical import load_clinical_rules

INSTRUMENTS = load_clinical_rules().instruments
NEW_YORK = ZoneInfo("America/New_York")
PATIENT, OTHER = "0b0c2f6e-1d1a-4c1e-9f63-9a5b1f4f1a01", "1c1d3a7f-2e2b-4d2f-8a74-0b6c2a5a2b02"
ENROLLMENT, REFERRAL = "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def t(key, **fields):
    return key + (str(sorted(fields.items())) if fields else "")


def referral_form(**answers):
    values = {"site_id": "riverside", "source": "primary_care", "patient.given_name": "Ana",
              "patient.family_name": "Ruiz", "patient.birth_date": "1990-04-02",
              "patient.email": "ana@example.org", "patient.phone": "", "patient.preferred_language": "es",
              "consents.treatment": "on", "consents.email": "on"}
    values.update({f"screening.phq9.{n}": "1" for n in range(1, 10)})
    values.update({f"screening.gad7.{n}": "2" for n in range(1, 8)})
    values.update(answers)
    return MultiDict(values)


# -- Refer ----------------------------------------------------------------------------------------

def test_referral_body_carries_the_screening_items_in_order_as_integers():
    body = refer.referral_body(referral_form(**{"screening.phq9.9": "2"}), INSTRUMENTS)
    assert body["screening"] == {"phq9": [1] * 8 + [2], "gad7": [2] * 7}
    assert body["patient"]["phone"] is None and body["patient"]["preferred_language"] == "es"
    assert body["consents"] == {"treatment": True, "email": True, "sms": False}
    assert "referred_on" not in body


def test_a_blank_required_item_goes_as_null_and_a_wholly_blank_optional_screen_is_left_out():
    body = refer.referral_body(referral_form(**{"screening.phq9.3": ""}), INSTRUMENTS)
    assert body["screening"]["phq9"][2] is None and "pcl5" not in body["screening"]


def test_a_partly_answered_pcl5_is_sent_for_intake_to_judge():
    body = refer.referral_body(referral_form(**{"screening.pcl5.1": "4", "screening.pcl5.2": "x"}), INSTRUMENTS)
    assert body["screening"]["pcl5"][:3] == [4, "x", None] and len(body["screening"]["pcl5"]) == 20


def test_intake_422_errors_are_shown_beside_each_field_with_one_based_items():
    errors = {"screening.phq9.2": ["item 3 must be an integer from 0 to 3, got None"],
              "patient.given_name": ["Missing data for required field."],
              "consents.email": ["An email address is needed for the email channel."],
              "screening.gad7": ["expected 7 items, got 6"], "something.else": ["odd"]}
    form = refer.referral_form([{"site_id": "riverside"}], INSTRUMENTS, referral_form(), errors)
    phq9 = next(s for s in form["screens"] if s["instrument"] == "phq9")
    assert phq9["items"][2]["errors"] == ["item 3 must be an integer from 0 to 3, got None"]
    assert phq9["items"][2]["name"] == "screening.phq9.3"
    assert form["errors"]["patient.given_name"] == ["Missing data for required field."]
    assert form["errors"]["consents.email"]
    assert next(s for s in form["screens"] if s["instrument"] == "gad7")["errors"] == ["expected 7 items, got 6"]
    assert form["other_errors"] == ["something.else: odd"] and form["has_errors"]


def test_the_form_offers_each_screen_with_its_item_count_and_range_from_the_rules():
    form = refer.referral_form([], INSTRUMENTS)
    shape = {s["instrument"]: (len(s["items"]), s["min"], s["max"], s["optional"]) for s in form["screens"]}
    assert shape == {"phq9": (9, 0, 3, False), "gad7": (7, 0, 3, False), "pcl5": (20, 0, 4, True)}
    assert not form["has_errors"]


def test_the_result_shows_the_triage_and_the_risk_flag_and_offers_enrollment_on_the_recommended_track():
    referral = {"referral_id": REFERRAL, "patient_id": PATIENT, "site_id": "riverside",
                "referred_on": "2026-06-01", "recommendation": "iop", "recommended_track": "depression",
                "risk_flag": {"level": "moderate", "reason": "phq9_item9"}, "enrollment_id": None,
                "screening": {"phq9": 14, "gad7": 9, "pcl5": None, "severities": {"phq9": "moderate", "gad7": "mild"}}}
    result = refer.referral_result(referral, {"given_name": "Ana", "family_name": "Ruiz"}, date(2026, 6, 2), "Goal")
    assert (result["recommendation"], result["recommended_track"]) == ("iop", "depression")
    assert result["risk_flag"] == {"level": "moderate", "reason": "phq9_item9"}
    assert result["totals"] == [{"instrument": "phq9", "total": 14, "severity": "moderate"},
                                {"instrument": "gad7", "total": 9, "severity": "mild"}]
    assert result["patient_name"] == "Ana Ruiz"
    enroll = result["enroll"]
    assert enroll["action"] == f"/referrals/{REFERRAL}/enroll"
    assert enroll["values"]["track"] == "depression" and enroll["values"]["start_date"] == "2026-06-02"
    assert enroll["values"]["goals"] == "Goal"


def test_enrollment_body_from_the_form_a_past_start_date_as_given():
    form = MultiDict({"track": "anxiety", "start_date": "2026-05-01", "planned_weeks": "",
                      "plan.group_sessions_per_week": "3", "plan.individual_sessions_per_week": "1",
                      "plan.family_sessions_per_month": "0", "plan.education_sessions_per_week": "1",
                      "goals": "Sleep better\n\n  Return to work \n"})
    body = refer.enrollment_body(REFERRAL, form)
    assert body == {"referral_id": REFERRAL, "track": "anxiety", "start_date": "2026-05-01",
                    "planned_weeks": None, "goals": ["Sleep better", "Return to work"],
                    "plan": {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
                             "family_sessions_per_month": 0, "education_sessions_per_week": 1}}


def test_enroll_errors_are_kept_beside_their_fields():
    form = refer.enroll_form({"referral_id": REFERRAL}, date(2026, 6, 2), MultiDict({"track": "x"}),
                             {"plan": ["9.0 hours a week is under the adult minimum of 9"],
                              "start_date": ["Not a valid date."]})
    assert form["errors"]["plan"] and form["errors"]["start_date"] == ["Not a valid date."]
    assert form["values"]["track"] == "x"


# -- Assessments ----------------------------------------------------------------------------------

def test_assessment_body_takes_the_instruments_items_and_the_site_local_time():
    values = {f"item.{n}": "1" for n in range(1, 10)}
    values.update({"instrument": "phq9", "item.9": "2", "administered_at": "2026-06-05T10:30",
                   "enrollment_id": ENROLLMENT})
    body = assessments.assessment_body(PATIENT, MultiDict(values), INSTRUMENTS, NEW_YORK,
                                       datetime(2026, 6, 5, 15, tzinfo=timezone.utc))
    assert body["responses"] == [1] * 8 + [2]
    assert body["administered_at"] == "2026-06-05T14:30:00+00:00"  # 10:30 EDT
    assert body["enrollment_id"] == ENROLLMENT and "q6_within_3_months" not in body


def test_an_unanswered_item_is_null_and_a_stray_extra_answer_is_kept_for_the_service_to_refuse():
    now = datetime(2026, 6, 5, 15, tzinfo=timezone.utc)
    only_item9 = assessments.assessment_body(PATIENT, MultiDict({"instrument": "phq9", "item.9": "3"}),
                                             INSTRUMENTS, NEW_YORK, now)
    assert only_item9["responses"] == [None] * 8 + [3]
    assert only_item9["administered_at"] == now.isoformat()
    stray = assessments.assessment_body(PATIENT, MultiDict({"instrument": "gad7", "item.9": "1"}),
                                        INSTRUMENTS, NEW_YORK, now)
    assert len(stray["responses"]) == 9


def test_cssrs_carries_the_question_six_follow_up():
    body = assessments.assessment_body(PATIENT, MultiDict({"instrument": "cssrs", "item.6": "1",
                                                           "q6_within_3_months": "yes"}),
                                       INSTRUMENTS, NEW_YORK, datetime(2026, 6, 5, tzinfo=timezone.utc))
    assert body["q6_within_3_months"] is True and len(body["responses"]) == 6


def test_the_assessment_form_has_item_inputs_for_the_longest_instrument_and_maps_errors():
    form = assessments.assessment_form(PATIENT, ENROLLMENT, INSTRUMENTS, MultiDict({"instrument": "phq9"}),
                                       {"responses.8": ["item 9 must be an integer from 0 to 3, got 7"],
                                        "responses": ["expected 9 items, got 10"]})
    assert [item["number"] for item in form["items"]] == list(range(1, 10))  # "Item 1" to "Item 9"
    assert [i["name"] for i in form["longer"]] == ["pcl5", "dast10"]
    assert form["items"][8]["errors"] == ["item 9 must be an integer from 0 to 3, got 7"]
    assert form["errors"]["responses"] == ["expected 9 items, got 10"]
    assert {"name": "phq9", "items": 9} in form["instruments"]


def test_a_longer_instrument_asked_for_gets_an_input_per_item():
    form = assessments.assessment_form(PATIENT, ENROLLMENT, INSTRUMENTS, instrument="pcl5")
    assert len(form["items"]) == 20 and form["selected"] == "pcl5" and form["longer"] == []
    assert form["values"]["instrument"] == "pcl5"


def trajectories():
    return {"patient_id": PATIENT, "episodes": [{
        "enrollment_id": ENROLLMENT, "site_id": "riverside", "track": "depression",
        "start_date": "2026-06-01", "status": "active", "trajectories": {
            "phq9": {"screening_score": 20, "scores": [
                {"assessment_id": "a1", "administered_at": "2026-06-08T14:00:00+00:00", "total_score": 18,
                 "severity": "moderately_severe", "baseline_score": 20, "change_from_baseline": -2,
                 "reliable_change": "no_change", "complete": True},
                {"assessment_id": "a2", "administered_at": "2026-06-15T14:00:00+00:00", "total_score": None,
                 "severity": None, "baseline_score": None, "change_from_baseline": None,
                 "reliable_change": None, "complete": False},
                {"assessment_id": "a3", "administered_at": "2026-06-22T03:00:00+00:00", "total_score": 11,
                 "severity": "moderate", "baseline_score": 20, "change_from_baseline": -9,
                 "reliable_change": "improved", "complete": True}]},
            "gad7": {"screening_score": 9, "scores": []}}}]}


def test_episode_charts_have_a_chart_per_instrument_with_the_screening_as_baseline():
    (episode,) = assessments.episode_charts(trajectories(), INSTRUMENTS, t, NEW_YORK,
                                            {ENROLLMENT: "2026-05-28"})
    phq9, gad7 = episode["charts"]
    assert phq9.chart_id.endswith("phq9") and gad7.chart_id.endswith("gad7")
    assert [row[0] for row in phq9.rows] == ["2026-05-28", "2026-06-08", "2026-06-15", "2026-06-21"]
    assert [row[1] for row in phq9.rows] == ["20", "18", "", "11"]
    assert phq9.rows[0][2] == "band_severe" and phq9.rows[0][3] == "chart_screening"
    assert phq9.rows[2][3] == "chart_incomplete"
    assert phq9.rows[3][3] == "-9 (change_improved)"
    assert 'data-marker="improved"' in phq9.svg and 'data-threshold="14"' in phq9.svg
    assert gad7.rows == (("2026-05-28", "9", "band_mild", "chart_screening"),)


# -- Patient --------------------------------------------------------------------------------------

def page(**overrides):
    values = dict(
        patient={"patient_id": PATIENT, "site_id": "riverside", "given_name": "Ana", "family_name": "Ruiz",
                 "birth_date": "1990-04-02", "preferred_language": "es", "interpreter_needed": False},
        enrollment={"enrollment_id": ENROLLMENT, "status": "active", "track": "depression",
                    "start_date": "2026-06-01", "planned_weeks": 8, "weekly_hours": 10.8, "plan_version": 2,
                    "plan": {"group_sessions_per_week": 3}, "goals": ["Sleep"],
                    "attendance": {"attended": 6, "missed": 3, "excused": 1, "rate": 0.6667,
                                   "required_rate": 0.75, "meets_completion_rate": False}},
        versions={"versions": [{"plan_version": 1, "weekly_hours": 9.0, "created_at": "2026-06-01T12:00:00+00:00"},
                               {"plan_version": 2, "weekly_hours": 10.8, "created_at": "2026-06-09T12:00:00+00:00"}]},
        schedule={"timezone": "America/New_York", "sessions": [
            {"session_id": "s2", "kind": "group", "modality": "cbt_group", "status": "scheduled",
             "starts_at": "2026-06-10T13:00:00+00:00", "ends_at": "2026-06-10T16:00:00+00:00",
             "booking_status": "booked", "attendance": None},
            {"session_id": "s1", "kind": "group", "modality": "cbt_group", "status": "scheduled",
             "starts_at": "2026-06-03T13:00:00+00:00", "ends_at": "2026-06-03T16:00:00+00:00",
             "booking_status": "booked", "attendance": {"status": "attended", "attended_minutes": 170}},
            {"session_id": "s3", "kind": "group", "modality": "cbt_group", "status": "scheduled",
             "starts_at": "2026-06-30T13:00:00+00:00", "ends_at": "2026-06-30T16:00:00+00:00",
             "booking_status": "booked", "attendance": None}]},
        assessments=trajectories(),
        flags={"flags": [{"level": "high", "reason": "phq9_item9", "raised_at": "2026-06-08T14:00:01+00:00"}]},
        alerts={"alerts": [{"id": "al1", "patient_id": PATIENT, "level": "high", "reason": "risk", "status": "open",
                            "created_at": "2026-06-08T14:00:02+00:00", "acknowledged_at": None},
                           {"id": "al2", "patient_id": OTHER, "level": "moderate", "reason": "risk",
                            "status": "open", "created_at": "2026-06-08T14:00:02+00:00"}]},
        notifications={"notifications": [
            {"template": "session_reminder", "channel": "email", "status": "sent",
             "sent_at": "2026-06-09T13:00:00+00:00", "send_at": "2026-06-09T13:00:00+00:00"}]},
        notes={"notes": [{"session_id": "s1", "modality": "cbt_group", "kind": "group",
                          "starts_at": "2026-06-03T13:00:00+00:00", "version": 1, "status": "signed",
                          "shared_text": "Worked on thought records.",
                          "own_part": {"patient_id": PATIENT, "text": "Ana engaged well."}}]},
        referrals=[{"referral_id": REFERRAL, "enrollment_id": ENROLLMENT, "referred_on": "2026-05-28",
                    "recommendation": "iop", "recommended_track": "depression"}],
        instruments=INSTRUMENTS, t=t, zone=NEW_YORK, now=datetime(2026, 6, 20, tzinfo=timezone.utc))
    values.update(overrides)
    return patient.patient_page(**values)


def test_attendance_is_intakes_rate_against_the_required_rate():
    attendance = page()["attendance"]
    assert (attendance["rate"], attendance["required"], attendance["meets"]) == ("67 %", "75 %", False)
    assert attendance["verdict"] == "attendance_below[('required', '75 %')]"


def test_schedule_in_site_time_oldest_first_with_past_unmarked_sessions_to_mark():
    rows = page()["schedule"]
    assert [r["session_id"] for r in rows] == ["s1", "s2", "s3"]
    assert rows[0]["starts_at"] == "2026-06-03 09:00" and rows[0]["attendance"] == "attended"
    assert [r["to_mark"] for r in rows] == [False, True, False]


def test_plan_versions_newest_first_and_alerts_only_this_patients():
    view = page()
    assert [v["plan_version"] for v in view["plan"]["versions"]] == [2, 1]
    assert view["plan"]["versions"][0]["created_at"] == "2026-06-09 08:00"
    assert [a["alert_id"] for a in view["alerts"]] == ["al1"]
    assert view["flags"][0]["raised_at"] == "2026-06-08 10:00"


def test_group_notes_show_the_shared_part_and_only_this_patients_own_part():
    view = page()
    assert view["notes"][0]["shared_text"] == "Worked on thought records."
    assert view["notes"][0]["own_text"] == "Ana engaged well."
    other = page(notes={"notes": [{"starts_at": "2026-06-03T13:00:00+00:00", "shared_text": "s",
                                   "own_part": {"patient_id": OTHER, "text": "Not Ana's"}}]})
    assert other["notes"][0]["own_text"] == ""


def test_the_referrals_link_to_their_triage_and_say_which_is_not_enrolled():
    view = page(referrals=[{"referral_id": "r1", "enrollment_id": ENROLLMENT, "referred_on": "2026-05-28",
                            "recommendation": "iop"},
                           {"referral_id": "r2", "enrollment_id": None, "referred_on": "2026-09-01",
                            "recommendation": "iop", "recommended_track": "anxiety"}])
    assert [(r["referral_id"], r["enrolled"]) for r in view["referrals"]] == [("r2", False), ("r1", True)]


def test_a_patient_not_enrolled_yet_has_no_plan_attendance_or_schedule():
    view = page(enrollment=None, versions=None, schedule=None, assessments=None, notes=None)
    assert view["plan"] is None and view["attendance"] is None and view["schedule"] == []
    assert view["episodes"] == [] and view["assessment_form"]["enrollment_id"] == ""
    assert view["name"] == "Ana Ruiz"


# -- Outcomes -------------------------------------------------------------------------------------

REPORT = {"from": None, "to": None, "sites": ["riverside", "lakeside"], "groups": [
    {"site_id": "riverside", "track": "depression", "enrolled": 4, "ended": 2, "completed": 1,
     "completion_rate": 0.5, "mean_attendance_rate": 0.8125,
     "measures": {"phq9": {"n": 2, "mean_change": -7.5, "n_at_caseness": 2, "response_rate": 0.5,
                           "remission_rate": 0.0, "reliable_improvement_rate": 1.0,
                           "reliable_deterioration_rate": 0.0},
                  "gad7": {"n": 0, "mean_change": None, "n_at_caseness": 0, "response_rate": None,
                           "remission_rate": None, "reliable_improvement_rate": None,
                           "reliable_deterioration_rate": None}}},
    {"site_id": "lakeside", "track": "anxiety", "enrolled": 1, "ended": 0, "completed": 0,
     "completion_rate": None, "mean_attendance_rate": None, "measures": {}}]}
SITES = [{"site_id": "riverside", "name": "Riverside"}, {"site_id": "lakeside", "name": "Lakeside"}]


def test_outcomes_rows_and_charts_per_site_and_track():
    view = outcomes.outcomes_page(REPORT, SITES, t, MultiDict({"site": "riverside"}))
    assert [r["label"] for r in view["rows"]] == ["Riverside · track_depression", "Lakeside · track_anxiety"]
    first = view["rows"][0]
    assert (first["completion_rate"], first["mean_attendance_rate"]) == ("50 %", "81 %")
    assert view["instruments"] == ["phq9"]  # gad7 has no paired score anywhere
    assert first["measures"][0]["mean_change"] == "-7.50"
    assert first["measures"][0]["reliable_improvement_rate"] == "100 %"
    assert view["rows"][1]["completion_rate"] == "value_none"
    ids = [chart.chart_id for chart in view["charts"]]
    assert ids == ["chart-completion", "chart-attendance", "chart-improvement-phq9"]
    assert view["charts"][0].rows == (("Riverside · track_depression", "50 %"),
                                      ("Lakeside · track_anxiety", "value_none"))
    assert view["filter"]["site"] == "riverside"


def test_report_query_passes_only_the_filters_given():
    assert outcomes.report_query(MultiDict({"site": "riverside", "track": "", "from": "2026-01-01"})) == {
        "site_id": "riverside", "from": "2026-01-01"}


def test_an_empty_report_has_no_charts():
    assert outcomes.outcomes_page({"groups": []}, SITES, t, MultiDict())["charts"] == []


def test_a_whole_body_error_is_shown_alone_in_the_summary():
    form = refer.referral_form([], INSTRUMENTS, {}, {"_schema": ["Give either patient (new) or patient_id."]})
    assert form["other_errors"] == ["Give either patient (new) or patient_id."]
